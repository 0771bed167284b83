"""The 360° view of one person: profile fields, traits, counters, tags, consent, identifiers and
a timeline — with personal data masked for roles that do not need it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.access.contracts import PiiField, Role
from liveloop.access.service import mask, sees
from liveloop.profiles.counters import profile_document
from liveloop.profiles.models import Consent, Customer, CustomerTag, ProfileCounters
from liveloop.store.eventlog import Event

# What a masked role (analyst, integrator, host) sees of an event's properties: these keys only,
# with digit runs that could be a phone number masked in free text. Everything else is dropped,
# since a source can put personal data under any name.
SHOWN_TO_MASKED = frozenset(
    {
        "live_session_id",
        "room",
        "sku",
        "price",
        "quantity",
        "order_id",
        "total",
        "discount",
        "currency",
        "channel",
        "watch_seconds",
        "reason",
        "text",
        "category",
        "merge_id",
    }
)
PRODUCT_KEYS = ("sku", "quantity", "price")
_DIGITS = re.compile(r"\d{7,}")


class HeldIdentifier(Protocol):
    """An identifier as the view shows it (identity's ``HeldIdentifier`` is one)."""

    @property
    def type(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def first_seen_at(self) -> datetime: ...
    @property
    def last_seen_at(self) -> datetime: ...


IdentifiersReader = Callable[[Session, int], Iterable[HeldIdentifier]]


def _no_identifiers(session: Session, customer_id: int) -> Iterable[HeldIdentifier]:
    return ()


# Identifiers are OneID's, and identity sits above profiles: identity.service hands the view
# its reader when it is imported (every process serving the API imports it), so the 360 view
# shows them without profiles importing identity. Unset, the section is empty.
_identifiers: IdentifiersReader = _no_identifiers


def read_identifiers_with(reader: IdentifiersReader) -> None:
    """Let ``reader`` supply the 360 view's identifiers section."""
    global _identifiers
    _identifiers = reader


class TagOut(BaseModel):
    tag: str
    source: str
    tagged_at: datetime


class IdentityOut(BaseModel):
    type: str
    value: str
    first_seen_at: datetime
    last_seen_at: datetime


class CountersOut(BaseModel):
    orders: int
    refunds: int
    spend: Decimal
    aov: Decimal
    first_order_at: datetime | None
    last_order_at: datetime | None
    categories: list[str]
    lives_attended: int
    watch_minutes: int
    events: int
    last_active_at: datetime | None


class TimelineEntry(BaseModel):
    id: int
    name: str | None
    type: str
    timestamp: datetime
    source: str
    properties: dict[str, Any]


class ScoresOut(BaseModel):
    """The latest analytics run's results for this person (see liveloop.analytics)."""

    scored_at: datetime
    run_id: int
    recency_days: int | None
    frequency: int | None
    monetary: Decimal | None
    rfm_r: int | None
    rfm_f: int | None
    rfm_m: int | None
    rfm_group: str | None
    lifecycle_stage: str | None
    p_alive: float | None
    purchases_30d: float | None
    purchases_90d: float | None
    clv_12m: Decimal | None
    churn_risk: str | None
    best_contact_hour: int | None
    preferred_channel: str | None
    interests: dict[str, float] | None


class RepurchaseOut(BaseModel):
    sku: str
    purchases: int
    interval_days: float
    last_purchase_at: datetime
    runout_at: datetime
    remind_at: datetime


# A person's model scores are computed by analytics, which sits above profiles too: it hands
# the view its reader the same way, answering in the view's own models. Unset, no scores.
ScoresReader = Callable[[Session, int], tuple[ScoresOut | None, list[RepurchaseOut]]]


def _no_scores(session: Session, customer_id: int) -> tuple[ScoresOut | None, list[RepurchaseOut]]:
    return None, []


_scores: ScoresReader = _no_scores


def read_scores_with(reader: ScoresReader) -> None:
    """Let ``reader`` supply the 360 view's scores and repurchase predictions."""
    global _scores
    _scores = reader


class Profile(BaseModel):
    oneid: str
    resolved_from: str | None = None
    name: str | None
    gender: str | None
    birthday: date | None
    province: str | None
    city: str | None
    member_tier: str | None
    traits: dict[str, Any]
    counters: CountersOut
    tags: list[TagOut]
    consent: dict[str, bool]
    identities: list[IdentityOut]
    timeline: list[TimelineEntry]
    scores: ScoresOut | None = None
    repurchase: list[RepurchaseOut] = []
    masked: bool


def masked_properties(properties: dict[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for key, value in properties.items():
        if key == "products" and isinstance(value, list):
            shown[key] = [
                {k: item.get(k) for k in PRODUCT_KEYS if k in item}
                for item in value
                if isinstance(item, dict)
            ]
        elif key in SHOWN_TO_MASKED:
            shown[key] = (
                _DIGITS.sub(lambda m: "*" * len(m.group()), value)
                if isinstance(value, str)
                else value
            )
    return shown


def build(
    session: Session,
    customer: Customer,
    *,
    role: Role | str,
    timeline_limit: int = 50,
    before: int | None = None,
) -> Profile:
    """The person's 360° view as ``role`` may see it (``access.service.sees``): a role that
    does not see every personal field whole gets the masked view (no birthday, free-text
    traits and event properties masked), with the fields it does see whole left whole."""
    masked = not all(sees(role, pii) for pii in PiiField)
    shows_name = sees(role, PiiField.NAME)
    counters = session.get(ProfileCounters, customer.id)
    document = profile_document(session, customer.id)
    query = select(Event).where(Event.customer_id == customer.id)
    if before is not None:
        query = query.where(Event.id < before)
    events = session.scalars(query.order_by(Event.id.desc()).limit(timeline_limit))
    identities = _identifiers(session, customer.id)
    tags = session.scalars(
        select(CustomerTag).where(CustomerTag.customer_id == customer.id).order_by(CustomerTag.tag)
    )
    consent = session.execute(
        select(Consent.channel, Consent.granted).where(Consent.customer_id == customer.id)
    )
    score, repurchase = _scores(session, customer.id)
    traits = dict(customer.traits or {})
    if masked:
        traits = {
            k: v
            if isinstance(v, bool | int | float) or (k == "name" and shows_name)
            else mask(k, str(v))
            for k, v in traits.items()
        }
    return Profile(
        oneid=customer.oneid,
        name=mask("name", customer.name) if not shows_name and customer.name else customer.name,
        gender=customer.gender,
        birthday=None if masked else customer.birthday,
        province=customer.province,
        city=customer.city,
        member_tier=customer.member_tier,
        traits=traits,
        scores=score,
        repurchase=repurchase,
        counters=CountersOut(
            orders=document["orders"],
            refunds=document["refunds"],
            spend=document["spend"],
            aov=document["aov"],
            first_order_at=counters.first_order_at if counters else None,
            last_order_at=counters.last_order_at if counters else None,
            categories=document["categories"],
            lives_attended=document["lives_attended"],
            watch_minutes=document["watch_minutes"],
            events=document["events"],
            last_active_at=counters.last_active_at if counters else None,
        ),
        tags=[TagOut(tag=t.tag, source=t.source, tagged_at=t.tagged_at) for t in tags],
        consent=dict(consent.all()),
        identities=[
            IdentityOut(
                type=i.type,
                value=i.value if sees(role, _pii_of(i.type)) else mask(i.type, i.value),
                first_seen_at=i.first_seen_at,
                last_seen_at=i.last_seen_at,
            )
            for i in identities
        ],
        timeline=[
            TimelineEntry(
                id=e.id,
                name=e.name,
                type=e.type,
                timestamp=e.timestamp,
                source=e.source,
                properties=masked_properties(e.properties or {})
                if masked
                else dict(e.properties or {}),
            )
            for e in events
        ],
        masked=masked,
    )


def _pii_of(identifier_type: str) -> PiiField:
    """Which personal field an identifier is: a phone is a phone, an e-mail an e-mail; the rest
    are ids."""
    if identifier_type == "email":
        return PiiField.EMAIL
    return PiiField.PHONE if identifier_type == "phone" else PiiField.IDENTIFIER
