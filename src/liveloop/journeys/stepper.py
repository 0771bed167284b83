"""The journey stepper: letting people in, and waking the steps that are due.

    enter(session, journey, definition, customer_id, entry_key=…, at=…, now=…)
    run_due(factory, clock, book)       # one batch of due states; returns steps run

A batch locks its states (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several worker processes
share the work; SQLite has one writer) and runs each state's steps until it has to wait, all in
ONE transaction with every effect those steps have. Each state runs in a savepoint: a step that
raises rolls back only that state, which is retried with back-off and failed after
``MAX_ATTEMPTS``. A crash rolls the whole batch back, and the next batch runs it again — the
effects are written with idempotency keys built from the state and its step counter
(``journey:<state>:<n>:<step>``), so nothing is sent twice and nothing is skipped.

Time: a step's "logical" time is when it became due (``due_at``), so waits add up exactly even
when a worker catches up late; effects outside the journey (a coupon's validity, a message's
creation) use the clock's ``now``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session, sessionmaker

from liveloop.clock import Clock
from liveloop.journeys import definition as d
from liveloop.journeys.contracts import OPEN, JourneyStatus, StateStatus, StepOutcome
from liveloop.journeys.models import Journey, JourneyState, JourneyStepRun, JourneyVersion
from liveloop.profiles import service as profiles
from liveloop.store.consumers import backoff
from liveloop.store.engine import dialect_insert, for_update, transaction
from liveloop.store.eventlog import Event

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
MAX_STEPS_PER_WAKE = 50  # a guard against a journey that loops without waiting


class Book:
    """Journey definitions by (journey id, version). Versions never change, so they are parsed
    once per process and kept."""

    def __init__(self) -> None:
        self._parsed: dict[tuple[int, int], d.Journey] = {}
        self._any = False

    def any_journeys(self, session: Session) -> bool:
        """Whether the store holds a journey yet (journeys are archived, never deleted, so once
        true it stays true): until then the consumer has nothing to do per event."""
        if not self._any:
            self._any = session.scalar(select(Journey.id).limit(1)) is not None
        return self._any

    def definition(self, session: Session, journey_id: int, version: int) -> d.Journey:
        key = (journey_id, version)
        if key not in self._parsed:
            document = session.scalar(
                select(JourneyVersion.definition).where(
                    JourneyVersion.journey_id == journey_id, JourneyVersion.version == version
                )
            )
            if document is None:
                raise LookupError(f"journey {journey_id} has no version {version}")
            # Stored definitions were validated when saved; rules need no second check.
            self._parsed[key] = d.Journey.model_validate(document)
        return self._parsed[key]


def variant_of(
    journey_key: str, step: str, customer_id: int, variants: list[d.Variant]
) -> d.Variant:
    """The same person always gets the same variant of a split (a stable hash, not random);
    two splits in one journey draw independently."""
    digest = hashlib.sha256(f"{journey_key}:{step}:{customer_id}".encode()).digest()
    bucket = int.from_bytes(digest[:4], "big") % 100
    for variant in variants:
        if bucket < variant.percent:
            return variant
        bucket -= variant.percent
    return variants[-1]


# ---- entering ----------------------------------------------------------------------------------


def enter(
    session: Session,
    journey: Journey,
    definition: d.Journey,
    customer_id: int,
    *,
    entry_key: str,
    at: datetime,
    now: datetime,
    context: dict[str, Any] | None = None,
) -> int | None:
    """Let one person in at ``at`` (the trigger's time), if the reentry rule and the audience
    allow; returns the new state's id, or None when they stay out (or were already let in by
    this same ``entry_key``)."""
    if not _may_reenter(session, journey.id, customer_id, definition.reentry, at):
        return None
    if definition.audience is not None:
        from liveloop.segments.service import members_among, parse_rule

        # Judged as of the trigger's moment: "first order" means first when it was placed,
        # even if the consumer reaches the event after a second one.
        rule = parse_rule(definition.audience)
        if customer_id not in members_among(session, rule, [customer_id], min(at, now)):
            return None
    first = definition.steps[0].id
    goal_until = at + d.duration(definition.goal.within) if definition.goal else None
    result = session.execute(
        dialect_insert(session)(JourneyState)
        .values(
            journey_id=journey.id,
            version=journey.version,
            customer_id=customer_id,
            entry_key=entry_key[:128],
            status=StateStatus.ACTIVE,
            step=first,
            due_at=at,
            context={"seq": 0, **(context or {})},
            entered_at=at,
            updated_at=now,
            goal_until=goal_until,
            revenue=0,
            attempts=0,
        )
        .on_conflict_do_nothing(index_elements=["journey_id", "customer_id", "entry_key"])
        .returning(JourneyState.id)
    )
    return result.scalar()


def _may_reenter(
    session: Session, journey_id: int, customer_id: int, rule: d.Reentry, at: datetime
) -> bool:
    previous = session.execute(
        select(JourneyState.status, JourneyState.entered_at).where(
            JourneyState.journey_id == journey_id, JourneyState.customer_id == customer_id
        )
    ).all()
    if not previous:
        return True
    if rule.policy == "never" or any(status in OPEN for status, _ in previous):
        return False
    if rule.policy == "always":
        return True
    last = max(entered for _, entered in previous)
    return at >= last + d.duration(rule.wait or "0s")


# ---- waking due steps --------------------------------------------------------------------------


@dataclass
class Wake:
    """What one state's steps see while they run."""

    session: Session
    state: JourneyState
    journey: Journey
    definition: d.Journey
    now: datetime
    tz: ZoneInfo
    at: datetime  # the step's logical time
    runs: list[dict[str, Any]] = field(default_factory=list)

    def key(self, step: str) -> str:
        """The idempotency key of this step's effect: unique per state and pass."""
        return f"journey:{self.state.id}:{self.state.context.get('seq', 0)}:{step}"

    def origin(self, step: str) -> dict[str, Any]:
        return {
            "journey_id": self.journey.id,
            "journey_version": self.state.version,
            "step": step,
            "state_id": self.state.id,
        }


