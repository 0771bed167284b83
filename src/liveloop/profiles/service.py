"""Profiles facade: the person (created, filled, merged and restored), their counters, tags,
traits, consent and time zone, the merge chain, the register of how a merge treats each
table that names a person (``merge_policies``), and where the counters find which lives a
person attended (``record_attendance_with``)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Text, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from liveloop.access.contracts import Role
from liveloop.access.service import Principal, may_see_person
from liveloop.profiles import counters, events
from liveloop.profiles.attendance import AttendanceRecord as AttendanceRecord
from liveloop.profiles.attendance import record_attendance_with as record_attendance_with
from liveloop.profiles.consents import ConsentState as ConsentState
from liveloop.profiles.consents import consent_of as consent_of
from liveloop.profiles.consents import set_consent as set_consent  # the facade publishes it
from liveloop.profiles.merge_policies import Carried as Carried
from liveloop.profiles.merge_policies import Follows as Follows
from liveloop.profiles.merge_policies import Handled as Handled
from liveloop.profiles.merge_policies import MergePolicy as MergePolicy
from liveloop.profiles.merge_policies import carry_back as carry_back
from liveloop.profiles.merge_policies import carry_to_survivor as carry_to_survivor
from liveloop.profiles.merge_policies import declare_merge_policy as declare_merge_policy
from liveloop.profiles.merge_policies import merge_policies as merge_policies
from liveloop.profiles.merge_policies import names_carried_row as names_carried_row
from liveloop.profiles.model_tags import replace_model_tags as replace_model_tags
from liveloop.profiles.models import Customer, CustomerTag, ProfileCounters, TagRule
from liveloop.profiles.people import Person as Person
from liveloop.profiles.people import born_on as born_on
from liveloop.profiles.people import current_people as current_people
from liveloop.profiles.people import lock_person as lock_person
from liveloop.profiles.people import merged_people as merged_people
from liveloop.profiles.people import people_of as people_of
from liveloop.profiles.people import person_of as person_of
from liveloop.profiles.people import with_trait as with_trait
from liveloop.profiles.rules import EventRule, ProfileRule
from liveloop.profiles.view import HeldIdentifier as HeldIdentifier
from liveloop.profiles.view import Profile as Profile
from liveloop.profiles.view import RepurchaseOut as RepurchaseOut
from liveloop.profiles.view import ScoresOut as ScoresOut
from liveloop.profiles.view import build as _build_profile
from liveloop.profiles.view import read_identifiers_with as read_identifiers_with
from liveloop.profiles.view import read_scores_with as read_scores_with
from liveloop.store.base import UTCDateTime
from liveloop.store.consumers import ConsumerCursor
from liveloop.store.engine import dialect_insert, for_update
from liveloop.store.eventlog import LoggedEvent

PROFILES_CONSUMER = "profiles"
# Who may read a person's 360° view (what each sees whole is access.service.sees's answer).
PROFILE_READERS = (Role.OPERATOR, Role.GUIDE, Role.ANALYST, Role.INTEGRATOR, Role.HOST)


@dataclass(frozen=True)
class NewCustomer:
    name: str | None = None
    gender: str | None = None
    birthday: date | None = None
    province: str | None = None
    city: str | None = None
    member_tier: str | None = None
    traits: dict[str, Any] = field(default_factory=dict)


def new_oneid() -> str:
    return "P" + secrets.token_hex(8).upper()


def create_customer(session: Session, spec: NewCustomer, now: datetime, source: str) -> int:
    """Create a person and log ``Customer Created``; returns the id. (Identifiers are OneID's:
    ``identity.service.create_customer_with_identities`` creates a person holding some.)"""
    customer = Customer(
        oneid=new_oneid(),
        name=spec.name,
        gender=spec.gender,
        birthday=spec.birthday,
        province=spec.province,
        city=spec.city,
        member_tier=spec.member_tier,
        traits=dict(spec.traits),
        created_at=now,
        updated_at=now,
    )
    session.add(customer)
    session.flush()
    events.customer_created(
        session,
        at=now,
        source=source,
        customer_id=customer.id,
        oneid=customer.oneid,
        province=spec.province,
    )
    return customer.id


PROFILE_FIELDS = ("name", "gender", "birthday", "province", "city", "member_tier")


def absorb(session: Session, survivor_id: int, merged_id: int) -> None:
    """OneID merged ``merged_id`` into ``survivor_id``: the survivor keeps its own traits and
    profile fields and fills gaps from the merged person, who points at the survivor."""
    survivor = session.get(Customer, survivor_id)
    merged = session.get(Customer, merged_id)
    if survivor is None or merged is None:
        raise LookupError(f"cannot merge {merged_id} into {survivor_id}: no such customer")
    survivor.traits = {**(merged.traits or {}), **(survivor.traits or {})}
    for name in PROFILE_FIELDS:
        if getattr(survivor, name) is None:
            setattr(survivor, name, getattr(merged, name))
    survivor.version += 1
    merged.merged_into_id = survivor_id
    merged.version += 1
    session.flush()
    counters.combine(session, survivor_id, merged_id)


def fill_profile(session: Session, customer_id: int, fields: dict[str, Any]) -> None:
    """Set profile fields that are still empty (a CRM import never overwrites what is known)."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise LookupError(f"no customer {customer_id}")
    for name, value in fields.items():
        if name not in PROFILE_FIELDS:
            raise ValueError(f"not a profile field: {name}")
        if value is not None and getattr(customer, name) is None:
            setattr(customer, name, value)


