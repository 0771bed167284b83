"""WeCom callback crypto (企业微信回调加解密, the scheme of its WXBizMsgCrypt samples).

- ``msg_signature`` = SHA1 of the sorted concatenation of token, timestamp, nonce and the
  encrypted text; checked in constant time before anything is decrypted.
- The encrypted text is base64 of AES-256-CBC (key = base64(EncodingAESKey + "="), IV = the
  key's first 16 bytes, PKCS#7 padding to 32 bytes) over
  ``random(16) + len(msg) (4 bytes, big-endian) + msg + receiveid`` (the corp id).

XML is parsed only after the signature checks out, and documents declaring a DTD or entities
are refused (no entity expansion, no external entities).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
import xml.etree.ElementTree as ET
from typing import Any

from liveloop.errors import DomainError

MAX_XML = 64 * 1024


class CallbackError(DomainError):
    """A callback that does not verify or decrypt."""

    status = 403


def _cipher(aes_key: str) -> Any:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = base64.b64decode(aes_key + "=")
    if len(key) != 32:
        raise CallbackError("EncodingAESKey must be 43 characters of base64")
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()  # noqa: S324 - WeCom's scheme


def verify(token: str, timestamp: str, nonce: str, encrypted: str, given: str) -> None:
    if not hmac.compare_digest(signature(token, timestamp, nonce, encrypted), given or ""):
        raise CallbackError("msg_signature does not match")


def decrypt(aes_key: str, encrypted: str, receive_id: str) -> str:
    try:
        raw = base64.b64decode(encrypted, validate=True)
        decryptor = _cipher(aes_key).decryptor()
        plain = decryptor.update(raw) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= 32:
            raise ValueError("bad padding")
        content = plain[16:-pad]
        (length,) = struct.unpack(">I", content[:4])
        message, rid = content[4 : 4 + length], content[4 + length :]
    except (ValueError, IndexError, struct.error) as exc:
        raise CallbackError(f"cannot decrypt: {type(exc).__name__}") from None
    if rid.decode(errors="replace") != receive_id:
        raise CallbackError("the message is for another corp")
    return message.decode()


def encrypt(aes_key: str, message: str, receive_id: str) -> str:
    """What WeCom sends (used by tests and by the URL check's echo)."""
    body = message.encode()
    data = os.urandom(16) + struct.pack(">I", len(body)) + body + receive_id.encode()
    pad = 32 - len(data) % 32
    data += bytes([pad]) * pad
    encryptor = _cipher(aes_key).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()


def parse_xml(text: str) -> dict[str, str]:
    """A flat WeCom XML document as {tag: text}."""
    if len(text) > MAX_XML:
        raise CallbackError("callback body too large")
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise CallbackError("callback XML may not declare a DTD")
    try:
        root = ET.fromstring(text)  # noqa: S314 - size-limited, no DTD (checked above)
    except ET.ParseError:
        raise CallbackError("callback body is not XML") from None
    return {child.tag: (child.text or "") for child in root}
