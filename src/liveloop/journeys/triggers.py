"""How people get into journeys, and how events move the people already inside.

- ``on_event``, the journeys consumer of the event log (it follows the profiles consumer, so every
  event already names its person): for that person it ends the states the event exits, counts
  the goal, wakes a ``wait_for_event``, then lets them into journeys the event triggers —
  in that order, so the event that lets someone in never also counts as their conversion.
- ``scan``: people whose birthday or predicted run-out date comes up, scheduled audiences and
  the audiences of calendar days (冬至, 中秋, the brand's 会员日 … through ``almanac``), once
  per local slot (``Journey.scanned_through`` remembers the last, and the state's entry key
  makes a repeated slot harmless).
- An ``Identities Merged`` event moves the merged person's open states to the survivor.
"""

from __future__ import annotations

import calendar
import logging
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from liveloop import spec
from liveloop.almanac import service as almanac
from liveloop.analytics import service as analytics
from liveloop.identity import events as identity_events
from liveloop.journeys import definition as d
from liveloop.journeys.contracts import OPEN, JourneyStatus, StateStatus
from liveloop.journeys.models import Journey, JourneyState
from liveloop.journeys.stepper import Book, enter, follow_merge, load_people
from liveloop.profiles import service as profiles
from liveloop.segments import events as segment_events
from liveloop.store.engine import for_update
from liveloop.store.eventlog import LoggedEvent

JOURNEYS_CONSUMER = "journeys"
SEGMENT_ENTERED = segment_events.SEGMENT_ENTERED
IDENTITIES_MERGED = identity_events.IDENTITIES_MERGED
MAX_REVENUE = Decimal("1e9")
log = logging.getLogger(__name__)


def trigger_event(definition: d.Journey) -> str | None:
    """The event name the consumer looks journeys up by."""
    if isinstance(definition.trigger, d.EventTrigger):
        return definition.trigger.event
    if isinstance(definition.trigger, d.SegmentTrigger):
        return SEGMENT_ENTERED
    return None


def on_event(session: Session, event: LoggedEvent, book: Book, now: datetime) -> None:
    if event.customer_id is None or not book.any_journeys(session):
        return
    person = profiles.survivor_of(session, event.customer_id)
    if event.name == IDENTITIES_MERGED:
        _adopt(session, event, now)
    _move_people_inside(session, event, person, book)
    if event.name is None:
        return
    for journey in _triggered_by(session, event.name):
        if journey.entry_since is not None and event.timestamp < journey.entry_since:
            continue
        definition = book.definition(session, journey.id, journey.version)
        if not _triggers(definition.trigger, event):
            continue
        enter(
            session,
            journey,
            definition,
            person,
            entry_key=_entry_key(event),
            at=event.timestamp,
            now=now,
            context={"trigger": {"event": event.name, **event.properties}},
        )


def _entry_key(event: LoggedEvent) -> str:
    """One entry per event — but one per order for ``Order Completed``, which happens once to an
    order: an order-ledger source's and the one commerce logs as it records that order are one
    purchase, and must not enter the buyer twice. (Other events about an order, a second partial
    refund or reminder, are facts of their own.)"""
    order = event.properties.get("order_id")
    if event.name == spec.ORDER_COMPLETED and isinstance(order, str | int) and str(order):
        return f"{event.name}:order:{order}"
    return f"event:{event.id}"


def _triggered_by(session: Session, name: str) -> list[Journey]:
    """Active journeys an event name starts, read once per consumer batch (its transaction):
    a journey switched on meanwhile counts from the next batch."""
    cache = session.info.get("journeys_by_trigger")
    if cache is None:
        cache = {}
        for journey in session.scalars(
            select(Journey).where(
                Journey.status == JourneyStatus.ACTIVE, Journey.trigger_event.is_not(None)
            )
        ):
            cache.setdefault(journey.trigger_event, []).append(journey)
        session.info["journeys_by_trigger"] = cache
    return list(cache.get(name, []))


