"""Each ended show's post-live report, made as soon as the show ends (the ``live-reports``
consumer follows the profiles consumer on ``Live Ended``, so every viewer is already resolved
to a person) and again on request; kept per show, its follow-up audiences saved for segments,
and ``Live Report Ready`` stated for the content library's clip candidates.

Invariant: one report per show — making it again replaces the document, the audiences and
nothing else, so a replayed ``Live Ended`` or a second request is harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop import spec
from liveloop.live import events
from liveloop.live.audiences import save_audiences
from liveloop.live.contracts import FollowUp
from liveloop.live.models import LiveReport, LiveSession
from liveloop.live.report.build import build_report
from liveloop.profiles import service as profiles
from liveloop.store.consumers import Consumers
from liveloop.store.eventlog import Event, LoggedEvent

REPORTS_CONSUMER = "live-reports"
# The show's shelf (names, live prices, stock) by its id; the rooms-and-shows piece provides it.
ShelfOf = Callable[[Session, int], Sequence[Any]]


class ReportNotReady(LookupError):
    """The show has not ended (or does not exist), so it has no report."""


@dataclass(frozen=True)
class ReportView:
    live_session_id: int
    made_at: datetime
    document: dict[str, Any]


def make_report(
    session: Session, live_session_id: int, now: datetime, shelf_of: ShelfOf
) -> ReportView:
    """Make (or make again) the report of an ended show, in the caller's transaction."""
    show = session.get(LiveSession, live_session_id)
    if show is None or show.started_at is None or show.ended_at is None:
        raise ReportNotReady(f"live session {live_session_id} has not ended")
    invited = _invited(session, live_session_id)
    document, audiences = build_report(
        session,
        show,
        shelf_of(session, live_session_id),
        invited=invited,
        new_customers=profiles.created_between(session, show.started_at, show.ended_at),
    )
    row = session.get(LiveReport, live_session_id)
    if row is None:
        row = LiveReport(live_session_id=live_session_id)
        session.add(row)
    row.made_at, row.document = now, document
    details = {FollowUp.ASKED_UNANSWERED: asked_by_person(document)}
    save_audiences(session, live_session_id, audiences, now, details)
    events.report_ready(
        session,
        at=now,
        room=show.room,
        live_session_id=live_session_id,
        title=show.title,
        clips=document["clips"],
    )
    session.flush()
    return ReportView(live_session_id, now, document)


def asked_by_person(document: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Per asker, the report's open question clusters they asked (aspect, sku, text, product),
    most askers first as the report orders them: what a journey answers with content."""
    asked: dict[int, dict[str, Any]] = {}
    for cluster in document.get("questions", {}).get("clusters", ()):
        if cluster.get("status") != "open":
            continue
        entry = {key: cluster.get(key) for key in ("aspect", "sku", "text", "product")}
        for customer_id in cluster.get("customer_ids", ()):
            asked.setdefault(customer_id, {"asked": []})["asked"].append(entry)
    return asked


def report_of(session: Session, live_session_id: int) -> ReportView | None:
    row = session.get(LiveReport, live_session_id)
    if row is None:
        return None
    return ReportView(row.live_session_id, row.made_at, dict(row.document))


def _invited(session: Session, live_session_id: int) -> list[int]:
    """People who booked the show (``Live Reminder Set`` naming it)."""
    booked = Event.properties["live_session_id"].as_integer()
    query = select(Event.customer_id).where(
        Event.name == spec.LIVE_REMINDER_SET,
        Event.customer_id.is_not(None),
        booked == live_session_id,
    )
    return sorted({c for c in session.scalars(query) if c is not None})


def subscribe(consumers: Consumers, shelf_of: ShelfOf) -> None:
    if REPORTS_CONSUMER in consumers:
        return

    def handle(session: Session, event: LoggedEvent) -> None:
        live_session_id = event.properties.get("live_session_id")
        if isinstance(live_session_id, int):
            make_report(session, live_session_id, event.timestamp, shelf_of)

    consumers.subscribe(
        REPORTS_CONSUMER,
        handle,
        names={events.LIVE_ENDED},
        batch_size=1,
        follows=profiles.PROFILES_CONSUMER,
    )
