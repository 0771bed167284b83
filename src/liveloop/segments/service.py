"""Segments facade: validate rules, preview them, check people against them, keep saved
segments and their materialised memberships.

Invariants:
- a refresh is one unit of work in the caller's transaction: memberships, the segment's
  counters and the ``Segment Entered`` / ``Segment Exited`` events commit together or not at all;
- event message ids are ``segment:<id>:<refresh no.>:<entered|exited>:<customer id>``, where the
  refresh number only grows on a refresh that changed something, so re-running a refresh that
  rolled back states the same facts under the same ids;
- a refresh that changes nothing writes nothing but the segment's ``refreshed_at``.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from liveloop.access.service import mask
from liveloop.errors import DomainError
from liveloop.profiles.models import Customer, ProfileCounters
from liveloop.profiles.service import Handled, declare_merge_policy
from liveloop.segments import events
from liveloop.segments.compile import compile_rule, customers
from liveloop.segments.models import Segment, SegmentMember
from liveloop.segments.rules import Rule, RuleError, parse_rule
from liveloop.store.engine import transaction

__all__ = [
    "Preview",
    "Refreshed",
    "Rule",
    "RuleError",
    "SegmentConflict",
    "SegmentNotFound",
    "SegmentOut",
    "create_segment",
    "delete_segment",
    "get_segment",
    "list_segments",
    "member_ids",
    "members_among",
    "parse_rule",
    "preview",
    "refresh_each",
    "refresh_memberships",
    "segment_member_rows",
    "update_segment",
]

log = logging.getLogger(__name__)
BATCH = 5_000  # ids per bound list (SQLite allows 32,766 variables a statement)
SAMPLE_LIMIT = 200


class SegmentNotFound(DomainError):
    """No segment with that id."""

    status = 404


class SegmentConflict(DomainError):
    """Another segment already has that name."""

    status = 409


@dataclass(frozen=True)
class Preview:
    count: int
    sample: list[dict[str, Any]]


@dataclass(frozen=True)
class Refreshed:
    entered: int
    exited: int
    members: int


@dataclass(frozen=True)
class SegmentOut:
    id: int
    name: str
    description: str
    rule: dict[str, Any]
    created_by: str
    version: int
    created_at: datetime
    updated_at: datetime
    refreshed_at: datetime | None
    members: int
    origin: dict[str, Any] | None

    @classmethod
    def of(cls, row: Segment) -> SegmentOut:
        return cls(
            id=row.id,
            name=row.name,
            description=row.description,
            rule=dict(row.rule),
            created_by=row.created_by,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
            refreshed_at=row.refreshed_at,
            members=row.members,
            origin=dict(row.origin) if row.origin else None,
        )


def _rule(rule: Rule | dict[str, Any]) -> Rule:
    return rule if isinstance(rule, Rule) else parse_rule(rule)


# --- evaluating rules ---------------------------------------------------------------------------
def preview(
    session: Session,
    rule: Rule | dict[str, Any],
    now: datetime,
    sample: int = 20,
    *,
    masked: bool = True,
) -> Preview:
    """How many people the rule holds now, and the first ``sample`` of them (by id), with the
    name masked unless ``masked`` is False (roles that serve customers)."""
    compiled = compile_rule(session, _rule(rule), now)
    if sample <= 0:
        count = session.scalar(select(func.count()).select_from(customers).where(compiled.where))
        return Preview(count=count or 0, sample=[])
    # One statement gives the count (a window over every match) and the first ids, so the
    # rule's subqueries are evaluated once.
    first = session.execute(
        select(customers.c.id, func.count().over().label("total"))
        .where(compiled.where)
        .order_by(customers.c.id)
        .limit(min(sample, SAMPLE_LIMIT))
    ).all()
    if not first:
        return Preview(count=0, sample=[])
    count = first[0].total
    query = (
        select(Customer, ProfileCounters)
        .outerjoin(ProfileCounters, ProfileCounters.customer_id == Customer.id)
        .where(Customer.id.in_([row.id for row in first]))
        .order_by(Customer.id)
    )
    rows = [_person(c, p, masked) for c, p in session.execute(query)]
    return Preview(count=count, sample=rows)


def _person(customer: Customer, counters: ProfileCounters | None, masked: bool) -> dict[str, Any]:
    name = customer.name
    return {
        "customer_id": customer.id,
        "oneid": customer.oneid,
        "name": mask("name", name) if masked and name else name,
        "gender": customer.gender,
        "province": customer.province,
        "city": customer.city,
        "member_tier": customer.member_tier,
        "orders": counters.orders if counters else 0,
        "spend": counters.spend if counters else Decimal("0.00"),
        "last_order_at": counters.last_order_at if counters else None,
    }


def members_among(
    session: Session, rule: Rule | dict[str, Any], customer_ids: Collection[int], now: datetime
) -> set[int]:
    """Which of ``customer_ids`` the rule holds now (a batch branch check): every table is read
    for these ids only. Merged-away ids are never members."""
    parsed = _rule(rule)
    wanted = sorted({int(i) for i in customer_ids})
    found: set[int] = set()
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        compiled = compile_rule(session, parsed, now, among=chunk)
        found.update(session.scalars(compiled.ids()))
    return found


def member_ids(session: Session, rule: Rule | dict[str, Any], now: datetime) -> list[int]:
    """Everyone the rule holds now, by id (for scheduled journeys)."""
    compiled = compile_rule(session, _rule(rule), now)
    return list(session.scalars(compiled.ids().order_by(customers.c.id)))


# --- saved segments -----------------------------------------------------------------------------
def create_segment(
    session: Session,
    *,
    name: str,
    rule: dict[str, Any],
    created_by: str,
    now: datetime,
    description: str = "",
    origin: dict[str, Any] | None = None,
) -> SegmentOut:
    """Save a segment (its rule validated first); memberships fill on the next refresh."""
    parse_rule(rule)
    if session.scalar(select(Segment.id).where(Segment.name == name)) is not None:
        raise SegmentConflict(f"a segment named {name!r} exists")
    row = Segment(
        name=name,
        description=description,
        rule=rule,
        created_by=created_by,
        version=1,
        created_at=now,
        updated_at=now,
        refreshes=0,
        members=0,
        origin=origin,
    )
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise SegmentConflict(f"a segment named {name!r} exists") from None
    return SegmentOut.of(row)


def _segment(session: Session, segment_id: int) -> Segment:
    row = session.get(Segment, segment_id)
    if row is None:
        raise SegmentNotFound(f"no segment {segment_id}")
    return row


def get_segment(session: Session, segment_id: int) -> SegmentOut:
    return SegmentOut.of(_segment(session, segment_id))


def list_segments(session: Session) -> list[SegmentOut]:
    return [SegmentOut.of(r) for r in session.scalars(select(Segment).order_by(Segment.id))]


def update_segment(
    session: Session,
    segment_id: int,
    *,
    now: datetime,
    name: str | None = None,
    rule: dict[str, Any] | None = None,
    description: str | None = None,
) -> SegmentOut:
    """Edit a segment; a new name or rule makes a new version (memberships follow on refresh)."""
    row = _segment(session, segment_id)
    changed = False
    if rule is not None and rule != row.rule:
        parse_rule(rule)
        row.rule, changed = rule, True
    if name is not None and name != row.name:
        taken = session.scalar(select(Segment.id).where(Segment.name == name))
        if taken is not None:
            raise SegmentConflict(f"a segment named {name!r} exists")
        row.name, changed = name, True
    if description is not None and description != row.description:
        row.description = description
        row.updated_at = now
    if changed:
        row.version += 1
        row.updated_at = now
    session.flush()
    return SegmentOut.of(row)


def delete_segment(session: Session, segment_id: int) -> None:
    row = _segment(session, segment_id)
    session.execute(delete(SegmentMember).where(SegmentMember.segment_id == segment_id))
    session.delete(row)
    session.flush()


def segment_member_rows(
    session: Session, segment_id: int, *, masked: bool, offset: int = 0, limit: int | None = None
) -> Iterator[dict[str, Any]]:
    """The stored members of a segment with their profile basics, by id."""
    query = (
        select(Customer, ProfileCounters, SegmentMember.entered_at)
        .join(SegmentMember, SegmentMember.customer_id == Customer.id)
        .outerjoin(ProfileCounters, ProfileCounters.customer_id == Customer.id)
        .where(SegmentMember.segment_id == segment_id)
        .order_by(Customer.id)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    for customer, counters, entered_at in session.execute(query):
        yield _person(customer, counters, masked) | {"entered_at": entered_at}


def member_count(session: Session, segment_id: int) -> int:
    query = select(func.count()).where(SegmentMember.segment_id == segment_id)
    return session.scalar(query) or 0


# --- memberships --------------------------------------------------------------------------------
def refresh_memberships(
    session: Session, now: datetime, segment_id: int | None = None
) -> dict[int, Refreshed]:
    """Bring stored memberships up to date with each segment's rule at ``now`` (one segment,
    or all of them), in the caller's transaction; returns what changed per segment."""
    if segment_id is not None:
        rows = [_segment(session, segment_id)]
    else:
        rows = list(session.scalars(select(Segment).order_by(Segment.id)))
    return {row.id: _refresh(session, row, now) for row in rows}