def set_member_tier(session: Session, customer_id: int, tier: str | None, at: datetime) -> None:
    """Write the person's member tier (loyalty's grading owns it; an import only fills it)."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise LookupError(f"no customer {customer_id}")
    if customer.member_tier != tier:
        customer.member_tier = tier
        customer.updated_at = at


def restore(session: Session, customer_id: int, survivor_id: int, tz: ZoneInfo) -> None:
    """OneID split a merge: the person stands on their own again, and both people's counters
    are recounted from the events the profiles consumer has handled."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise LookupError(f"no customer {customer_id}")
    customer.merged_into_id = None
    customer.version += 1
    # Hold the profiles consumer's cursor while rebuilding, so no batch commits counts for
    # these people between the rebuild's read of the cursor and its write.
    cursor = select(ConsumerCursor.position).where(ConsumerCursor.name == PROFILES_CONSUMER)
    horizon = session.scalar(for_update(session, cursor)) or 0
    for person in (customer_id, survivor_id):
        counters.rebuild(session, person, horizon, tz)


def count_event(session: Session, customer_id: int, event: LoggedEvent, tz: ZoneInfo) -> None:
    """Count one event into its person's counters, traits, consents and rule tags."""
    counters.observe(session, customer_id, event, tz)


def survivor_of(session: Session, customer_id: int) -> int:
    """The person who stands for ``customer_id`` now: its merge chain (``merged_into_id``)
    followed to the end. With ``merged_into`` the one place the chain is read."""
    seen = set()
    while customer_id not in seen:
        seen.add(customer_id)
        merged_into_id = session.scalar(
            select(Customer.merged_into_id).where(Customer.id == customer_id)
        )
        if merged_into_id is None:
            return customer_id
        customer_id = merged_into_id
    raise RuntimeError(f"merge cycle through customer {customer_id}")  # pragma: no cover


def merged_into(session: Session, survivor_id: int) -> set[int]:
    """``survivor_id`` and everyone OneID merged into them, directly or through others."""
    found, frontier = {survivor_id}, {survivor_id}
    while frontier:
        frontier = (
            set(session.scalars(select(Customer.id).where(Customer.merged_into_id.in_(frontier))))
            - found
        )
        found |= frontier
    return found