def _triggers(trigger: Any, event: LoggedEvent) -> bool:
    if isinstance(trigger, d.SegmentTrigger):
        return trigger.segment in (
            str(event.properties.get("segment_name")),
            str(event.properties.get("segment_id")),
        )
    return all(event.properties.get(name) == value for name, value in trigger.properties.items())


def _adopt(session: Session, event: LoggedEvent, now: datetime) -> None:
    """OneID merged a person into the event's survivor: their journeys go on as the
    survivor's (``follow_merge``)."""
    merged = event.properties.get("merged_customer_id")
    if not isinstance(merged, int):
        return
    states = session.scalars(
        for_update(
            session,
            select(JourneyState).where(
                JourneyState.customer_id == merged, JourneyState.status.in_(OPEN)
            ),
        )
    ).all()
    people = load_people(session, [merged])
    for state in states:
        follow_merge(session, state, people, now)


def _move_people_inside(session: Session, event: LoggedEvent, person: int, book: Book) -> None:
    at = event.timestamp
    # Locked: wait for a worker that holds these states and read them as it left them, so an
    # event never overwrites a step the worker has just taken.
    states = session.scalars(
        for_update(
            session,
            select(JourneyState)
            .where(
                JourneyState.customer_id == person,
                or_(
                    JourneyState.status.in_(OPEN),
                    and_(JourneyState.converted_at.is_(None), JourneyState.goal_until >= at),
                ),
            )
            .order_by(JourneyState.entered_at.desc(), JourneyState.id.desc()),
        )
    ).all()
    credited: set[int] = set()  # one conversion per journey: the latest entry takes it
    for state in states:
        if at < state.entered_at:
            continue
        definition = book.definition(session, state.journey_id, state.version)
        goal = definition.goal
        if (
            goal is not None
            and state.journey_id not in credited
            and state.converted_at is None
            and event.name == goal.event
            and state.goal_until is not None
            and at <= state.goal_until
        ):
            state.converted_at, state.revenue = at, _revenue(event.properties)
            credited.add(state.journey_id)
        if state.status not in OPEN:
            continue
        if event.name in definition.exit.events:
            state.status, state.step, state.due_at, state.waiting_for = (
                StateStatus.EXITED,
                None,
                None,
                None,
            )
            state.finished_at, state.exit_reason = at, f"event: {event.name}"[:64]
        elif (
            state.status == StateStatus.WAITING
            and state.waiting_for == event.name
            and (state.due_at is None or at <= state.due_at)
        ):
            since = state.context.get("waiting_since")
            if since is None or at >= datetime.fromisoformat(since):
                step = definition.step(state.step or "")
                state.status, state.waiting_for, state.step = (
                    StateStatus.ACTIVE,
                    None,
                    step.on_event,
                )
                state.due_at = at
                state.context = {**state.context, "woken_at_step": step.id}


def _revenue(properties: dict[str, Any]) -> Decimal:
    for name in ("revenue", "total", "value"):
        try:
            amount = Decimal(str(properties[name]))
        except (KeyError, InvalidOperation):
            continue
        if amount.is_finite() and 0 <= amount < MAX_REVENUE:
            return amount.quantize(Decimal("0.01"))
    return Decimal("0")


# ---- date and schedule triggers ----------------------------------------------------------------


def scan(session: Session, book: Book, now: datetime, tz: ZoneInfo) -> int:
    """Let in everyone whose date or schedule slot has come; returns people let in."""
    entered = 0
    journeys = session.scalars(
        select(Journey).where(
            Journey.status == JourneyStatus.ACTIVE, Journey.trigger_event.is_(None)
        )
    ).all()
    for journey in journeys:
        definition = book.definition(session, journey.id, journey.version)
        trigger = definition.trigger
        slot = _due_slot(trigger, journey, now, tz)
        if slot is None:
            continue
        slot_key, day = slot
        entry_key = f"{trigger.type}:{slot_key}"
        if isinstance(trigger, d.DateTrigger):
            people = _dated_people(session, trigger, day, tz)
        elif isinstance(trigger, d.ScheduleTrigger):
            from liveloop.segments.service import member_ids, parse_rule

            people = [(p, {}) for p in member_ids(session, parse_rule(trigger.audience), now)]
        elif isinstance(trigger, d.CalendarTrigger):
            people, entry_key = _calendar_people(session, trigger, day, now, tz)
        else:
            continue
        for person, context in people:
            if enter(
                session,
                journey,
                definition,
                person,
                entry_key=entry_key,
                at=now,
                now=now,
                context={"trigger": {"event": trigger.type, **context}},
            ):
                entered += 1
        journey.scanned_through = slot_key
    return entered


