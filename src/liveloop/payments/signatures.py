"""WeChat Pay v3's signatures and AEAD, as both sides use them (our client and the local
provider): SHA256-with-RSA (PKCS#1 v1.5) over newline-joined fields, and AEAD_AES_256_GCM with
the APIv3 key. Signing and verifying go through the ``wechatpayv3`` SDK's own functions, so the
local provider signs exactly as the SDK expects WeChat to."""

from __future__ import annotations

import base64
import re
import secrets
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from wechatpayv3 import utils as sdk

SCHEMA = "WECHATPAY2-SHA256-RSA2048"

_AUTH_FIELD = re.compile(r'(\w+)="([^"]*)"')


def load_private(pem: str) -> Any:
    return load_pem_private_key(pem.encode(), password=None)


def load_public(pem: str) -> Any:
    return load_pem_public_key(pem.encode())


def sign(private_key: Any, *fields: str) -> str:
    """Base64 SHA256-with-RSA over ``field\\n`` for each field."""
    return str(sdk.rsa_sign(private_key, "".join(f"{value}\n" for value in fields)))


def verify(public_key: Any, timestamp: str, nonce: str, body: str, signature: str) -> bool:
    """Whether ``signature`` signs ``timestamp\\nnonce\\nbody\\n`` (a response or notification)."""
    return bool(sdk.rsa_verify(timestamp, nonce, body, signature, public_key))


def verify_request(
    public_key: Any, method: str, path: str, timestamp: str, nonce: str, body: str, signature: str
) -> bool:
    """Whether ``signature`` signs a request: ``method\\npath\\ntimestamp\\nnonce\\nbody\\n``."""
    message = f"{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n".encode()
    try:
        public_key.verify(base64.b64decode(signature), message, *_pkcs1_sha256())
    except Exception:
        return False
    return True


def _pkcs1_sha256() -> tuple[Any, Any]:
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.hashes import SHA256

    return PKCS1v15(), SHA256()


def parse_authorization(header: str) -> dict[str, str] | None:
    """The fields of ``WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",…``, or None."""
    schema, _, rest = header.partition(" ")
    if schema != SCHEMA:
        return None
    return dict(_AUTH_FIELD.findall(rest))


def nonce() -> str:
    return secrets.token_hex(16).upper()


def encrypt(apiv3_key: str, plaintext: str, associated_data: str) -> dict[str, str]:
    """A ``resource`` as WeChat sends it: AEAD_AES_256_GCM, a 12-character nonce."""
    iv = secrets.token_hex(6)
    ciphertext = AESGCM(apiv3_key.encode()).encrypt(
        iv.encode(), plaintext.encode(), associated_data.encode()
    )
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(ciphertext).decode(),
        "associated_data": associated_data,
        "nonce": iv,
    }


def decrypt(apiv3_key: str, resource: dict[str, Any]) -> str | None:
    """The plaintext of a ``resource``, or None when it does not authenticate."""
    try:
        result = sdk.aes_decrypt(
            nonce=str(resource["nonce"]),
            ciphertext=str(resource["ciphertext"]),
            associated_data=str(resource.get("associated_data") or ""),
            apiv3_key=apiv3_key,
        )
    except (KeyError, ValueError, TypeError):
        return None
    return None if result is None else str(result)
