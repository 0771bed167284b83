"""Verifying a WeChat Pay v3 notification before anything is believed:

1. ``Wechatpay-Serial`` names our platform public key (LIVELOOP_WECHATPAY_PLATFORM_KEY_ID);
2. ``Wechatpay-Timestamp`` is within 5 minutes of now (a replayed capture is refused);
3. ``Wechatpay-Signature`` signs ``timestamp\\nnonce\\nbody\\n`` (SHA256-with-RSA) with it, so
   a forged signature or a body changed in one byte is refused;
4. ``resource`` decrypts with AEAD_AES_256_GCM and the APIv3 key (its tag authenticates it).

Each refusal is a ``NotificationRefused`` with the status WeChat documents for a failed
notification (401 for the signature, 400 for a malformed body) and a reason; nothing is
written before all four pass."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from liveloop.payments import signatures
from liveloop.payments.keys import Credentials

WINDOW_SECONDS = 300


class NotificationRefused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class VerifiedNotification:
    id: str
    event_type: str
    resource: dict[str, Any]  # decrypted: a transaction or a refund


class Verifier:
    """Holds the parsed platform key (parsed once, not per notification)."""

    def __init__(self, credentials: Credentials) -> None:
        self.key_id = credentials.platform_key_id
        self._apiv3 = credentials.apiv3_key
        self._public = signatures.load_public(credentials.platform_public_key_pem)

    def verify(
        self, headers: Mapping[str, str], body: bytes, now: datetime
    ) -> VerifiedNotification:
        serial = headers.get("wechatpay-serial", "")
        stamp = headers.get("wechatpay-timestamp", "")
        nonce = headers.get("wechatpay-nonce", "")
        signature = headers.get("wechatpay-signature", "")
        if not (serial and stamp and nonce and signature):
            raise NotificationRefused(401, "missing Wechatpay-Serial/Timestamp/Nonce/Signature")
        if serial != self.key_id:
            raise NotificationRefused(401, "Wechatpay-Serial is not our platform public key")
        if not stamp.isdigit() or abs(int(stamp) - now.timestamp()) > WINDOW_SECONDS:
            raise NotificationRefused(401, "Wechatpay-Timestamp is more than 5 minutes off")
        try:
            text = body.decode()
        except UnicodeDecodeError:
            raise NotificationRefused(400, "body is not UTF-8") from None
        if not signatures.verify(self._public, stamp, nonce, text, signature):
            raise NotificationRefused(401, "Wechatpay-Signature does not verify")
        try:
            envelope = json.loads(text)
            resource = envelope["resource"]
            notification_id, event_type = str(envelope["id"]), str(envelope["event_type"])
        except (ValueError, KeyError, TypeError):
            raise NotificationRefused(400, "not a WeChat Pay notification") from None
        if not isinstance(resource, dict) or resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise NotificationRefused(400, "resource is not AEAD_AES_256_GCM")
        plain = signatures.decrypt(self._apiv3, resource)
        if plain is None:
            raise NotificationRefused(400, "resource does not decrypt with the APIv3 key")
        try:
            decrypted = json.loads(plain)
        except ValueError:
            raise NotificationRefused(400, "resource is not JSON") from None
        if not isinstance(decrypted, dict):
            raise NotificationRefused(400, "resource is not an object")
        return VerifiedNotification(notification_id, event_type, decrypted)