@dataclass(frozen=True)
class Outcome:
    """A step's result: where to go next, and whether to wait first."""

    outcome: str = StepOutcome.DONE
    next: str | None = None  # None: the step's default next
    detail: str | None = None
    message_id: int | None = None
    wait_until: datetime | None = None
    wait_for: str | None = None  # an event name (with wait_until as its timeout)


Executor = Callable[[Wake, Any], Outcome]


@dataclass(frozen=True)
class Batch:
    states: int = 0
    steps: int = 0


class _StateFailed(Exception):
    """A state's step raised while the batch ran without savepoints."""


def run_due(
    factory: sessionmaker[Session],
    clock: Clock,
    book: Book,
    executors: dict[str, Executor],
    tz: ZoneInfo,
    limit: int = 500,
) -> Batch:
    """Run one batch of due states. The batch first runs without a savepoint per state (two
    round trips fewer per person); if any state's step raises, that attempt is rolled back
    whole and the batch runs again with savepoints, retrying only the states that fail."""
    try:
        return _run_batch(factory, clock.now(), book, executors, tz, limit, careful=False)
    except _StateFailed:
        return _run_batch(factory, clock.now(), book, executors, tz, limit, careful=True)


def _run_batch(
    factory: sessionmaker[Session],
    now: datetime,
    book: Book,
    executors: dict[str, Executor],
    tz: ZoneInfo,
    limit: int,
    *,
    careful: bool,
) -> Batch:
    with transaction(factory) as session:
        query = (
            select(JourneyState, Journey)
            .join(Journey, Journey.id == JourneyState.journey_id)
            .where(
                JourneyState.status.in_(OPEN),
                JourneyState.due_at <= now,
                Journey.status == JourneyStatus.ACTIVE,
            )
            .order_by(JourneyState.due_at)
            .limit(limit)
        )
        found = session.execute(for_update(session, query, of=JourneyState, skip_locked=True)).all()
        # The batch's people, loaded in one query: steps find them in the session from now on.
        people = load_people(session, [state.customer_id for state, _ in found])
        batch = [(s, j) for s, j in found if follow_merge(session, s, people, now)]
        exits = _exits(session, book, batch, now)
        runs: list[dict[str, Any]] = []
        steps = 0
        for state, journey in batch:
            wake = Wake(
                session,
                state,
                journey,
                book.definition(session, journey.id, state.version),
                now,
                tz,
                at=state.due_at or now,
            )
            # No autoflush: the state's own changes are written once, at the commit, not
            # before every statement its steps run.
            if not careful:
                try:
                    with session.no_autoflush:
                        steps += _advance(wake, executors, exited=state.id in exits)
                except Exception as exc:
                    raise _StateFailed from exc
            else:
                try:
                    with session.begin_nested(), session.no_autoflush:
                        steps += _advance(wake, executors, exited=state.id in exits)
                        session.flush()  # a state that cannot be written fails alone
                except Exception as exc:
                    _retry_later(state, exc, now)
                    continue
            runs.extend(wake.runs)
        try:
            session.flush()
            if runs:
                session.execute(insert(JourneyStepRun), runs)
        except Exception as exc:
            if careful:
                raise
            raise _StateFailed from exc
        del people
        return Batch(len(found), steps)


