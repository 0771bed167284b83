"""The post-live report of one show, made by replaying its events from the log through the
same ``RoomProcessor`` the host console watched, so the report and the live figures agree.

What it holds: per-minute curves (online, entries, exits, comments, questions, complaints,
clicks, carts, orders, GMV, sentiment) with the action markers; the per-product funnel; the
讲解 segments ranked by GPM; the question clusters answered and missed (the missed-question
rate); the complaints; the high-intent viewers who did not buy; new customers; ROI against the
show's costs; clip candidates (comment-rate and GMV peaks, the best 讲解); and the follow-up
audiences, which it hands to ``live.audiences`` so segments and journeys take them in.

Invariants: the report reads only the log and the show's row, so making it again gives the same
document (plus whatever late events arrived); an order counts once by its ``order_id``; money
is exact (strings of yuan), marked provisional until the order ledger settles it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop import spec
from liveloop.live import events as live_events
from liveloop.live.contracts import FollowUp
from liveloop.live.models import LiveSession
from liveloop.live.stream.figures import gpm, money, ratio
from liveloop.live.stream.processor import RoomProcessor, StreamEvent
from liveloop.store.base import to_money
from liveloop.store.eventlog import Event

# What the replay reads of the room's log: the live spec, the show's own events and orders.
NAMES = (
    spec.LIVE_JOINED,
    spec.LIVE_LEFT,
    spec.LIVE_COMMENT_POSTED,
    spec.LIVE_LIKED,
    spec.LIVE_SHARED,
    spec.LIVE_PRODUCT_CLICKED,
    spec.PRODUCT_ADDED,
    spec.ORDER_COMPLETED,
    live_events.LIVE_STARTED,
    live_events.LIVE_ENDED,
    live_events.LIVE_ACTION_TAKEN,
)
# Leaves and orders that the platform sends a little after the show ends still belong to it.
GRACE = timedelta(minutes=10)
WATCHED_ENOUGH_MINUTES = 5  # "watched ≥ N min and did not buy"
CLIPS_PER_REASON = 3
CLIP_SECONDS = 60
BATCH = 2_000


@dataclass
class _Minute:
    at: int  # Unix seconds of the minute's start
    online: int = 0
    rows: Counter[str] = field(default_factory=Counter)
    gmv: Decimal = Decimal(0)
    sentiment: Counter[str] = field(default_factory=Counter)

    def frame(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "online": self.online,
            **{name: self.rows.get(name, 0) for name in MINUTE_FLOWS},
            "gmv": money(self.gmv),
            "positive": self.sentiment["positive"],
            "neutral": self.sentiment["neutral"],
            "negative": self.sentiment["negative"],
        }


MINUTE_FLOWS = (
    "entries",
    "exits",
    "comments",
    "questions",
    "complaints",
    "likes",
    "clicks",
    "carts",
    "orders",
)


def show_events(
    session: Session, room: str, started_at: datetime, ended_at: datetime
) -> Iterator[StreamEvent]:
    """The show's events from the log in id order, read in pages.

    The ids come first, from the (name, timestamp) index alone; then each page is read by its
    ids (the primary key) and filtered to the room. Paging with ``id > last`` on the full filter
    instead made SQLite search and sort the whole show's range again for every page (the index
    serves the names and times, not the id order): quadratic, 34 s of a 4-hour show's report."""
    in_room = Event.properties["room"].as_string()
    ids = list(
        session.scalars(
            select(Event.id)
            .where(
                Event.name.in_(NAMES),
                Event.timestamp >= started_at - timedelta(minutes=1),
                Event.timestamp <= ended_at + GRACE,
            )
            .order_by(Event.id)
        )
    )
    for start in range(0, len(ids), BATCH):
        page = ids[start : start + BATCH]
        rows = session.scalars(
            select(Event).where(Event.id.in_(page), in_room == room).order_by(Event.id)
        ).all()
        for row in rows:
            yield StreamEvent.from_row(row)