def timezone_of(session: Session, customer_id: int, brand_tz: ZoneInfo) -> ZoneInfo:
    """The person's own time zone when their traits name a valid one, else the brand's."""
    customer = session.get(Customer, customer_id)
    name = (customer.traits or {}).get("timezone") if customer is not None else None
    if isinstance(name, str):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return brand_tz


def find_by_oneid(session: Session, oneid: str) -> int | None:
    """The id of the person with this OneID (merged or not), if any."""
    return session.scalar(select(Customer.id).where(Customer.oneid == oneid))


def oneids_of(session: Session, customer_ids: Iterable[int]) -> dict[int, str]:
    """The OneID of each of these people (unknown ids are left out)."""
    wanted = set(customer_ids)
    if not wanted:
        return {}
    rows = session.execute(select(Customer.id, Customer.oneid).where(Customer.id.in_(wanted)))
    return {customer_id: oneid for customer_id, oneid in rows}


def exists(session: Session, customer_id: int) -> bool:
    return session.get(Customer, customer_id) is not None


def last_customer_id(session: Session) -> int | None:
    """The most recently created person's id (None in an empty store)."""
    return session.scalar(select(func.max(Customer.id)))


def standing_from(session: Session, customer_id: int) -> int | None:
    """The first person with an id at or after ``customer_id`` who stands on their own (not
    merged into anyone): a cheap way to pick someone at random."""
    return session.scalar(
        select(Customer.id)
        .where(Customer.id >= customer_id, Customer.merged_into_id.is_(None))
        .order_by(Customer.id)
        .limit(1)
    )


def profile_of(
    session: Session,
    customer_id: int,
    *,
    viewer: Principal,
    timeline_limit: int = 50,
    before: int | None = None,
    requested_oneid: str | None = None,
) -> Profile | None:
    """The 360° view of the person who stands for ``customer_id`` now (its survivor), personal
    data masked as ``viewer``'s role may see it (``access.service.sees``); ``resolved_from``
    names ``requested_oneid`` when a merge answered it with someone else. None: no such person,
    or one outside the viewer's row scope (``access.service.may_see_person``)."""
    alive = session.get(Customer, survivor_of(session, customer_id))
    if alive is None or not may_see_person(session, viewer, alive.id):
        return None
    profile = _build_profile(
        session, alive, role=viewer.role, timeline_limit=timeline_limit, before=before
    )
    if requested_oneid and requested_oneid != alive.oneid:
        profile.resolved_from = requested_oneid
    return profile


@dataclass(frozen=True)
class PersonFacts:
    """What a live room shows beside a viewer: tier, tags, the last order."""

    member_tier: str | None
    tags: frozenset[str]
    last_order_at: datetime | None


def person_facts(session: Session, customer_ids: Iterable[int]) -> dict[int, PersonFacts]:
    """The facts of the living people among ``customer_ids``, in three queries."""
    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    tiers = dict(
        session.execute(
            select(Customer.id, Customer.member_tier).where(
                Customer.id.in_(ids), Customer.merged_into_id.is_(None)
            )
        ).all()
    )
    tags: dict[int, set[str]] = {}
    for customer, tag in session.execute(
        select(CustomerTag.customer_id, CustomerTag.tag).where(CustomerTag.customer_id.in_(ids))
    ):
        tags.setdefault(customer, set()).add(tag)
    last = dict(
        session.execute(
            select(ProfileCounters.customer_id, ProfileCounters.last_order_at).where(
                ProfileCounters.customer_id.in_(ids)
            )
        ).all()
    )
    return {
        customer: PersonFacts(tier, frozenset(tags.get(customer, ())), last.get(customer))
        for customer, tier in tiers.items()
    }


def created_between(session: Session, start: datetime, end: datetime) -> frozenset[int]:
    """The living people who became customers in [start, end] (a show's new customers)."""
    query = select(Customer.id).where(
        Customer.created_at >= start,
        Customer.created_at <= end,
        Customer.merged_into_id.is_(None),
    )
    return frozenset(session.scalars(query))


