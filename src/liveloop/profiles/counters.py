"""Live counters and rule tags of a person, updated event by event (``observe``), combined when
OneID merges two people (``combine``) and rebuilt from the event log when it splits them
(``rebuild``)."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from liveloop import spec
from liveloop.profiles import attendance, reserved_traits
from liveloop.profiles.consents import set_consent
from liveloop.profiles.models import Consent, Customer, CustomerTag, ProfileCounters, TagRule
from liveloop.profiles.rules import RULE, EventRule, ProfileRule, matches
from liveloop.store.eventlog import Event, LoggedEvent

log = logging.getLogger(__name__)

TRACKED = frozenset({"track", "identify", "page", "screen", "group", "alias"})
EVENING = range(19, 24)
CONSENT_TRAITS = {"consent_sms": "sms", "consent_wecom": "wecom", "consent_email": "email"}
# Identifiers live in OneID, not in traits.
NOT_TRAITS = frozenset({"phone", "email", "unionid", "openid"})


def counters_of(session: Session, customer_id: int) -> ProfileCounters:
    row = session.get(ProfileCounters, customer_id)
    if row is None:
        row = ProfileCounters(
            customer_id=customer_id,
            orders=0,
            coupon_orders=0,
            refunds=0,
            spend=Decimal("0"),
            categories=[],
            lives_attended=0,
            watch_seconds=0,
            events=0,
            hours=[0] * 24,
        )
        session.add(row)
    return row


def observe(session: Session, customer_id: int, event: LoggedEvent, tz: ZoneInfo) -> None:
    """Fold one event into the person's counters, traits, consents and tags."""
    counters = counters_of(session, customer_id)
    props = event.properties
    if event.type in TRACKED:
        counters.events += 1
        hours = list(counters.hours)
        hours[event.timestamp.astimezone(tz).hour] += 1
        counters.hours = hours
        if counters.last_active_at is None or event.timestamp > counters.last_active_at:
            counters.last_active_at = event.timestamp
    # Orders count from the commerce ledger (domain events), once each; an SDK's or a live
    # platform's own "Order Completed" stays in the timeline and funnels only.
    ledger = event.type == "domain"
    live = _whole(props.get("live_session_id"))
    if event.name == spec.ORDER_COMPLETED and ledger:
        _order(counters, props, event.timestamp)
    elif event.name == spec.ORDER_REFUNDED and ledger:
        counters.refunds += 1
        counters.spend -= _amount(props.get("total"))
    elif event.name == spec.LIVE_JOINED and live is not None:
        _attend(session, counters, live, event.timestamp)
    elif event.name == spec.LIVE_LEFT:
        counters.watch_seconds += min(_whole(props.get("watch_seconds")) or 0, 86_400)
    if event.type == "identify":
        _traits(session, customer_id, props, event)
    _tag(session, customer_id, event)


def _amount(value: Any) -> Decimal:
    """A money amount from event properties; anything unreadable counts as zero."""
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        return Decimal("0")
    return amount if amount.is_finite() and abs(amount) < 10**9 else Decimal("0")


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 2**31 else None


def _order(counters: ProfileCounters, props: dict[str, Any], at: datetime) -> None:
    counters.orders += 1
    counters.spend += _amount(props.get("total"))
    if _amount(props.get("discount")) > 0:
        counters.coupon_orders += 1
    if counters.first_order_at is None or at < counters.first_order_at:
        counters.first_order_at = at
    if counters.last_order_at is None or at > counters.last_order_at:
        counters.last_order_at = at
    counters.categories = sorted(set(counters.categories) | _categories(props.get("products")))


def _categories(products: Any) -> set[str]:
    """The categories an order's event names (``products[].category``, as Segment's spec has
    it). Events commerce wrote before it named categories have none: such an order adds no
    category, which matters only when a split recounts a person from their old events."""
    if not isinstance(products, list):
        return set()
    return {
        p["category"]
        for p in products
        if isinstance(p, dict) and isinstance(p.get("category"), str) and p["category"]
    }


def _attend(session: Session, counters: ProfileCounters, live: int, at: datetime) -> None:
    if attendance.record.attend(session, counters.customer_id, live, at):
        counters.lives_attended += 1