def load_people(session: Session, ids: list[int]) -> dict[int, profiles.Person]:
    return profiles.people_of(session, ids)


def follow_merge(
    session: Session, state: JourneyState, people: dict[int, profiles.Person], now: datetime
) -> bool:
    """OneID merged this state's person into another since they entered: the survivor goes on
    in their place — unless the survivor is already inside the journey (or entered it by the
    same trigger), when this state ends as merged. Returns whether the state goes on."""
    person = people.get(state.customer_id)
    if person is None or person.merged_into_id is None:
        return True
    survivor = profiles.survivor_of(session, state.customer_id)
    clash = session.scalar(
        select(JourneyState.id).where(
            JourneyState.journey_id == state.journey_id,
            JourneyState.customer_id == survivor,
            JourneyState.id != state.id,
            or_(JourneyState.status.in_(OPEN), JourneyState.entry_key == state.entry_key),
        )
    )
    if clash is not None:
        state.status, state.step, state.due_at, state.waiting_for = (
            StateStatus.EXITED,
            None,
            None,
            None,
        )
        state.finished_at, state.exit_reason, state.updated_at = now, "merged", now
        return False
    state.customer_id = survivor
    if survivor not in people:
        people.update(load_people(session, [survivor]))
    return True


def _exits(session: Session, book: Book, batch: Sequence[Any], now: datetime) -> set[int]:
    """States whose person now meets their journey's exit condition (one query per journey)."""
    by_rule: dict[tuple[int, int], list[JourneyState]] = {}
    for state, journey in batch:
        if book.definition(session, journey.id, state.version).exit.condition is not None:
            by_rule.setdefault((journey.id, state.version), []).append(state)
    if not by_rule:
        return set()
    from liveloop.segments.service import members_among, parse_rule

    leaving: set[int] = set()
    for (journey_id, version), states in by_rule.items():
        rule = parse_rule(book.definition(session, journey_id, version).exit.condition or {})
        inside = members_among(session, rule, [s.customer_id for s in states], now)
        leaving.update(s.id for s in states if s.customer_id in inside)
    return leaving


