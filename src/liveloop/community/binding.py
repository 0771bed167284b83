"""A customer's leader, under the operator's rule (``community.settings``):

- ``first_touch``: the first leader who brings a customer keeps them;
- ``last_touch``: the latest leader who touches them wins;
- ``locked_days``: a binding holds ``locked_days`` after it was made; a touch after that moves
  the customer (and the lock starts again from the move).

An operator's binding (cause ``operator``, with a reason) overrides the rule. Every touch is
judged once — its ``source_key`` (``order:{no}``, ``invite:{link}:{customer}``) is unique in
the history — and written to the append-only history with its outcome, so a replayed order
can never move a customer back. A binding is held by the person's survivor (OneID); a merged
person's older bindings are read across ``merged_into``, the newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveloop.access import service as access
from liveloop.access.contracts import PiiField, Role
from liveloop.access.service import Principal
from liveloop.community import events
from liveloop.community.contracts import (
    BindingCause,
    BindingOutcome,
    BindingRule,
    CommunityConflict,
    CommunityRefused,
    LeaderStatus,
)
from liveloop.community.leaders import leader_row
from liveloop.community.models import Leader, LeaderBinding, LeaderBindingChange
from liveloop.community.scope import NOBODY, allowed, leader_scope
from liveloop.community.settings import read_settings
from liveloop.profiles import service as profiles


@dataclass(frozen=True)
class BindingChange:
    customer_id: int
    leader: str
    previous: str | None
    outcome: BindingOutcome
    rule: BindingRule
    cause: BindingCause
    source_key: str | None
    reason: str | None
    by: str
    at: datetime
    replayed: bool = False


@dataclass(frozen=True)
class BindingView:
    customer_id: int
    oneid: str | None
    name: str | None  # masked unless the viewer's role sees names
    leader: str
    leader_name: str
    bound_at: datetime
    cause: BindingCause
    locked_until: datetime | None  # under ``locked_days``: when a new touch may move them


def _decide(
    rule: BindingRule,
    locked_days: int,
    current: LeaderBinding | None,
    leader_id: int,
    cause: BindingCause,
    at: datetime,
) -> BindingOutcome:
    if current is None:
        return BindingOutcome.BOUND
    if current.leader_id == leader_id:
        return BindingOutcome.KEPT
    if cause == BindingCause.OPERATOR or rule == BindingRule.LAST_TOUCH:
        return BindingOutcome.MOVED
    if rule == BindingRule.LOCKED_DAYS and at >= current.bound_at + timedelta(days=locked_days):
        return BindingOutcome.MOVED
    return BindingOutcome.KEPT


def _current(session: Session, survivor: int) -> LeaderBinding | None:
    people = profiles.merged_into(session, survivor)
    return session.scalars(
        select(LeaderBinding)
        .where(LeaderBinding.customer_id.in_(sorted(people)))
        .order_by(LeaderBinding.bound_at.desc(), LeaderBinding.id.desc())
        .limit(1)
    ).first()


def _code(session: Session, leader_id: int | None) -> str | None:
    """The leader's code, from the session's identity map once read (a history names the
    same few leaders on every row)."""
    if leader_id is None:
        return None
    leader = session.get(Leader, leader_id)
    return leader.code if leader is not None else None


def _change(session: Session, row: LeaderBindingChange, replayed: bool) -> BindingChange:
    return BindingChange(
        customer_id=row.customer_id,
        leader=_code(session, row.to_leader_id) or "",
        previous=_code(session, row.from_leader_id),
        outcome=BindingOutcome(row.outcome),
        rule=BindingRule(row.rule),
        cause=BindingCause(row.cause),
        source_key=row.source_key,
        reason=row.reason,
        by=row.by,
        at=row.at,
        replayed=replayed,
    )


def touch(
    session: Session,
    *,
    customer_id: int,
    leader: str,
    cause: BindingCause | str,
    at: datetime,
    by: str,
    source: str,
    source_key: str | None = None,
    reason: str | None = None,
) -> BindingChange:
    """Judge one touch of ``customer_id`` by ``leader`` under the rule in force (see the
    module doc) and write it to the history; ``replayed`` when its ``source_key`` was judged
    before (nothing changes). An operator's binding needs a reason."""
    cause = BindingCause(cause)
    if cause == BindingCause.OPERATOR and not (reason or "").strip():
        raise CommunityRefused("运营调整绑定须填写原因 (an operator's binding needs a reason)")
    if source_key is not None:
        seen = session.scalars(
            select(LeaderBindingChange).where(LeaderBindingChange.source_key == source_key)
        ).one_or_none()
        if seen is not None:
            return _change(session, seen, replayed=True)
    target = leader_row(session, leader)
    if target.status != LeaderStatus.APPROVED:
        raise CommunityConflict(
            f"团长 {leader} 未通过审核或已停用,不能绑定顾客 (the leader is {target.status})"
        )
    if not profiles.exists(session, customer_id):
        raise CommunityRefused(f"没有这个顾客 {customer_id} (no such customer)")
    survivor = profiles.survivor_of(session, customer_id)
    settings = read_settings(session)
    current = _current(session, survivor)
    outcome = _decide(settings.binding_rule, settings.locked_days, current, target.id, cause, at)
    row = LeaderBindingChange(
        customer_id=survivor,
        from_leader_id=current.leader_id if current is not None else None,
        to_leader_id=target.id,
        outcome=outcome,
        rule=settings.binding_rule,
        cause=cause,
        source_key=source_key,
        reason=(reason or "").strip()[:200] or None,
        by=by[:64],
        at=at,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the same touch judged concurrently: answer as for a replay
        seen = session.scalars(
            select(LeaderBindingChange).where(LeaderBindingChange.source_key == source_key)
        ).one()
        return _change(session, seen, replayed=True)
    if outcome != BindingOutcome.KEPT:
        held = session.scalars(
            select(LeaderBinding).where(LeaderBinding.customer_id == survivor)
        ).one_or_none()
        if held is None:
            held = LeaderBinding(customer_id=survivor)
            session.add(held)
        held.leader_id, held.bound_at, held.cause = target.id, at, cause
        held.source_key = source_key
        session.flush()
        events.leader_bound(
            session,
            at=at,
            source=source,
            change_id=row.id,
            customer_id=survivor,
            leader=target.code,
            previous=_code(session, row.from_leader_id),
            cause=cause,
            rule=settings.binding_rule,
        )
    return _change(session, row, replayed=False)


def _lock(session: Session) -> timedelta | None:
    """How long a binding holds under the rule in force (None: the rule has no lock)."""
    settings = read_settings(session)
    if settings.binding_rule != BindingRule.LOCKED_DAYS:
        return None
    return timedelta(days=settings.locked_days)


def _view(
    row: LeaderBinding,
    leader: Leader,
    viewer: Principal | None,
    lock: timedelta | None,
    oneids: dict[int, str],
    names: dict[int, str | None],
) -> BindingView:
    locked = row.bound_at + lock if lock is not None else None
    name = names.get(row.customer_id)
    if name and viewer is not None and not access.sees(viewer.role, PiiField.NAME):
        name = access.mask("name", name)
    return BindingView(
        customer_id=row.customer_id,
        oneid=oneids.get(row.customer_id),
        name=name,
        leader=leader.code,
        leader_name=leader.name,
        bound_at=row.bound_at,
        cause=BindingCause(row.cause),
        locked_until=locked,
    )


def binding_of(
    session: Session, customer_id: int, viewer: Principal | None = None
) -> BindingView | None:
    """The person's current leader, or None (also when the viewer is a leader they are not
    bound to)."""
    current = _current(session, profiles.survivor_of(session, customer_id))
    if current is None or not allowed(leader_scope(session, viewer), current.leader_id):
        return None
    leader = session.get_one(Leader, current.leader_id)
    person = profiles.person_of(session, current.customer_id)
    return _view(
        current,
        leader,
        viewer,
        _lock(session),
        profiles.oneids_of(session, [current.customer_id]),
        {current.customer_id: person.name if person else None},
    )


def list_bindings(
    session: Session,
    viewer: Principal | None = None,
    *,
    leader: str | None = None,
    limit: int = 100,
    after: int | None = None,
) -> list[BindingView]:
    """Bound customers, newest binding first (``after``: the last ``customer_id`` seen is not
    a cursor; pages go by binding id through ``limit``)."""
    query = (
        select(LeaderBinding, Leader)
        .join(Leader, Leader.id == LeaderBinding.leader_id)
        .order_by(LeaderBinding.id.desc())
        .limit(limit)
    )
    scope = leader_scope(session, viewer)
    if scope is not None:
        query = query.where(LeaderBinding.leader_id == scope)
    if leader is not None:
        query = query.where(Leader.code == leader)
    if after is not None:
        query = query.where(LeaderBinding.id < after)
    rows = list(session.execute(query))
    ids = [binding.customer_id for binding, _ in rows]
    oneids = profiles.oneids_of(session, ids)
    names = {pid: p.name for pid, p in profiles.people_of(session, ids).items()}
    lock = _lock(session)
    return [_view(b, owner, viewer, lock, oneids, names) for b, owner in rows]


def history_of(
    session: Session, customer_id: int, viewer: Principal | None = None
) -> list[BindingChange]:
    """Every touch judged for the person (and anyone merged into them), oldest first. A
    leader sees the history only of a customer bound to them now."""
    survivor = profiles.survivor_of(session, customer_id)
    scope = leader_scope(session, viewer)
    if scope is not None:
        current = _current(session, survivor)
        if scope == NOBODY or current is None or current.leader_id != scope:
            return []
    people = profiles.merged_into(session, survivor)
    rows = session.scalars(
        select(LeaderBindingChange)
        .where(LeaderBindingChange.customer_id.in_(sorted(people)))
        .order_by(LeaderBindingChange.at, LeaderBindingChange.id)
    )
    return [_change(session, row, replayed=False) for row in rows]


def bound_to_viewer(session: Session, principal: Principal, customer_id: int) -> bool:
    """The leader role's row scope (``access.scope_people``): a leader sees the customers
    bound to them now."""
    if principal.role != Role.LEADER:
        return True
    scope = leader_scope(session, principal)
    current = _current(session, profiles.survivor_of(session, customer_id))
    return scope not in (None, NOBODY) and current is not None and current.leader_id == scope
