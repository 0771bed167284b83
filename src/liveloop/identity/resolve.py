"""Online OneID resolution: every sighting of identifiers (an event, an order, a CRM row) finds
or creates its person, links new identifiers, and merges people the sighting proves are one.

The rules (``identity.rules``), applied to a sighting's identifiers sorted strongest first:
1. Placeholders and blocked values are dropped; nothing left → the sighting stays anonymous.
2. The *anchor* is the person holding the strongest identifier in the sighting; nobody → a new
   person holding them all.
3. Every other person the sighting touches is merged into the anchor, unless together they
   would hold more strong identifiers of a type than its limit (two phones, two member
   numbers…): then they stay apart, and a weak identifier that linked them counts a conflict;
   past ``SHARED_THRESHOLD`` conflicts it is a shared device and is blocked.
4. New identifiers are linked to the anchor. A strong one that would exceed its limit:
   - replaces the anchor's least recently seen one when the anchor was found through a
     stronger type (a member who changed phone, seen with their unionid);
   - otherwise belongs to someone else (a store tablet seen with a new phone): that person is
     found or created and owns the sighting.
   A weak one over its limit evicts the least recently seen.

Merges move identifiers and events to the survivor (the anchor), carry the rows of every table
declared ``Carried`` (orders) and let profiles absorb the person (``profiles.merge_policies``
says what happens to each table); an ``IdentityMerge`` audit row records what moved, and
``split`` undoes it from there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.orm import Session

from liveloop.errors import DomainError
from liveloop.identity import events, rules
from liveloop.identity.contracts import IdentityType
from liveloop.identity.extract import event_identifiers
from liveloop.identity.identifiers import InvalidIdentifier, link, normalise
from liveloop.identity.models import IdentifierBlock, Identity, IdentityMerge
from liveloop.profiles import service as profiles
from liveloop.store.eventlog import Event

Key = tuple[IdentityType, str]


class MergeNotFound(DomainError):
    """No such merge."""

    status = 404


class AlreadySplit(DomainError):
    """The merge was undone before."""

    status = 409


@dataclass(frozen=True)
class Resolution:
    """Who a sighting names (None: nobody, it stays anonymous), whether they are new, whom
    it merged into them and the conflicts it met."""

    customer_id: int | None
    created: bool = False
    merged: list[int] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def clean(session: Session, raw: Iterable[tuple[IdentityType | str, str]]) -> list[Key]:
    """Normalised, de-duplicated, unblocked identifiers, strongest first."""
    keys: dict[Key, None] = {}
    for kind, value in raw:
        try:
            keys[(IdentityType(kind), normalise(kind, value))] = None
        except (InvalidIdentifier, ValueError):
            continue
    if not keys:
        return []
    blocked = set(
        session.execute(
            select(IdentifierBlock.type, IdentifierBlock.value).where(
                tuple_(IdentifierBlock.type, IdentifierBlock.value).in_(
                    [(k.value, v) for k, v in keys]
                )
            )
        ).all()
    )
    return sorted(
        (k for k in keys if (k[0].value, k[1]) not in blocked),
        key=lambda k: rules.priority(k[0]),
    )


def _held(session: Session, keys: Sequence[Key]) -> dict[Key, Identity]:
    rows = session.scalars(
        select(Identity).where(
            tuple_(Identity.type, Identity.value).in_([(k.value, v) for k, v in keys])
        )
    )
    return {(IdentityType(r.type), r.value): r for r in rows}


def _holdings(session: Session, customer_id: int) -> list[Identity]:
    return list(session.scalars(select(Identity).where(Identity.customer_id == customer_id)))


def resolve(
    session: Session,
    raw: Iterable[tuple[IdentityType | str, str]],
    at: datetime,
    *,
    source: str,
    evidence: dict[str, Any] | None = None,
) -> Resolution:
    """Find or create the person behind a sighting of ``raw`` identifiers (see module doc)."""
    keys = clean(session, raw)
    if not keys:
        return Resolution(None)
    held = _held(session, keys)
    anchor_key = next((k for k in keys if k in held), None)
    if anchor_key is None:
        return Resolution(_new_person(session, keys, at, source), created=True)
    anchor = held[anchor_key].customer_id
    result = Resolution(anchor)
    proof = {"identifiers": [[k.value, v] for k, v in keys], **(evidence or {})}
    for key in keys:
        row = held.get(key)
        if row is None or row.customer_id == anchor or row.customer_id in result.merged:
            continue
        other = row.customer_id
        if _can_merge(session, anchor, other):
            merge(session, anchor, other, at, proof)
            result.merged.append(other)
        else:
            result.conflicts.append(f"{key[0].value} held by another person")
            if not rules.is_strong(key[0]):
                _count_conflict(session, row, at)
    unheld = [key for key in keys if key not in held]
    if any(_strays(session, anchor, key, anchor_key[0]) for key in unheld):
        # A strong identifier the anchor cannot hold, seen only through weaker ones: the
        # sighting is someone else's (a wife signing in on her husband's iPad), so everything
        # new in it is theirs, and the weak identifiers that pointed at the anchor were seen
        # with another person.
        for key in keys:
            row = held.get(key)
            if row is not None and row.customer_id == anchor and not rules.is_strong(key[0]):
                _count_conflict(session, row, at)
        result.conflicts.append("strong identifier beyond the anchor's limit")
        return Resolution(
            _new_person(session, unheld, at, source), True, result.merged, result.conflicts
        )
    for key in unheld:
        _link(session, anchor, key, at)
    for key in keys:
        row = held.get(key)
        if row is not None and row.customer_id == anchor:
            row.last_seen_at = max(row.last_seen_at, at)
    return result


def _new_person(session: Session, keys: Sequence[Key], at: datetime, source: str) -> int:
    fitting: dict[IdentityType, list[str]] = {}
    for kind, value in keys:
        values = fitting.setdefault(kind, [])
        if len(values) < rules.limit(kind):
            values.append(value)
    customer_id = profiles.create_customer(session, profiles.NewCustomer(), at, source)
    for kind, values in fitting.items():
        for value in values:
            link(session, customer_id, kind, value, at)
    session.flush()
    return customer_id


def _strays(session: Session, customer_id: int, key: Key, found_through: IdentityType) -> bool:
    """True when ``key`` is a strong identifier the customer already holds its limit of, and
    the customer was found only through a weaker type (so it cannot replace theirs)."""
    kind = key[0]
    if not rules.is_strong(kind) or rules.priority(found_through) < rules.priority(kind):
        return False
    held = sum(1 for i in _holdings(session, customer_id) if i.type == kind.value)
    return held >= rules.limit(kind)


def _link(session: Session, customer_id: int, key: Key, at: datetime) -> None:
    """Link ``key`` to the customer; at the type's limit, the least recently seen makes room
    (``_strays`` has ruled out the cases where it must not)."""
    kind, value = key
    same_type = sorted(
        (i for i in _holdings(session, customer_id) if i.type == kind.value),
        key=lambda i: i.last_seen_at,
    )
    if len(same_type) >= rules.limit(kind):
        session.delete(same_type[0])
        session.flush()
    link(session, customer_id, kind, value, at)
    session.flush()


def _can_merge(session: Session, a: int, b: int) -> bool:
    values: dict[str, set[str]] = {}
    for row in _holdings(session, a) + _holdings(session, b):
        if rules.is_strong(row.type):
            values.setdefault(row.type, set()).add(row.value)
    return all(len(v) <= rules.limit(t) for t, v in values.items())


def _count_conflict(session: Session, row: Identity, at: datetime) -> None:
    row.conflicts += 1
    if row.conflicts >= rules.SHARED_THRESHOLD:
        session.add(IdentifierBlock(type=row.type, value=row.value, reason="shared", blocked_at=at))
        session.delete(row)
    session.flush()


def merge(
    session: Session, survivor_id: int, merged_id: int, at: datetime, evidence: dict[str, Any]
) -> IdentityMerge:
    """Merge ``merged_id`` into ``survivor_id``: identifiers and events move, Carried tables'
    rows are carried over, profiles absorbs the person (fields, traits, counters, tags…)."""
    moved = [[i.type, i.value] for i in _holdings(session, merged_id)]
    session.execute(
        update(Identity).where(Identity.customer_id == merged_id).values(customer_id=survivor_id)
    )
    session.execute(
        update(Event).where(Event.customer_id == merged_id).values(customer_id=survivor_id)
    )
    carried = profiles.carry_to_survivor(session, merged_id, survivor_id)
    profiles.absorb(session, survivor_id, merged_id)
    audit = IdentityMerge(
        survivor_id=survivor_id,
        merged_id=merged_id,
        evidence=evidence,
        moved_identities=moved,
        carried_rows=carried,
        merged_at=at,
    )
    session.add(audit)
    session.flush()
    _enforce_weak_limits(session, survivor_id)
    events.identities_merged(
        session, at=at, merge_id=audit.id, survivor_id=survivor_id, merged_id=merged_id
    )
    session.expire_all()
    return audit


def _enforce_weak_limits(session: Session, customer_id: int) -> None:
    by_type: dict[str, list[Identity]] = {}
    for row in _holdings(session, customer_id):
        if not rules.is_strong(row.type):
            by_type.setdefault(row.type, []).append(row)
    for kind, rows in by_type.items():
        rows.sort(key=lambda r: r.last_seen_at, reverse=True)
        for extra in rows[rules.limit(kind) :]:
            session.delete(extra)
    session.flush()


def split(session: Session, merge_id: int, at: datetime, tz: ZoneInfo) -> int:
    """Undo a merge: the merged person gets back their identifiers, the events that carry only
    them, the rows the merge carried (and those such events name), and those rows' own events;
    both people are recounted in the brand's time zone ``tz``. Returns the restored id."""
    audit = session.get(IdentityMerge, merge_id)
    if audit is None:
        raise MergeNotFound(f"no merge {merge_id}")
    if audit.split_at is not None:
        raise AlreadySplit(f"merge {merge_id} was already split at {audit.split_at.isoformat()}")
    moved = {(t, v) for t, v in audit.moved_identities}
    survivor, restored = audit.survivor_id, audit.merged_id
    if profiles.survivor_of(session, survivor) != survivor:
        raise AlreadySplit(
            f"merge {merge_id} cannot be split: its survivor has since been merged into another "
            "person; split that later merge first"
        )
    if moved:
        session.execute(
            update(Identity)
            .where(
                Identity.customer_id == survivor,
                tuple_(Identity.type, Identity.value).in_(list(moved)),
            )
            .values(customer_id=restored)
        )
    kept = {(i.type, i.value) for i in _holdings(session, survivor)}
    returned = []
    for event in session.scalars(select(Event).where(Event.customer_id == survivor)):
        ids = {
            (k.value, v)
            for k, v in clean(
                session,
                event_identifiers(
                    event.user_id, event.anonymous_id, event.properties or {}, event.context or {}
                ),
            )
        }
        if ids & moved and not ids & kept:
            event.customer_id = restored
            returned.append((event.name or "", event.properties or {}))
    back = profiles.carry_back(
        session,
        audit.carried_rows or {},
        survivor_id=survivor,
        restored_id=restored,
        returned_events=returned,
    )
    if back:
        # A carried row's own domain events (an order's completion, its refund) follow it.
        for event in session.scalars(
            select(Event).where(Event.customer_id == survivor, Event.type == "domain")
        ):
            if profiles.names_carried_row(event.name or "", event.properties or {}, back):
                event.customer_id = restored
    session.flush()
    profiles.restore(session, restored, survivor, tz)
    audit.split_at = at
    events.identities_split(
        session, at=at, merge_id=audit.id, restored_id=restored, survivor_id=survivor
    )
    session.flush()
    session.expire_all()  # carried rows moved by statement: no loaded row keeps its old owner
    return restored


def block_value(session: Session, kind: IdentityType, value: str, at: datetime) -> None:
    """Block a value by hand (an operator's placeholder): it stops identifying anyone.
    Blocking a value twice changes nothing."""
    session.execute(delete(Identity).where(Identity.type == kind.value, Identity.value == value))
    already = session.scalar(
        select(IdentifierBlock.id).where(
            IdentifierBlock.type == kind.value, IdentifierBlock.value == value
        )
    )
    if already is None:
        session.add(
            IdentifierBlock(type=kind.value, value=value, reason="placeholder", blocked_at=at)
        )
    session.flush()