def _due_slot(
    trigger: Any, journey: Journey, now: datetime, tz: ZoneInfo
) -> tuple[str, date] | None:
    """The local slot (its key and day) that has come and was not scanned yet, if any."""
    local = now.astimezone(tz)
    wall = d.clock_time(trigger.at)
    if local.time() < wall:
        return None
    day = local.date()
    if isinstance(trigger, d.ScheduleTrigger):
        if trigger.every == "week" and day.isoweekday() != trigger.weekday:
            return None
        if trigger.every == "once" and day.isoformat() != trigger.on:
            return None
    # A date trigger's slot is its day (moving ``at`` must not let the same people in twice);
    # a schedule's is the day and time.
    key = day.isoformat()
    if isinstance(trigger, d.ScheduleTrigger):
        key += f"T{trigger.at}"
    if journey.scanned_through is not None and journey.scanned_through >= key:
        return None
    started = journey.entry_since
    if started is not None and datetime.combine(day, wall, tz) < started.astimezone(tz):
        return None  # the slot was before the journey was switched on
    return key, day


def _dated_people(
    session: Session, trigger: d.DateTrigger, day: date, tz: ZoneInfo
) -> list[tuple[int, dict[str, Any]]]:
    target = day - timedelta(days=trigger.offset_days)
    if trigger.date == "birthday":
        days = [(target.month, target.day)]
        if (target.month, target.day) == (2, 28) and not calendar.isleap(target.year):
            days.append((2, 29))  # 29 February birthdays are kept on the 28th in common years
        rows = profiles.born_on(session, days)
        return [(person, {"birthday": target.isoformat()}) for person in rows]
    start = datetime.combine(target, time(0), tz)
    predictions = analytics.running_out(session, start, start + timedelta(days=1))
    # One entry per person and day, naming every product that runs out that day.
    skus: dict[int, list[str]] = {}
    for prediction in predictions:
        skus.setdefault(prediction.customer_id, []).append(prediction.sku)
    return [
        (person, {"sku": names[0], "skus": names, "runout_on": target.isoformat()})
        for person, names in skus.items()
    ]


def _calendar_people(
    session: Session, trigger: d.CalendarTrigger, day: date, now: datetime, tz: ZoneInfo
) -> tuple[list[tuple[int, dict[str, Any]]], str]:
    """The audience of a calendar trigger whose day (shifted by its offset) is ``day``, and
    their entry key: the calendar day's name and date, so each person enters once per
    occurrence — once a year for a yearly day — however often the slot is scanned and
    whatever version of the journey is active."""
    target = day - timedelta(days=trigger.offset_days)
    entry_key = f"calendar:{trigger.day}:{target.isoformat()}"
    if trigger.year is not None and target.year != trigger.year:
        return [], entry_key
    found = almanac.occurrence_on(session, trigger.day, target, tz=tz)
    if found is None:
        return [], entry_key
    from liveloop.segments.service import list_segments, member_ids, parse_rule

    rule = trigger.audience
    if rule is None:
        saved = {segment.name: segment for segment in list_segments(session)}
        segment = saved.get(trigger.segment or "")
        if segment is None:
            log.warning(
                "journeys: calendar trigger names segment %r, which is gone", trigger.segment
            )
            return [], entry_key
        rule = segment.rule
    context = {
        "day": found.name,
        "kind": str(found.kind),
        "date": found.date.isoformat(),
        **({"moment": found.moment.isoformat()} if found.moment is not None else {}),
        **trigger.properties,
    }
    return [(person, context) for person in member_ids(session, parse_rule(rule), now)], entry_key