def _traits(session: Session, customer_id: int, props: dict[str, Any], event: LoggedEvent) -> None:
    customer = session.get(Customer, customer_id)
    if customer is None:
        return
    traits = dict(customer.traits or {})
    sets = reserved_traits.identify_traits(props, event.context)
    once = props.get("set_once")
    once = once if isinstance(once, dict) else {}
    _fill_fields(customer, sets, once, traits, event)
    for key, value in sets.items():
        if key in CONSENT_TRAITS and isinstance(value, bool):
            set_consent(
                session, customer_id, CONSENT_TRAITS[key], value, event.source, event.timestamp
            )
        elif key not in NOT_TRAITS:
            traits[key] = value
    for key, value in once.items():
        if key not in NOT_TRAITS:
            traits.setdefault(key, value)
    customer.traits = traits


def _fill_fields(
    customer: Customer,
    sets: dict[str, Any],
    once: dict[str, Any],
    traits: dict[str, Any],
    event: LoggedEvent,
) -> None:
    """Segment's reserved traits into the person's own fields (``profiles.reserved_traits``):
    ``traits`` set them, ``set_once`` fills only empty ones; what cannot be read is kept with
    its reason under ``ignored_traits``, and the field keeps its value."""
    fields, ignored = reserved_traits.profile_fields(sets, event.timestamp)
    first, ignored_once = reserved_traits.profile_fields(once, event.timestamp)
    for name, value in first.items():
        if name == "created_at" or getattr(customer, name) is None:
            fields.setdefault(name, value)
    for name, value in fields.items():
        if name == "created_at":
            if customer.created_at is None or value < customer.created_at:
                customer.created_at = value
        else:
            setattr(customer, name, value)
    reasons = dict(traits.get(reserved_traits.IGNORED) or {})
    stated = {*sets, *once} | ({"address.city", "address.state"} if "address" in sets else set())
    for trait in stated:
        reasons.pop(trait, None)
    reasons |= ignored_once | ignored
    if reasons:
        traits[reserved_traits.IGNORED] = reasons
        log.info("profiles: traits ignored for event %s: %s", event.id, sorted(reasons))
    else:
        traits.pop(reserved_traits.IGNORED, None)


def profile_document(session: Session, customer_id: int) -> dict[str, Any]:
    """What profile rules (and segments later) see of a person."""
    counters = counters_of(session, customer_id)
    customer = session.get(Customer, customer_id)
    events = counters.events or 0
    orders = counters.orders or 0
    return {
        "orders": orders,
        "refunds": counters.refunds,
        "spend": counters.spend,
        "aov": (counters.spend / orders).quantize(Decimal("0.01")) if orders else Decimal("0"),
        "coupon_order_share": counters.coupon_orders / orders if orders else 0.0,
        "categories": list(counters.categories),
        "lives_attended": counters.lives_attended,
        "watch_minutes": counters.watch_seconds // 60,
        "events": events,
        "evening_share": sum(counters.hours[h] for h in EVENING) / events if events else 0.0,
        "traits": dict(customer.traits or {}) if customer else {},
    }


_PARSED: dict[tuple[int, str], EventRule | ProfileRule] = {}
# The enabled rules are read once per session (a consumer's batch) and kept in its ``info``;
# ``forget_rules`` drops them when a rule changes in that session.
_RULES = "profiles.tag_rules"


def _rules(session: Session) -> list[tuple[int, EventRule | ProfileRule]]:
    """The enabled rules, parsed once per version of each rule."""
    cached: list[tuple[int, EventRule | ProfileRule]] | None = session.info.get(_RULES)
    if cached is not None:
        return cached
    rules = []
    for rule_id, rule in session.execute(
        select(TagRule.id, TagRule.rule).where(TagRule.enabled.is_(True)).order_by(TagRule.id)
    ):
        key = (rule_id, json.dumps(rule, sort_keys=True, ensure_ascii=False))
        if key not in _PARSED:
            try:
                _PARSED[key] = RULE.validate_python(rule)
            except ValidationError:
                log.warning("tag rule %s is invalid; skipped until fixed", rule_id)
                continue
        rules.append((rule_id, _PARSED[key]))
    session.info[_RULES] = rules
    return rules


def forget_rules(session: Session) -> None:
    """A rule was added or switched in this session: read them afresh at the next event."""
    session.info.pop(_RULES, None)