def build_report(
    session: Session,
    show: LiveSession,
    shelf: Sequence[Any],
    *,
    invited: Sequence[int] = (),
    new_customers: frozenset[int] = frozenset(),
) -> tuple[dict[str, Any], dict[FollowUp, set[int]]]:
    """The report document of an ended show and its follow-up audiences (customer ids).
    ``shelf`` is the show's shelf (names, live prices, stock); ``invited`` the people who
    booked it; ``new_customers`` the viewers who became customers during it."""
    if show.started_at is None or show.ended_at is None:
        raise ValueError("a show's report is made once it has started and ended")
    # Every comment in each tick (a console's frame carries only the latest few).
    processor = RoomProcessor(show.room, comments_per_frame=None)
    processor.set_shelf(shelf)
    start = int(show.started_at.timestamp())
    end = int(show.ended_at.timestamp())
    minutes: dict[int, _Minute] = {}
    comments: list[dict[str, Any]] = []
    markers: list[dict[str, Any]] = []
    boundary = start - start % 60 + 60
    pending: list[StreamEvent] = []

    def flush(until: int) -> None:
        processor.apply(pending)
        pending.clear()
        frame = processor.tick(datetime.fromtimestamp(until, UTC))
        comments.extend(c for c in frame["comments"] if not c["by_host"])
        _take(frame, minutes, markers)

    for event in show_events(session, show.room, show.started_at, show.ended_at):
        second = int(event.timestamp.timestamp())
        while second >= boundary:
            flush(boundary)
            boundary += 60
        pending.append(event)
    last = max(end, boundary - 60) + 1
    flush(last)
    final = processor.snapshot(datetime.fromtimestamp(last, UTC))
    for comment in comments:
        at = int(comment["at"])
        minutes.setdefault(at - at % 60, _Minute(at - at % 60)).sentiment[comment["sentiment"]] += 1
    document = _document(show, processor, final, minutes, comments, markers, new_customers, end)
    document["clips"] = _clips(document["curve"], document["segments"], comments, start)
    audiences = _audiences(processor, comments, invited)
    document["audiences"] = {a.value: len(people) for a, people in audiences.items()}
    return document, audiences


def _take(
    frame: dict[str, Any], minutes: dict[int, _Minute], markers: list[dict[str, Any]]
) -> None:
    for row in frame["seconds"]:
        at = int(row["second"])
        minute = minutes.setdefault(at - at % 60, _Minute(at - at % 60))
        minute.online = max(minute.online, int(row["online"]))
        for name in MINUTE_FLOWS:
            minute.rows[name] += int(row.get(name, 0))
        minute.gmv += Decimal(row["gmv"])
    markers.extend(frame["markers"])


def _document(
    show: LiveSession,
    processor: RoomProcessor,
    final: dict[str, Any],
    minutes: dict[int, _Minute],
    comments: list[dict[str, Any]],
    markers: list[dict[str, Any]],
    new_customers: frozenset[int],
    end: int,
) -> dict[str, Any]:
    figures = final["figures"]
    curve = [minutes[at].frame() for at in sorted(minutes)]
    segments = _segments(markers, curve, processor, float(end))
    clusters = final["questions"]
    answered = sum(1 for c in clusters if c["status"] == "answered")
    gmv = Decimal(figures["gmv"]["value"])
    costs = {item: to_money(Decimal(str(amount))) for item, amount in (show.costs or {}).items()}
    spent = sum(costs.values(), Decimal(0))
    viewers = {v.customer_id for v in processor.show.audience.viewers.values() if v.customer_id}
    return {
        "live_session_id": show.id,
        "room": show.room,
        "title": show.title,
        "host": show.host,
        "started_at": show.started_at.isoformat() if show.started_at else None,
        "ended_at": show.ended_at.isoformat() if show.ended_at else None,
        "provisional": True,
        "figures": figures,
        "curve": curve,
        "markers": markers,
        "products": sorted(figures["products"], key=lambda p: -Decimal(p["gmv"]["value"])),
        "segments": segments,
        "questions": {
            "clusters": clusters,
            "answered": answered,
            "missed": len(clusters) - answered,
            "missed_rate": ratio(len(clusters) - answered, len(clusters)),
        },
        "complaints": [c for c in comments if c["intent"] == "complaint"][:200],
        "high_intent_not_bought": final["high_intent"],
        "new_customers": len(new_customers & viewers),
        "roi": {
            "gmv": money(gmv),
            "costs": {item: money(amount) for item, amount in costs.items()},
            "spent": money(spent),
            "roi": float(round(gmv / spent, 2)) if spent else None,
            "provisional": True,
        },
    }


