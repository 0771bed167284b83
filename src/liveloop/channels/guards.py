"""Guard rails, applied when a message is about to be SENT (never when queued: a journey may
queue a message days before it goes, and the person may say 退订 in between).

Order (first that objects decides):
1. consent — marketing only: a withdrawn consent suppresses; on opt-in channels (SMS, email by
   default) no consent row suppresses too. Service messages need no marketing consent.
2. unsubscribed — marketing only: a person who replied 退订/TD/… on the channel (the consent row
   says ``source = "unsubscribe:…"``) gets no more marketing there.
3. recipient — a real provider needs an address (phone, email, external_userid).
4. frequency caps — marketing messages per person per local day, across channels and journeys;
   WeCom mass-sends per person per natural month (WeCom's quota of 4) — suppressed.
5. quiet hours — marketing in the person's quiet hours (their timezone) is HELD until they end.
6. rate limit — a token bucket per channel in the store: the message waits for a token.

Caps count rows of ``channel_usage``, written in the same transaction that decides to send;
the person's row is locked first on PostgreSQL (SQLite has one writer), so two workers never
both send the third message of a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveloop.channels.models import ChannelRateBucket, ChannelUsage, Message
from liveloop.config import Settings
from liveloop.profiles import service as profiles
from liveloop.store.engine import dialect_insert, for_update

UNSUBSCRIBE_SOURCE = "unsubscribe:"
WECOM_WELCOME = "wecom-welcome"  # usage channel of welcome messages (outside the quota)


@dataclass(frozen=True)
class Verdict:
    """``send``; or ``suppress`` (final, with reason); or ``hold`` / ``wait`` until a time."""

    action: str
    reason: str | None = None
    until: datetime | None = None


SEND = Verdict("send")


def consent_verdict(
    session: Session, settings: Settings, customer_id: int, channel: str, purpose: str
) -> Verdict | None:
    """Steps 1 and 2."""
    if purpose != "marketing" or channel in ("console", "webhook"):
        return None
    row = profiles.consent_of(session, customer_id, channel)
    if row is None:
        if channel in settings.marketing_opt_in_channels:
            return Verdict("suppress", f"no consent: {channel} marketing needs an opt-in")
        return None
    if row.granted:
        return None
    if row.source.startswith(UNSUBSCRIBE_SOURCE):
        return Verdict("suppress", f"unsubscribed on {channel} ({row.source})")
    return Verdict("suppress", f"no consent: withdrawn on {channel} ({row.source})")


def usage_channel(message: Message) -> str:
    if message.channel == "wecom" and (message.params or {}).get("msgtype") == "welcome":
        return WECOM_WELCOME
    return message.channel


def cap_verdict(
    session: Session, settings: Settings, message: Message, zone: ZoneInfo, now: datetime
) -> Verdict | None:
    """Step 4."""
    today = now.astimezone(zone).date()
    others = ChannelUsage.message_id != message.id
    mine = ChannelUsage.customer_id == message.customer_id
    if message.purpose == "marketing":
        sent_today = session.scalar(
            select(func.count())
            .select_from(ChannelUsage)
            .where(mine, others, ChannelUsage.purpose == "marketing")
            .where(ChannelUsage.local_day == today)
        )
        if (sent_today or 0) >= settings.marketing_daily_cap:
            return Verdict(
                "suppress",
                f"frequency cap: {settings.marketing_daily_cap} marketing messages a day reached",
            )
    if usage_channel(message) == "wecom":
        first = today.replace(day=1)
        sent_month = session.scalar(
            select(func.count())
            .select_from(ChannelUsage)
            .where(mine, others, ChannelUsage.channel == "wecom")
            .where(ChannelUsage.local_day >= first, ChannelUsage.local_day <= today)
        )
        if (sent_month or 0) >= settings.wecom_monthly_quota:
            return Verdict(
                "suppress",
                f"WeCom quota: {settings.wecom_monthly_quota} mass-sends a month reached",
            )
    return None


def _clock_time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def quiet_until(settings: Settings, zone: ZoneInfo, now: datetime) -> datetime | None:
    """When the person's quiet hours end, if ``now`` is inside them (step 5)."""
    start, end = _clock_time(settings.quiet_hours_start), _clock_time(settings.quiet_hours_end)
    if start == end:
        return None
    local = now.astimezone(zone)
    at = local.time().replace(tzinfo=None)
    inside = (start <= at < end) if start < end else (at >= start or at < end)
    if not inside:
        return None
    day: date = local.date()
    if start > end and at >= start:
        day += timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(now.tzinfo)


def take_token(
    session: Session, channel: str, rate_per_s: float | None, now: datetime
) -> datetime | None:
    """Take one token from the channel's bucket; None when taken, else when one will be there
    (step 6). Capacity is one second of tokens, so a burst never exceeds the rate by much."""
    if not rate_per_s or rate_per_s <= 0:
        return None
    capacity = max(1.0, rate_per_s)
    session.execute(
        dialect_insert(session)(ChannelRateBucket)
        .values(channel=channel, tokens=capacity, updated_at=now)
        .on_conflict_do_nothing(index_elements=["channel"])
    )
    query = select(ChannelRateBucket).where(ChannelRateBucket.channel == channel)
    bucket = session.scalars(for_update(session, query)).one()
    session.refresh(bucket)
    elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
    tokens = min(capacity, bucket.tokens + elapsed * rate_per_s)
    bucket.updated_at = max(now, bucket.updated_at)
    if tokens >= 1.0:
        bucket.tokens = tokens - 1.0
        return None
    bucket.tokens = tokens
    return now + timedelta(seconds=(1.0 - tokens) / rate_per_s)


def record_usage(
    session: Session, message: Message, zone: ZoneInfo, now: datetime
) -> dict[str, Any]:
    values = {
        "message_id": message.id,
        "customer_id": message.customer_id,
        "channel": usage_channel(message),
        "purpose": message.purpose,
        "local_day": now.astimezone(zone).date(),
        "at": now,
    }
    session.execute(
        dialect_insert(session)(ChannelUsage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["message_id"])
    )
    return values
