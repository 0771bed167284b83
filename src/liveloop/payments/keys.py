"""The merchant's WeChat Pay credentials: from the settings, or — when none are set — a local
provider's, generated once per data dir (a merchant key pair, a platform key pair, an APIv3
key), so the demo pays through signatures exactly like WeChat's.

Secrets (the APIv3 key, the private keys) live only in ``Credentials`` fields that never
appear in a repr, a log line or an answer.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from liveloop.config import Settings
from liveloop.payments.contracts import PaymentError

LOCAL_MCHID = "1900000109"
LOCAL_APPID = "wxlocal0000000000"
LOCAL_KEY_ID = "PUB_KEY_ID_LOCAL0000000001"


class CredentialsIncomplete(PaymentError):
    """Some LIVELOOP_WECHATPAY_* settings are set but not all of them."""


@dataclass(frozen=True)
class Credentials:
    mchid: str
    appid: str
    cert_serial: str
    platform_key_id: str
    apiv3_key: str = field(repr=False)
    private_key_pem: str = field(repr=False)  # the merchant API certificate's key
    platform_public_key_pem: str = field(repr=False)
    local: bool = False  # generated for the local provider


REQUIRED = (
    "wechatpay_mchid",
    "wechatpay_appid",
    "wechatpay_apiv3_key",
    "wechatpay_private_key",
    "wechatpay_cert_serial",
    "wechatpay_platform_public_key",
    "wechatpay_platform_key_id",
)


def configured(settings: Settings) -> bool:
    """Whether real credentials are set; a partial set refuses to start rather than guess."""
    given = [name for name in REQUIRED if getattr(settings, name) is not None]
    if given and len(given) < len(REQUIRED):
        missing = [f"LIVELOOP_{n.upper()}" for n in REQUIRED if getattr(settings, n) is None]
        raise CredentialsIncomplete(f"WeChat Pay settings incomplete: set {', '.join(missing)}")
    return bool(given)


def from_settings(settings: Settings) -> Credentials:
    """The configured credentials, or the local provider's (generated on first use)."""
    if not configured(settings):
        return LocalKeys.load_or_create(settings.wechatpay_local_path()).merchant_credentials()
    # configured() checked that every field is set
    apiv3 = cast(SecretStr, settings.wechatpay_apiv3_key).get_secret_value()
    private_key = cast(Path, settings.wechatpay_private_key)
    platform_key = cast(Path, settings.wechatpay_platform_public_key)
    if len(apiv3.encode()) != 32:
        raise PaymentError("LIVELOOP_WECHATPAY_APIV3_KEY must be 32 bytes")
    return Credentials(
        mchid=str(settings.wechatpay_mchid),
        appid=str(settings.wechatpay_appid),
        cert_serial=str(settings.wechatpay_cert_serial),
        platform_key_id=str(settings.wechatpay_platform_key_id),
        apiv3_key=apiv3,
        private_key_pem=private_key.read_text(),
        platform_public_key_pem=platform_key.read_text(),
    )


def new_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_key_pem(private_key_pem: str) -> str:
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@dataclass(frozen=True)
class LocalKeys:
    """Both sides' keys for the local provider: what the merchant holds and what the
    provider holds (the platform's private key, the merchant's public key)."""

    merchant_private_pem: str = field(repr=False)
    platform_private_pem: str = field(repr=False)
    apiv3_key: str = field(repr=False)
    cert_serial: str
    mchid: str = LOCAL_MCHID
    appid: str = LOCAL_APPID
    platform_key_id: str = LOCAL_KEY_ID

    @classmethod
    def generate(cls) -> LocalKeys:
        return cls(
            merchant_private_pem=new_private_key_pem(),
            platform_private_pem=new_private_key_pem(),
            apiv3_key=secrets.token_hex(16),  # 32 characters, as WeChat's APIv3 key
            cert_serial=secrets.token_hex(20).upper(),
        )

    @classmethod
    def load_or_create(cls, directory: Path) -> LocalKeys:
        """The keys kept in ``directory`` (written there, owner-only, the first time)."""
        files = {
            name: directory / name
            for name in ("merchant_key.pem", "platform_key.pem", "apiv3_key", "cert_serial")
        }
        if not all(path.exists() for path in files.values()):
            keys = cls.generate()
            directory.mkdir(parents=True, exist_ok=True)
            directory.chmod(0o700)
            for name, value in (
                ("merchant_key.pem", keys.merchant_private_pem),
                ("platform_key.pem", keys.platform_private_pem),
                ("apiv3_key", keys.apiv3_key),
                ("cert_serial", keys.cert_serial),
            ):
                files[name].write_text(value)
                files[name].chmod(0o600)
        return cls(
            merchant_private_pem=files["merchant_key.pem"].read_text(),
            platform_private_pem=files["platform_key.pem"].read_text(),
            apiv3_key=files["apiv3_key"].read_text().strip(),
            cert_serial=files["cert_serial"].read_text().strip(),
        )

    def merchant_credentials(self) -> Credentials:
        return Credentials(
            mchid=self.mchid,
            appid=self.appid,
            cert_serial=self.cert_serial,
            platform_key_id=self.platform_key_id,
            apiv3_key=self.apiv3_key,
            private_key_pem=self.merchant_private_pem,
            platform_public_key_pem=public_key_pem(self.platform_private_pem),
            local=True,
        )
