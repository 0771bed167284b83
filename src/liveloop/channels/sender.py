"""The outbox senders of the channels domain.

``message`` (payload ``{"message_id"}``): in one transaction, load the message, run the guard
rails (``channels.guards``) and record its usage; commit; then hand it to the channel's adapter
outside any transaction; then record the outcome. A held message raises ``Deferred`` (the outbox
reschedules it without using an attempt); a provider's rate-limit code raises ``Throttled``.

``wecom-result`` (payload ``{"message_id"}``): ask WeCom whether the guide has sent a
mass-send task yet; deferred every ``RESULT_POLL`` until it has, for at most ``RESULT_WINDOW``.

At-least-once: a worker that dies between the provider's answer and our commit leaves the
message ``queued``; the outbox sends it again after the lease, with the same idempotency key
(see each adapter for how the provider sees it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from liveloop.channels import guards
from liveloop.channels.adapters.base import Adapter, Outgoing, SendResult, Unsubscribed
from liveloop.channels.adapters.console import ConsoleAdapter
from liveloop.channels.adapters.wecom import WeComAdapter
from liveloop.channels.contracts import FINAL, RECEIPTED, MessageStatus
from liveloop.channels.models import ChannelUsage, Message
from liveloop.clock import Clock
from liveloop.config import Settings
from liveloop.identity import service as identity
from liveloop.profiles import service as profiles
from liveloop.store.engine import transaction
from liveloop.store.outbox import Deferred, Envelope, Outbox, PermanentFailure, enqueue

log = logging.getLogger(__name__)

MESSAGE_KIND = "message"
RESULT_KIND = "wecom-result"
RESULT_POLL = timedelta(minutes=15)
RESULT_WINDOW = timedelta(days=3)


def recipient_of(session: Session, customer: profiles.Person, channel: str) -> str | None:
    """The address a channel needs: the phone identity (E.164) for SMS, ``traits.email`` for
    mail, the WeCom ``external_userid`` (trait ``wecom_external_userid`` or an identity of type
    ``external_userid``) for WeCom."""
    traits = customer.traits
    if channel == "sms":
        return identity.first_value(session, customer.id, "phone")
    if channel == "email":
        value = traits.get("email")
        return value if isinstance(value, str) and "@" in value else None
    if channel == "wecom":
        value = traits.get("wecom_external_userid")
        if isinstance(value, str) and value:
            return value
        return identity.first_value(session, customer.id, "external_userid")
    return None


@dataclass
class ChannelSender:
    factory: sessionmaker[Session]
    clock: Clock
    settings: Settings
    outbox: Outbox
    adapters: dict[str, Adapter] = field(default_factory=dict)

    def adapter(self, channel: str) -> Adapter:
        found = self.adapters.get(channel) or self.adapters.get("console")
        if found is None:
            raise PermanentFailure(f"no adapter for channel {channel!r}")
        return found

    # -- message -------------------------------------------------------------------------

    def send_message(self, envelope: Envelope) -> None:
        message_id = int(envelope.payload["message_id"])
        prepared = self._prepare(message_id)
        if isinstance(prepared, Deferred):
            raise prepared
        if prepared is None:
            return
        adapter = self.adapter(prepared.channel)
        try:
            result = adapter.send(prepared)
        except Exception as exc:
            last = (
                isinstance(exc, PermanentFailure) or envelope.attempts >= self.outbox.max_attempts
            )
            self._failed(
                message_id,
                f"{exc}"[:2000] or type(exc).__name__,
                dead=last,
                unsubscribed=isinstance(exc, Unsubscribed),
            )
            raise
        self._sent(message_id, result)

    def _prepare(self, message_id: int) -> Outgoing | Deferred | None:
        """Guard rails and usage in one transaction; the send itself comes after commit."""
        now = self.clock.now()
        with transaction(self.factory) as session:
            message = session.get(Message, message_id)
            if message is None:
                raise PermanentFailure(f"message {message_id} does not exist")
            if message.status in FINAL:
                return None  # settled by an earlier attempt
            verdict = self._verdict(session, message, now)
            message.updated_at = now
            if verdict.action == "suppress":
                message.status, message.reason = MessageStatus.SUPPRESSED, verdict.reason
                return None
            if verdict.action == "hold":
                message.status, message.reason = MessageStatus.HELD, verdict.reason
                message.held_until = verdict.until
                return Deferred(verdict.until or now, verdict.reason or "held")
            if verdict.action == "wait":
                return Deferred(verdict.until or now, verdict.reason or "rate limit")
            message.status, message.held_until = MessageStatus.QUEUED, None
            message.attempts += 1
            return Outgoing(
                message.id,
                message.idempotency_key,
                message.channel,
                message.customer_id,
                message.recipient,
                message.subject,
                message.body,
                dict(message.params or {}),
            )

    def _verdict(self, session: Session, message: Message, now: datetime) -> guards.Verdict:
        settings = self.settings
        zone = None  # the person's time zone, once known
        if message.customer_id is not None:
            customer = profiles.lock_person(session, message.customer_id)
            if customer is not None and customer.merged_into_id is not None:
                # OneID merged the person after queueing: the survivor's consent and caps count.
                message.customer_id = profiles.survivor_of(session, customer.id)
                customer = profiles.lock_person(session, message.customer_id)
            if customer is None:
                return guards.Verdict("suppress", "the customer no longer exists")
            verdict = guards.consent_verdict(
                session, settings, customer.id, message.channel, message.purpose
            )
            if verdict is not None:
                return verdict
            if not message.recipient:
                message.recipient = recipient_of(session, customer, message.channel)
            if not message.recipient and not isinstance(
                self.adapter(message.channel), ConsoleAdapter
            ):
                return guards.Verdict("suppress", f"no {message.channel} address for customer")
            zone = profiles.timezone_of(session, customer.id, settings.tz)
            verdict = guards.cap_verdict(session, settings, message, zone, now)
            if verdict is not None:
                return verdict
            if message.purpose == "marketing":
                until = guards.quiet_until(settings, zone, now)
                if until is not None:
                    return guards.Verdict("hold", "quiet hours", until)
        # The limits are the providers'; the console outbox stands in without one.
        rate = None
        if not isinstance(self.adapter(message.channel), ConsoleAdapter):
            rate = settings.channel_rate_per_s.get(message.channel)
        waiting = guards.take_token(session, message.channel, rate, now)
        if waiting is not None:
            return guards.Verdict("wait", f"{message.channel} rate limit", waiting)
        if zone is not None:
            guards.record_usage(session, message, zone, now)
        return guards.SEND

    def _sent(self, message_id: int, result: SendResult) -> None:
        now = self.clock.now()
        with transaction(self.factory) as session:
            message = session.get(Message, message_id)
            if message is None or message.status in FINAL - {MessageStatus.SENT}:
                return
            message.status = MessageStatus.DELIVERED if result.delivered else MessageStatus.SENT
            message.reason = None
            message.provider_message_id = result.provider_message_id
            message.sent_at = message.sent_at or now
            message.delivered_at = now if result.delivered else None
            message.updated_at = now
            if result.poll_result:
                enqueue(
                    session,
                    RESULT_KIND,
                    f"{message.idempotency_key}:result",
                    {"message_id": message.id},
                    now + RESULT_POLL,
                )

    def _failed(
        self, message_id: int, reason: str, *, dead: bool, unsubscribed: bool = False
    ) -> None:
        now = self.clock.now()
        with transaction(self.factory) as session:
            message = session.get(Message, message_id)
            if message is None or message.status in FINAL:
                return
            message.reason, message.updated_at = reason, now
            if unsubscribed and message.customer_id is not None:
                source = f"{guards.UNSUBSCRIBE_SOURCE}{message.channel}:provider"
                profiles.set_consent(
                    session, message.customer_id, message.channel, False, source, now
                )
            if dead:
                message.status = MessageStatus.DEAD
                # It never went out: it does not count against the person's caps.
                session.execute(delete(ChannelUsage).where(ChannelUsage.message_id == message_id))
                log.warning("message %s (%s) is dead: %s", message_id, message.channel, reason)

    # -- WeCom mass-send results -------------------------------------------------------------

    def poll_result(self, envelope: Envelope) -> None:
        message_id = int(envelope.payload["message_id"])
        with transaction(self.factory) as session:
            message = session.get(Message, message_id)
            if (
                message is None
                or message.status != MessageStatus.SENT
                or not message.provider_message_id
            ):
                return
            msgid, external, sent_at = (
                message.provider_message_id,
                message.recipient,
                message.sent_at,
            )
        adapter = self.adapters.get("wecom")
        if not isinstance(adapter, WeComAdapter) or not external:
            return
        outcome = adapter.result(msgid, external)
        now = self.clock.now()
        if outcome is None:
            if sent_at is not None and now - sent_at > RESULT_WINDOW:
                return  # the guide never sent it; it stays "sent"
            raise Deferred(now + RESULT_POLL, "the guide has not sent the task yet")
        mark_outcome(self.factory, message_id, outcome, now)


def mark_outcome(
    factory: sessionmaker[Session], message_id: int, outcome: str, now: datetime
) -> None:
    """``delivered`` or ``failed: reason`` from a receipt or a result query."""
    with transaction(factory) as session:
        message = session.get(Message, message_id)
        if message is None or message.status not in RECEIPTED:
            return
        apply_outcome(message, outcome, now)


def apply_outcome(message: Message, outcome: str, now: datetime) -> None:
    if outcome == "delivered":
        message.status, message.reason, message.delivered_at = MessageStatus.DELIVERED, None, now
    else:
        message.status, message.reason = MessageStatus.FAILED, outcome.removeprefix("failed: ")
    message.updated_at = now