def _tag(session: Session, customer_id: int, event: LoggedEvent | None) -> None:
    rules = _rules(session)
    if not rules:
        return
    held = session.execute(
        select(CustomerTag.tag, CustomerTag.source).where(CustomerTag.customer_id == customer_id)
    )
    tags: dict[str, str] = {tag: source for tag, source in held}  # tag -> who put it
    document: dict[str, Any] | None = None
    now = event.timestamp if event else None
    for rule_id, rule in rules:
        source = f"rule:{rule_id}"
        if isinstance(rule, EventRule):
            if event is None or event.name != rule.event or rule.tag in tags:
                continue
            body = {"name": event.name, "properties": event.properties, "context": event.context}
            if matches(rule.where, body):
                tags[rule.tag] = _add_tag(session, customer_id, rule.tag, source, event.timestamp)
            continue
        document = document or profile_document(session, customer_id)
        holds = matches(rule.where, document)
        if holds and rule.tag not in tags:
            at = now or session.scalar(
                select(Customer.updated_at).where(Customer.id == customer_id)
            )
            tags[rule.tag] = _add_tag(session, customer_id, rule.tag, source, at)
        elif not holds and tags.get(rule.tag) == source:
            del tags[rule.tag]
            session.execute(
                delete(CustomerTag).where(
                    CustomerTag.customer_id == customer_id, CustomerTag.tag == rule.tag
                )
            )


def _add_tag(session: Session, customer_id: int, tag: str, source: str, at: Any) -> str:
    session.execute(
        insert(CustomerTag).values(customer_id=customer_id, tag=tag, source=source, tagged_at=at)
    )
    return source


def combine(session: Session, survivor_id: int, merged_id: int) -> None:
    """OneID merged two people: counters add up, attendance, tags and consents move."""
    merged = session.get(ProfileCounters, merged_id)
    if merged is not None:
        kept = counters_of(session, survivor_id)
        for name in ("orders", "coupon_orders", "refunds", "spend", "watch_seconds", "events"):
            setattr(kept, name, getattr(kept, name) + getattr(merged, name))
        kept.hours = [a + b for a, b in zip(kept.hours, merged.hours, strict=True)]
        kept.categories = sorted(set(kept.categories) | set(merged.categories))
        for name, pick in (
            ("first_order_at", min),
            ("last_order_at", max),
            ("last_active_at", max),
        ):
            values = [v for v in (getattr(kept, name), getattr(merged, name)) if v is not None]
            setattr(kept, name, pick(values) if values else None)
        session.delete(merged)
        session.flush()
    lives = attendance.record.combine(session, survivor_id, merged_id)
    _move_unique(session, CustomerTag, CustomerTag.tag, survivor_id, merged_id)
    _merge_consents(session, survivor_id, merged_id)
    session.flush()
    counters_of(session, survivor_id).lives_attended = lives
    _tag(session, survivor_id, None)


def _merge_consents(session: Session, survivor_id: int, merged_id: int) -> None:
    """Per channel, the most recent statement of either person stands (a withdrawal included)."""
    kept = {
        c.channel: c
        for c in session.scalars(select(Consent).where(Consent.customer_id == survivor_id))
    }
    for row in list(session.scalars(select(Consent).where(Consent.customer_id == merged_id))):
        mine = kept.get(row.channel)
        if mine is None:
            row.customer_id = survivor_id
            continue
        if row.updated_at > mine.updated_at:
            mine.granted, mine.source, mine.updated_at = row.granted, row.source, row.updated_at
        session.delete(row)
    session.flush()


def _move_unique(session: Session, model: Any, key: Any, survivor_id: int, merged_id: int) -> None:
    have = set(session.scalars(select(key).where(model.customer_id == survivor_id)))
    session.execute(
        delete(model).where(model.customer_id == merged_id, key.in_(have)),
        execution_options={"synchronize_session": False},
    )
    session.execute(
        update(model).where(model.customer_id == merged_id).values(customer_id=survivor_id),
        execution_options={"synchronize_session": False},
    )


def rebuild(session: Session, customer_id: int, up_to_event: int, tz: ZoneInfo) -> None:
    """Recount a person from the event log, for events the profiles consumer has handled."""
    session.execute(delete(ProfileCounters).where(ProfileCounters.customer_id == customer_id))
    attendance.record.forget(session, customer_id)
    session.flush()
    counters_of(session, customer_id)
    rows = session.scalars(
        select(Event)
        .where(Event.customer_id == customer_id, Event.id <= up_to_event)
        .order_by(Event.id)
    )
    for row in rows:
        observe(session, customer_id, LoggedEvent.of(row), tz)
