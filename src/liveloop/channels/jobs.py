"""Channels' background work: the outbox senders that deliver messages through each channel's
adapter (the console outbox where a channel has no credentials)."""

from __future__ import annotations

from collections.abc import Mapping
from weakref import WeakKeyDictionary

from liveloop.channels.adapters.base import Adapter
from liveloop.channels.adapters.console import ConsoleAdapter
from liveloop.channels.providers import CHANNELS
from liveloop.channels.sender import MESSAGE_KIND, RESULT_KIND, ChannelSender
from liveloop.config import Settings
from liveloop.runtime import Runtime
from liveloop.store.outbox import Outbox

_senders: WeakKeyDictionary[Outbox, ChannelSender] = WeakKeyDictionary()


def build_adapters(runtime: Runtime) -> dict[str, Adapter]:
    """A real adapter for each channel whose credentials are configured; the console outbox
    for the rest (the demo default)."""
    settings: Settings = runtime.settings
    console = ConsoleAdapter(runtime.sessions, runtime.clock.now)
    adapters: dict[str, Adapter] = {name: console for name in CHANNELS}
    if settings.wecom_corp_id and settings.wecom_secret and settings.wecom_sender:
        from liveloop.channels.adapters.wecom import WeComAdapter, WeComClient

        client = WeComClient(
            settings.wecom_api_base,
            settings.wecom_corp_id,
            settings.wecom_secret.get_secret_value(),
        )
        adapters["wecom"] = WeComAdapter(client, settings.wecom_sender)
    if settings.sms_secret_id and settings.sms_secret_key and settings.sms_app_id:
        from liveloop.channels.adapters.sms import TencentSmsAdapter

        adapters["sms"] = TencentSmsAdapter(
            settings.sms_secret_id,
            settings.sms_secret_key.get_secret_value(),
            settings.sms_app_id,
            settings.sms_sign_name,
            region=settings.sms_region,
            endpoint=settings.sms_endpoint,
            scheme=settings.sms_scheme,
        )
    if settings.smtp_host:
        from liveloop.channels.adapters.mail import SmtpAdapter

        adapters["email"] = SmtpAdapter(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_from,
            user=settings.smtp_user,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            starttls=settings.smtp_starttls,
        )
    if settings.webhook_secret:
        from liveloop.channels.adapters.webhook import WebhookAdapter

        adapters["webhook"] = WebhookAdapter(
            settings.webhook_secret.get_secret_value(),
            timeout=settings.webhook_timeout_seconds,
            now=runtime.clock.now,
        )
    return adapters


def register(runtime: Runtime, adapters: Mapping[str, Adapter] | None = None) -> ChannelSender:
    """The ``message`` and ``wecom-result`` outbox senders. Once per runtime unless
    ``adapters`` is given, which replaces the adapters ``build_adapters`` makes (tests)."""
    known = _senders.get(runtime.outbox)
    if adapters is None and known is not None:
        return known
    sender = ChannelSender(
        runtime.sessions,
        runtime.clock,
        runtime.settings,
        runtime.outbox,
        dict(adapters) if adapters is not None else build_adapters(runtime),
    )
    runtime.outbox.register(MESSAGE_KIND, sender.send_message)
    runtime.outbox.register(RESULT_KIND, sender.poll_result)
    _senders[runtime.outbox] = sender
    return sender