def _segments(
    markers: list[dict[str, Any]],
    curve: list[dict[str, Any]],
    processor: RoomProcessor,
    end: float,
) -> list[dict[str, Any]]:
    """Each 讲解 (start → stop, or → the next start, or → the show's end ``end``) with the GMV
    and the peak online audience of its minutes; ranked by GPM."""
    spans: list[tuple[str, float, float]] = []
    current: tuple[str, float] | None = None
    for marker in sorted(markers, key=lambda m: m["at"]):
        if marker["action"] == "start_explaining" and marker["target"]:
            if current is not None:
                spans.append((current[0], current[1], marker["at"]))
            current = (marker["target"], marker["at"])
        elif marker["action"] == "stop_explaining" and current is not None:
            spans.append((current[0], current[1], marker["at"]))
            current = None
    if current is not None:
        spans.append((current[0], current[1], end))
    out = []
    for sku, began, stopped in spans:
        inside = [m for m in curve if began - 60 < m["at"] <= stopped]
        sales = sum((Decimal(m["gmv"]) for m in inside), Decimal(0))
        audience = max((m["online"] for m in inside), default=0)
        out.append(
            {
                "sku": sku,
                "name": processor.shelf[sku].name if sku in processor.shelf else sku,
                "from": began,
                "to": stopped,
                "seconds": int(stopped - began),
                "gmv": money(sales),
                "orders": sum(m["orders"] for m in inside),
                "peak_online": audience,
                "gpm": money(gpm(sales, audience)),
            }
        )
    out.sort(key=lambda s: -Decimal(s["gpm"]))
    return out


def _clips(
    curve: list[dict[str, Any]],
    segments: list[dict[str, Any]],
    comments: list[dict[str, Any]],
    start: float,
) -> list[dict[str, Any]]:
    """Highlight candidates: the minutes of most comments and of most GMV, and the best 讲解;
    offsets in seconds from the show's start (for cutting a recording), with the comments said
    in them (the content library tags a clip by them)."""
    picked: list[dict[str, Any]] = []

    def add(began: float, ended: float, reason: str, why: str) -> None:
        if any(c["from_s"] < ended - start and began - start < c["to_s"] for c in picked):
            return  # overlaps one already chosen
        said = [c["text"] for c in comments if began <= c["at"] < ended]
        picked.append(
            {
                "from_s": max(int(began - start), 0),
                "to_s": max(int(ended - start), 1),
                "reason": reason,
                "why": why,
                "comments": said[:50],
            }
        )

    busiest = sorted(curve, key=lambda m: -m["comments"])[:CLIPS_PER_REASON]
    for minute in busiest:
        if minute["comments"]:
            why = f"评论高峰 {minute['comments']} 条/分钟"
            add(minute["at"], minute["at"] + CLIP_SECONDS, "comments", why)
    richest = sorted(curve, key=lambda m: -Decimal(m["gmv"]))[:CLIPS_PER_REASON]
    for minute in richest:
        if Decimal(minute["gmv"]):
            add(minute["at"], minute["at"] + CLIP_SECONDS, "gmv", f"成交高峰 ¥{minute['gmv']}/分钟")
    for segment in segments[:CLIPS_PER_REASON]:
        why = f"讲解《{segment['name']}》GPM ¥{segment['gpm']}"
        add(segment["from"], segment["to"], "explaining", why)
    return sorted(picked, key=lambda c: c["from_s"])


def _audiences(
    processor: RoomProcessor, comments: list[dict[str, Any]], invited: Sequence[int]
) -> dict[FollowUp, set[int]]:
    viewers = processor.show.audience.viewers.values()
    now = processor.show.last_event_at or 0.0
    came = {v.customer_id for v in viewers if v.customer_id is not None}
    bought = {v.customer_id for v in viewers if v.customer_id is not None and v.orders > 0}
    enough = WATCHED_ENOUGH_MINUTES * 60
    watched = {
        v.customer_id
        for v in viewers
        if v.customer_id is not None and v.watch_seconds(now) >= enough
    }
    clicked = {v.customer_id for v in viewers if v.customer_id is not None and v.clicked}
    unanswered: set[int] = set()
    for cluster in processor.show.board.open_clusters():
        unanswered |= {c for c in cluster.askers.values() if c is not None}
    complained = {
        c["customer_id"]
        for c in comments
        if c["intent"] == "complaint" and c["customer_id"] is not None
    }
    return {
        FollowUp.BOUGHT: bought,
        FollowUp.WATCHED_NOT_BOUGHT: watched - bought,
        FollowUp.CLICKED_NOT_PAID: clicked - bought,
        FollowUp.ASKED_UNANSWERED: unanswered,
        FollowUp.INVITED_ABSENT: set(invited) - came,
        FollowUp.COMPLAINED: complained,
    }
