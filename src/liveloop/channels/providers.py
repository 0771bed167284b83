"""The channels there are and which provider each one uses."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from liveloop.config import Settings

CHANNELS = ("wecom", "sms", "email", "webhook", "console")


def configured_channels(settings: Settings) -> dict[str, str]:
    """Which provider each channel uses ("console" when it has no credentials)."""
    return {
        "wecom": "wecom"
        if settings.wecom_corp_id and settings.wecom_secret and settings.wecom_sender
        else "console",
        "sms": "tencent-sms"
        if settings.sms_secret_id and settings.sms_secret_key and settings.sms_app_id
        else "console",
        "email": "smtp" if settings.smtp_host else "console",
        "webhook": "standard-webhooks" if settings.webhook_secret else "console",
        "console": "console",
    }
