"""Journeys facade: save and version journeys, switch them on and off, and run them.

save_journey(session, text_or_doc, by="ops", now=now)   # new journey, or a new version
activate(session, "cart-abandonment", now)
engine = JourneyEngine(tz); engine.subscribe(consumers); engine.tick(factory, clock)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from liveloop.almanac import service as almanac
from liveloop.clock import Clock
from liveloop.errors import DomainError
from liveloop.journeys import definition as d
from liveloop.journeys import stepper, steps, triggers
from liveloop.journeys.contracts import OPEN, JourneyStatus, StateStatus
from liveloop.journeys.definition import END as END
from liveloop.journeys.definition import KEY as KEY
from liveloop.journeys.metrics import journey_metrics as journey_metrics
from liveloop.journeys.models import Journey, JourneyState, JourneyVersion
from liveloop.profiles import service as profiles
from liveloop.profiles.service import PROFILES_CONSUMER, Handled, declare_merge_policy
from liveloop.store.consumers import Consumers
from liveloop.store.engine import for_update, transaction
from liveloop.store.eventlog import LoggedEvent

if TYPE_CHECKING:
    from liveloop.journeys.builtin import BuiltIn, BuiltInStatus

JourneyDefinition = d.Journey  # a journey's validated definition, for the console
DefinitionError = d.DefinitionError


def parse_definition(document: str | dict[str, Any]) -> JourneyDefinition:
    """A journey definition checked as ``save_journey`` checks it (without storing it)."""
    return d.parse(document)


JOURNEYS_TASK = "journeys"
SCAN_EVERY = timedelta(minutes=1)
log = logging.getLogger(__name__)


class JourneyNotFound(DomainError):
    status = 404


class JourneyConflict(DomainError):
    status = 409


@dataclass(frozen=True)
class JourneyInfo:
    id: int
    key: str
    name: str
    status: str
    version: int
    trigger: str
    template: str | None
    inside: int  # people in it now
    entered: int  # people who ever entered
    updated_at: datetime


def save_journey(
    session: Session,
    document: str | dict[str, Any],
    *,
    by: str,
    now: datetime,
    template: str | None = None,
) -> JourneyInfo:
    """Store a journey: new keys create it (as a draft), known keys get a new version that
    people entering from now on follow; people inside finish on the version they entered on."""
    definition = d.parse(document)
    _check_calendar_day(session, definition)
    journey = session.scalar(
        for_update(session, select(Journey).where(Journey.key == definition.key))
    )
    if journey is None:
        journey = Journey(
            key=definition.key,
            status=JourneyStatus.DRAFT,
            version=0,
            template=template,
            created_by=by,
            created_at=now,
        )
        session.add(journey)
    elif journey.status == JourneyStatus.ARCHIVED:
        raise JourneyConflict(f"journey {definition.key} is archived; give it a new key")
    journey.name = definition.name
    journey.version += 1
    journey.trigger_event = triggers.trigger_event(definition)
    journey.updated_at = now
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise JourneyConflict(
            f"journey {definition.key} was just created by someone else; retry"
        ) from None
    session.add(
        JourneyVersion(
            journey_id=journey.id,
            version=journey.version,
            definition=definition.model_dump(mode="json", by_alias=True),
            created_by=by,
            created_at=now,
        )
    )
    session.flush()
    return _info(session, journey)


def _check_calendar_day(session: Session, definition: d.Journey) -> None:
    """A calendar trigger's day must be one the calendar knows (the brand's dates are in the
    store, so this is checked here rather than when the text is parsed)."""
    trigger = definition.trigger
    if isinstance(trigger, d.CalendarTrigger) and not almanac.is_day_name(session, trigger.day):
        raise d.DefinitionError(
            "the journey definition is not valid",
            [
                {
                    "path": "trigger.day",
                    "reason": f"日历上没有「{trigger.day}」:可用节气(如 冬至)、节日(如 中秋)、"
                    "电商节(如 双11)或已添加的品牌日",
                }
            ],
        )


Action = Literal["activate", "pause", "archive"]


def change_status(
    session: Session, key: str, action: Action, now: datetime, *, since: datetime | None = None
) -> JourneyInfo:
    """activate: let people in from ``since`` (default now) and run the people inside;
    pause: hold everyone where they are; archive: end the journey for everyone inside."""
    journey = _journey(session, key, lock=True)
    if journey.status == JourneyStatus.ARCHIVED:
        raise JourneyConflict(f"journey {key} is archived")
    if action == "activate":
        if journey.status != JourneyStatus.ACTIVE:
            journey.entry_since = since or now
        journey.status = JourneyStatus.ACTIVE
    elif action == "pause":
        journey.status = JourneyStatus.PAUSED
    else:
        journey.status = JourneyStatus.ARCHIVED
        session.execute(
            update(JourneyState)
            .where(JourneyState.journey_id == journey.id, JourneyState.status.in_(OPEN))
            .values(
                status=StateStatus.EXITED,
                step=None,
                due_at=None,
                waiting_for=None,
                finished_at=now,
                exit_reason="journey archived",
                updated_at=now,
            )
        )
    journey.updated_at = now
    session.flush()
    return _info(session, journey)


def list_journeys(session: Session) -> list[JourneyInfo]:
    return [_info(session, j) for j in session.scalars(select(Journey).order_by(Journey.id))]


def get_journey(session: Session, key: str) -> JourneyInfo:
    return _info(session, _journey(session, key))


def journey_definition(session: Session, key: str, version: int | None = None) -> dict[str, Any]:
    journey = _journey(session, key)
    document = session.scalar(
        select(JourneyVersion.definition).where(
            JourneyVersion.journey_id == journey.id,
            JourneyVersion.version == (version or journey.version),
        )
    )
    if document is None:
        raise JourneyNotFound(f"journey {key} has no version {version}")
    return dict(document)


@dataclass(frozen=True)
class PersonInJourney:
    oneid: str
    version: int
    status: str
    step: str | None
    due_at: datetime | None
    waiting_for: str | None
    variant: str | None
    entered_at: datetime
    finished_at: datetime | None
    exit_reason: str | None
    converted_at: datetime | None
    revenue: Decimal
    last_error: str | None


def people_in(
    session: Session,
    key: str,
    *,
    status: str | None = None,
    step: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[PersonInJourney]]:
    """Who is (or was) in a journey, newest entries first, with the total that match."""
    journey = _journey(session, key)
    where = [JourneyState.journey_id == journey.id]
    if status is not None:
        where.append(JourneyState.status == status)
    if step is not None:
        where.append(JourneyState.step == step)
    total = session.scalar(select(func.count()).select_from(JourneyState).where(*where)) or 0
    states = list(
        session.scalars(
            select(JourneyState)
            .where(*where)
            .order_by(JourneyState.entered_at.desc(), JourneyState.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    oneids = profiles.oneids_of(session, {state.customer_id for state in states})
    return total, [
        PersonInJourney(
            oneids[state.customer_id],
            state.version,
            state.status,
            state.step,
            state.due_at,
            state.waiting_for,
            state.variant,
            state.entered_at,
            state.finished_at,
            state.exit_reason,
            state.converted_at,
            state.revenue,
            state.last_error,
        )
        for state in states
    ]


def _journey(session: Session, key: str, *, lock: bool = False) -> Journey:
    query = select(Journey).where(Journey.key == key)
    journey = session.scalar(for_update(session, query) if lock else query)
    if journey is None:
        raise JourneyNotFound(f"no journey {key}")
    return journey


def _info(session: Session, journey: Journey) -> JourneyInfo:
    counts = dict(
        session.execute(
            select(JourneyState.status, func.count())
            .where(JourneyState.journey_id == journey.id)
            .group_by(JourneyState.status)
        ).all()
    )
    trigger = journey.trigger_event or journey_definition(session, journey.key)["trigger"]["type"]
    return JourneyInfo(
        id=journey.id,
        key=journey.key,
        name=journey.name,
        status=journey.status,
        version=journey.version,
        trigger=str(trigger),
        template=journey.template,
        inside=sum(n for status, n in counts.items() if status in OPEN),
        entered=sum(counts.values()),
        updated_at=journey.updated_at,
    )


class JourneyEngine:
    """What a worker process runs: the journeys consumer and the due-step loop."""

    def __init__(self, tz: ZoneInfo, *, batch_size: int = 500) -> None:
        self.tz = tz
        self.book = stepper.Book()
        self.batch_size = batch_size
        self.scanned_at: datetime | None = None

    def subscribe(self, consumers: Consumers, clock: Clock) -> None:
        def handle(session: Session, event: LoggedEvent) -> None:
            triggers.on_event(session, event, self.book, clock.now())

        if triggers.JOURNEYS_CONSUMER not in consumers:
            consumers.subscribe(
                triggers.JOURNEYS_CONSUMER, handle, batch_size=500, follows=PROFILES_CONSUMER
            )

    def tick(self, factory: sessionmaker[Session], clock: Clock) -> stepper.Batch:
        """Let dated and scheduled people in (slots are whole minutes: at most one scan a
        minute, not a write transaction every worker pass), then run one batch of due steps."""
        now = clock.now()
        if self.scanned_at is None or now - self.scanned_at >= SCAN_EVERY:
            self.scan(factory, clock)
            self.scanned_at = now
        return stepper.run_due(factory, clock, self.book, steps.EXECUTORS, self.tz, self.batch_size)

    def scan(self, factory: sessionmaker[Session], clock: Clock) -> None:
        """Date and schedule triggers; a failed scan (two workers' inserts deadlocking, say) is
        logged and tried again next pass, and never keeps the due steps from running."""
        try:
            with transaction(factory) as session:
                triggers.scan(session, self.book, clock.now(), self.tz)
        except Exception:
            log.exception("journeys: scanning date and schedule triggers failed; will retry")

    def run_task(self, factory: sessionmaker[Session], clock: Clock) -> int:
        return self.tick(factory, clock).states

    def run_until_idle(self, factory: sessionmaker[Session], clock: Clock) -> int:
        self.scan(factory, clock)
        return stepper.run_until_idle(factory, clock, self.book, steps.EXECUTORS, self.tz)


# How a OneID merge treats journeys' tables (see profiles.merge_policies).
declare_merge_policy(
    "journey_states",
    Handled(
        "the merged person's open states move to the survivor on Identities Merged and "
        "at their next wake (journeys.triggers)"
    ),
)


# -- the built-in journeys, published here (journeys.builtin builds on this module, so the
#    facade reaches it when called)


def builtins() -> dict[str, BuiltIn]:
    """The journeys brands run, shipped as YAML: key → its definition and templates."""
    from liveloop.journeys import builtin

    return builtin.builtins()


def list_builtins(session: Session) -> list[BuiltInStatus]:
    from liveloop.journeys import builtin

    return builtin.list_builtins(session)


def switch_on(
    session: Session, key: str, *, by: str, now: datetime, since: datetime | None = None
) -> JourneyInfo:
    """Create the built-in journey ``key`` (with its templates) if needed and activate it;
    ``since`` lets in people from events since then (default: from now on)."""
    from liveloop.journeys import builtin

    return builtin.switch_on(session, key, by=by, now=now, since=since)
