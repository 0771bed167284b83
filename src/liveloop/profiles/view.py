"""The 360° view of one person: profile fields, traits, counters, tags, consent, identifiers and
a timeline — with personal data masked for roles that do not need it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.identity.models import Identity
from liveloop.profiles.counters import profile_document
from liveloop.profiles.models import Consent, Customer, CustomerTag, ProfileCounters
from liveloop.store.eventlog import Event

PII_TRAITS = frozenset({"name", "address", "email", "phone", "birthday", "id_card"})


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
    masked: bool


def mask(kind: str, value: str) -> str:
    """138****8000 for phones, 张* for names, o12…ab for opaque ids."""
    if kind == "phone" and len(value) >= 7:
        return value[:-8] + "****" + value[-4:]
    if kind == "name":
        return value[:1] + "*" * max(1, len(value) - 1)
    if len(value) <= 6:
        return "*" * len(value)
    return f"{value[:3]}…{value[-2:]}"


def build(
    session: Session,
    customer: Customer,
    *,
    masked: bool,
    timeline_limit: int = 50,
    before: int | None = None,
) -> Profile:
    counters = session.get(ProfileCounters, customer.id)
    document = profile_document(session, customer.id)
    query = select(Event).where(Event.customer_id == customer.id)
    if before is not None:
        query = query.where(Event.id < before)
    events = session.scalars(query.order_by(Event.id.desc()).limit(timeline_limit))
    identities = session.scalars(
        select(Identity).where(Identity.customer_id == customer.id).order_by(Identity.type)
    )
    tags = session.scalars(
        select(CustomerTag).where(CustomerTag.customer_id == customer.id).order_by(CustomerTag.tag)
    )
    consent = session.execute(
        select(Consent.channel, Consent.granted).where(Consent.customer_id == customer.id)
    )
    traits = dict(customer.traits or {})
    if masked:
        traits = {k: (mask(k, str(v)) if k in PII_TRAITS else v) for k, v in traits.items()}
    return Profile(
        oneid=customer.oneid,
        name=mask("name", customer.name) if masked and customer.name else customer.name,
        gender=customer.gender,
        birthday=None if masked else customer.birthday,
        province=customer.province,
        city=customer.city,
        member_tier=customer.member_tier,
        traits=traits,
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
                value=mask(i.type, i.value) if masked else i.value,
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
                properties={} if masked and e.type == "identify" else dict(e.properties or {}),
            )
            for e in events
        ],
        masked=masked,
    )