def count_customers(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Customer).where(Customer.merged_into_id.is_(None))
        )
        or 0
    )


def change_tags(
    session: Session,
    customer_id: int,
    *,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    source: str,
    at: datetime,
) -> None:
    """Add and remove tags of a person (adding a tag they have already keeps its first source)."""
    if remove:
        session.execute(
            delete(CustomerTag).where(
                CustomerTag.customer_id == customer_id, CustomerTag.tag.in_(remove)
            )
        )
    for tag in dict.fromkeys(add):
        session.execute(
            dialect_insert(session)(CustomerTag).on_conflict_do_nothing(
                index_elements=["customer_id", "tag"]
            ),
            {"customer_id": customer_id, "tag": tag, "source": source, "tagged_at": at},
        )


def set_traits(session: Session, customer_id: int, traits: dict[str, Any], at: datetime) -> None:
    """Overwrite traits of a person (``None`` removes one)."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise LookupError(f"no customer {customer_id}")
    if session.get_bind().dialect.name != "postgresql":
        # SQLite: this transaction took the write lock at BEGIN, so the row it read is current.
        merged = {**(customer.traits or {}), **traits}
        customer.traits = {name: value for name, value in merged.items() if value is not None}
        customer.updated_at = at
        return
    # PostgreSQL: merge in the database, into the row as committed now (another transaction
    # may have changed other traits since this session read it), in one statement.
    from sqlalchemy.orm.attributes import set_committed_value

    if customer in session.dirty:
        session.flush()  # this session's own changes to the person go first
    merged = session.execute(
        _pg_merge_traits(),
        {
            "person": customer_id,
            "kept": {name: value for name, value in traits.items() if value is not None},
            "dropped": [name for name, value in traits.items() if value is None],
            "at": at,
        },
    ).scalar_one()
    set_committed_value(customer, "traits", merged)
    set_committed_value(customer, "updated_at", at)


@cache
def _pg_merge_traits() -> Any:
    """``UPDATE customers SET traits = traits || :kept - :dropped … RETURNING traits``, built
    once (PostgreSQL only)."""
    from sqlalchemy.dialects.postgresql import ARRAY, JSONB

    merged = Customer.traits.op("||")(bindparam("kept", type_=JSONB)).op("-")(
        bindparam("dropped", type_=ARRAY(Text))
    )
    return (
        update(Customer)
        .where(Customer.id == bindparam("person"))
        .values(traits=merged, updated_at=bindparam("at", type_=UTCDateTime()))
        .returning(Customer.traits)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class TagRuleView:
    id: int
    tag: str
    kind: str
    rule: dict[str, Any]
    enabled: bool
    created_at: datetime


def _rule_view(row: TagRule) -> TagRuleView:
    return TagRuleView(row.id, row.tag, row.kind, dict(row.rule), row.enabled, row.created_at)


def list_tag_rules(session: Session) -> list[TagRuleView]:
    return [_rule_view(r) for r in session.scalars(select(TagRule).order_by(TagRule.id))]


def add_tag_rule(session: Session, rule: EventRule | ProfileRule, at: datetime) -> TagRuleView:
    """Store a tag rule (see profiles/rules.py for the language); the profiles consumer applies
    it from the next event."""
    row = TagRule(
        tag=rule.tag,
        kind=rule.kind,
        rule=rule.model_dump(by_alias=True, exclude_none=True),
        enabled=True,
        created_at=at,
    )
    session.add(row)
    session.flush()
    counters.forget_rules(session)
    return _rule_view(row)


def switch_tag_rule(session: Session, rule_id: int, *, enabled: bool) -> TagRuleView:
    """Switch a tag rule on or off; ``LookupError`` when there is no such rule."""
    row = session.get(TagRule, rule_id)
    if row is None:
        raise LookupError(f"no tag rule {rule_id}")
    row.enabled = enabled
    session.flush()
    counters.forget_rules(session)
    return _rule_view(row)