def refresh_each(factory: sessionmaker[Session], now: datetime) -> dict[int, Refreshed]:
    """The periodic refresh: every segment in a transaction of its own, so one large segment's
    write does not hold the others (each stays atomic on its own)."""
    with transaction(factory) as session:
        ids = list(session.scalars(select(Segment.id).order_by(Segment.id)))
    done: dict[int, Refreshed] = {}
    for segment_id in ids:
        try:
            with transaction(factory) as session:
                done.update(refresh_memberships(session, now, segment_id))
        except SegmentNotFound:
            continue  # deleted meanwhile
    return done


def _refresh(session: Session, segment: Segment, now: datetime) -> Refreshed:
    try:
        rule = parse_rule(segment.rule)
    except RuleError as exc:  # stored before a stricter validation: leave it as it is
        log.warning("segment %s has an invalid rule (%s); not refreshed", segment.id, exc)
        return Refreshed(0, 0, segment.members)
    # The rule is evaluated once; the diff against what is stored is two set differences.
    current = set(session.scalars(compile_rule(session, rule, now).ids()))
    stored = set(
        session.scalars(
            select(SegmentMember.customer_id).where(SegmentMember.segment_id == segment.id)
        )
    )
    entered, exited = sorted(current - stored), sorted(stored - current)
    segment.refreshed_at = now
    if not entered and not exited:
        return Refreshed(0, 0, segment.members)
    segment.refreshes += 1
    number = segment.refreshes
    if entered:
        session.execute(
            insert(SegmentMember),
            [{"segment_id": segment.id, "customer_id": c, "entered_at": now} for c in entered],
        )
    for start in range(0, len(exited), BATCH):
        chunk = exited[start : start + BATCH]
        session.execute(
            delete(SegmentMember).where(
                SegmentMember.segment_id == segment.id, SegmentMember.customer_id.in_(chunk)
            )
        )
    events.membership_changed(
        session,
        at=now,
        segment_id=segment.id,
        segment_name=segment.name,
        refresh=number,
        entered=entered,
        exited=exited,
        origin=segment.origin,
    )
    segment.members += len(entered) - len(exited)
    session.flush()
    return Refreshed(len(entered), len(exited), segment.members)


# How a OneID merge treats segments' tables (see profiles.merge_policies).
declare_merge_policy(
    "segment_members",
    Handled("the next refresh drops merged people and judges the survivor afresh"),
)