def _advance(wake: Wake, executors: dict[str, Executor], *, exited: bool) -> int:
    state, journey = wake.state, wake.definition
    if exited:
        _finish(wake, StateStatus.EXITED, "exit condition met")
        return 0
    woken = state.context.get("woken_at_step")
    if woken is not None:  # the consumer saw the awaited event and moved the state on
        _record(wake, journey.step(woken), Outcome(StepOutcome.EVENT))
        state.context = {k: v for k, v in state.context.items() if k != "woken_at_step"}
    if state.status == StateStatus.WAITING:
        # Timed out — unless the event is in the log after all (it came while the consumer
        # ran ahead of this state, or is not consumed yet): then it is the event path.
        step = journey.step(state.step or "")
        since = datetime.fromisoformat(state.context.get("waiting_since", wake.at.isoformat()))
        came = happened(wake.session, state.customer_id, step.event, since, wake.at)
        _record(wake, step, Outcome(StepOutcome.EVENT if came else StepOutcome.TIMEOUT))
        state.status, state.waiting_for = StateStatus.ACTIVE, None
        state.step = step.on_event if came else step.on_timeout
    steps = 0
    while steps < MAX_STEPS_PER_WAKE:
        if state.step == d.END:
            _finish(wake, StateStatus.DONE)
            return steps
        step = journey.step(state.step or "")
        outcome = executors[step.type](wake, step)
        steps += 1
        _record(wake, step, outcome)
        state.context = {**state.context, "seq": state.context.get("seq", 0) + 1}
        if outcome.wait_for is not None:
            state.status, state.waiting_for = StateStatus.WAITING, outcome.wait_for
            state.due_at = outcome.wait_until
            state.context = {**state.context, "waiting_since": wake.at.isoformat()}
            break
        state.step = outcome.next or journey.after(step.id)
        if outcome.wait_until is not None:
            state.due_at = outcome.wait_until
            break
    else:
        raise RuntimeError(f"more than {MAX_STEPS_PER_WAKE} steps without a wait")
    state.updated_at, state.attempts, state.last_error = wake.now, 0, None
    return steps


def happened(
    session: Session, customer_id: int, event: str, since: datetime, until: datetime
) -> bool:
    """Whether the person (or anyone merged into them) did ``event`` in [since, until]."""
    people = profiles.merged_into(session, customer_id)
    found = session.scalar(
        select(Event.id)
        .where(
            Event.customer_id.in_(people),
            Event.name == event,
            Event.timestamp >= since,
            Event.timestamp <= until,
        )
        .limit(1)
    )
    return found is not None


def _record(wake: Wake, step: Any, outcome: Outcome) -> None:
    wake.runs.append(
        {
            "state_id": wake.state.id,
            "journey_id": wake.journey.id,
            "version": wake.state.version,
            "step": step.id,
            "kind": step.type,
            "outcome": outcome.outcome[:48],
            "detail": (outcome.detail or None) and str(outcome.detail)[:255],
            "message_id": outcome.message_id,
            "at": wake.now,
        }
    )


def _finish(wake: Wake, status: str, reason: str | None = None) -> None:
    state = wake.state
    state.status, state.step, state.due_at, state.waiting_for = status, None, None, None
    state.finished_at, state.exit_reason, state.updated_at = wake.now, reason, wake.now


def _retry_later(state: JourneyState, exc: Exception, now: datetime) -> None:
    state.attempts = (state.attempts or 0) + 1
    state.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    log.warning("journey state %s failed (attempt %s): %s", state.id, state.attempts, exc)
    if state.attempts >= MAX_ATTEMPTS:
        state.status, state.finished_at, state.exit_reason = (
            StateStatus.FAILED,
            now,
            "step kept failing",
        )
    else:
        state.due_at = now + backoff(state.attempts, base_seconds=30)
    state.updated_at = now


def run_until_idle(
    factory: sessionmaker[Session],
    clock: Clock,
    book: Book,
    executors: dict[str, Executor],
    tz: ZoneInfo,
) -> int:
    """Run batches until nothing is due; returns the steps run."""
    total = 0
    while (batch := run_due(factory, clock, book, executors, tz)).states:
        total += batch.steps
    return total


def next_local(after: datetime, at: str, tz: ZoneInfo) -> datetime:
    """The first local ``at`` (HH:MM) strictly after ``after``, as a UTC-aware time."""
    wall = d.clock_time(at)
    local = after.astimezone(tz)
    candidate = local.replace(hour=wall.hour, minute=wall.minute, second=0, microsecond=0)
    if candidate <= local:
        candidate += timedelta(days=1)
    return candidate.astimezone(after.tzinfo)
