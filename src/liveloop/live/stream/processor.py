"""One room's stream processor: the event log's rows of a room in, frames for the host console
out (decision 0022).

``RoomProcessor.apply`` takes new rows (as ``StreamEvent``), ``tick(now)`` returns what changed
since the last tick (figures, question clusters, alerts, arrivals, comments, action markers),
``snapshot(now)`` the whole state (what a console gets on connect). The state lives in memory
and is rebuilt from the log after a restart: applying the same rows again changes nothing.

Invariants:
- an event whose id is at or below the last applied one is skipped (ids grow in commit order,
  ``store.eventlog``), so a replay or an overlapping read counts nothing twice;
- an order counts once per ``order_id`` for the life of the processor, whichever show it falls
  in, so a rebuild or a platform's resent order never adds GMV twice;
- a ``Live Started`` starts the show's figures afresh; ``Live Ended`` closes it (rows that come
  after, e.g. late leaves, still complete its watch times);
- only events seen count: no estimate fills a gap; the room's own messages (role ``host`` or
  ``controller``, or ``by_host``) are shown as the host's and counted apart, never as viewer
  comments or questions;
- money is Decimal in the state and a string in frames, marked ``provisional`` until the order
  ledger settles it (there is none yet: every money figure is provisional);
- times in frames are Unix seconds (numbers); texts an operator reads are Chinese.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from liveloop import spec
from liveloop.live import events as live_events
from liveloop.live.contracts import ActionKind, Aspect, Intent, Reading, Sentiment
from liveloop.live.stream import alerts
from liveloop.live.stream.alerts import AlertRules
from liveloop.live.stream.figures import ZERO, Second, ShelfItem, money, show_figures
from liveloop.live.stream.questions import (
    AnswerWriter,
    Asked,
    Scripts,
    mentioned_sku,
    name_keys,
    without_names,
)
from liveloop.live.stream.show import COMMENTS_PER_FRAME, Show
from liveloop.live.stream.viewers import PersonBadge, Viewer, badge_of
from liveloop.live.understand import understand
from liveloop.store.base import to_money

__all__ = [
    "AlertRules",
    "AnswerWriter",
    "PersonBadge",
    "RoomProcessor",
    "ShelfItem",
    "StreamEvent",
]

Reader = Callable[[Sequence[str]], list[Reading]]
UNREAD = (Intent.CHITCHAT, Aspect.NONE, Sentiment.NEUTRAL)

HIGH_INTENT_PER_TICK = 50
HIGH_INTENT_PER_SNAPSHOT = 200
ACTION_LABELS = {
    ActionKind.PUSH_COUPON: "发优惠券",
    ActionKind.PUSH_LUCKY_BAG: "发福袋",
    ActionKind.START_EXPLAINING: "开始讲解",
    ActionKind.STOP_EXPLAINING: "结束讲解",
    ActionKind.SHELF_ON: "上架",
    ActionKind.SHELF_OFF: "下架",
    ActionKind.PIN_COMMENT: "置顶评论",
    ActionKind.ANSWER_QUESTION: "回答问题",
}


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One event-log row as the processor sees it."""

    id: int  # the event log's id (monotonic); used to skip what was applied
    name: str  # liveloop.spec / live.events names
    timestamp: datetime  # aware UTC
    customer_id: int | None  # OneID person when resolved, else None
    viewer: str  # a stable viewer key: user_id, else anonymous_id (never empty)
    properties: Mapping[str, Any]
    nickname: str | None = None  # the platform nickname (context.traits.nickname)

    @classmethod
    def from_row(cls, row: Any) -> StreamEvent:
        """From an event-log row: ``store.eventlog.Event``, ``LoggedEvent`` or a row dict with
        an ``id`` (as ``live.mapping.event_rows`` makes them, once stored)."""
        if isinstance(row, Mapping):
            get: Callable[[str], Any] = row.get
        else:

            def get(name: str) -> Any:
                return getattr(row, name, None)

        customer_id = get("customer_id")
        viewer = get("user_id") or get("anonymous_id")
        if not viewer:
            # Our own events (Live Started, Live Action Taken) are no viewer's.
            viewer = f"customer:{customer_id}" if customer_id is not None else "room"
        context = get("context") or {}
        traits = context.get("traits") if isinstance(context, Mapping) else None
        nickname = traits.get("nickname") if isinstance(traits, Mapping) else None
        timestamp: datetime = get("timestamp")
        if timestamp.tzinfo is None:
            timestamp = timestamp.replace(tzinfo=UTC)
        return cls(
            id=int(get("id")),
            name=str(get("name") or ""),
            timestamp=timestamp,
            customer_id=customer_id,
            viewer=str(viewer),
            properties=get("properties") or {},
            nickname=nickname if isinstance(nickname, str) else None,
        )


STAFF_ROLES = frozenset({"host", "controller"})  # the webhook's ``role``: the host and 场控


def by_host(event: StreamEvent) -> bool:
    """A message the host or the room's controller (场控) sent (``role``, or ``by_host`` from
    our own feeds): labelled, never counted as a viewer's."""
    props = event.properties
    return props.get("by_host") is True or props.get("role") in STAFF_ROLES


def _money(value: Any) -> Decimal:
    try:
        return to_money(value) if value is not None else ZERO
    except (InvalidOperation, TypeError, ValueError):
        return ZERO


def _int(value: Any, default: int = 1) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class RoomProcessor:
    """One room's figures, questions, viewers and alerts, built from its events. One owner
    calls it (the feed's thread): it holds no lock. Rebuilding after a restart is ``apply`` of
    the show's rows from its ``Live Started`` on a fresh processor (≈ 45,000 rows a CPU-second).
    """

    def __init__(
        self,
        room: str,
        *,
        rules: AlertRules = AlertRules(),
        reader: Reader = understand,
        window_minutes: int = 5,
        comments_per_frame: int | None = COMMENTS_PER_FRAME,
    ) -> None:
        """``comments_per_frame``: how many of the latest comments a tick carries (a console
        shows a few; None keeps every comment, as the post-live report reads them all)."""
        if window_minutes < 1:
            raise ValueError("window_minutes must be at least 1")
        self.room = room
        self.rules = rules
        self.reader = reader
        self.window = window_minutes * 60
        # Two windows to compare, and a minute of slack for late events.
        self.ring_seconds = max(2 * self.window, 2 * rules.stock_velocity_seconds, 120) + 60
        self.last_id = 0
        self.applied = 0  # events that changed the state (for the bench's nothing-lost check)
        self.skipped = 0  # already applied, another room's, or a repeated order
        self.seen_orders: set[str] = set()
        self.people: dict[int, PersonBadge] = {}
        self.shelf: dict[str, ShelfItem] = {}
        self._names: list[tuple[str, str]] = []
        self.scripts: dict[tuple[Aspect, str | None], str] = {}
        self.comments_per_frame = comments_per_frame
        self.show = Show(rules, self.ring_seconds, comments_per_frame=comments_per_frame)
        self._bucket: Second | None = None
        self._handlers: dict[str, Callable[[StreamEvent, float, Second | None], None]] = {
            spec.LIVE_JOINED: self._joined,
            spec.LIVE_LEFT: self._left,
            spec.LIVE_LIKED: self._liked,
            spec.LIVE_SHARED: self._shared,
            spec.LIVE_PRODUCT_CLICKED: self._clicked,
            spec.PRODUCT_ADDED: self._carted,
            spec.ORDER_COMPLETED: self._ordered,
            live_events.LIVE_STARTED: self._started,
            live_events.LIVE_ENDED: self._ended,
            live_events.LIVE_ACTION_TAKEN: self._action,
        }

    # --- inputs -----------------------------------------------------------------------------

    def apply(self, events: Sequence[StreamEvent]) -> None:
        """Apply new rows in id order; rows at or below the last applied id are skipped. The
        batch's viewer comments are read in one ``reader`` call."""
        last = self.last_id
        fresh = [e for e in events if e.id > last]
        self.skipped += len(events) - len(fresh)
        if not fresh:
            return
        if any(fresh[i].id >= fresh[i + 1].id for i in range(len(fresh) - 1)):
            fresh.sort(key=lambda e: e.id)
        room = self.room
        mine = []
        comments = []
        for event in fresh:
            if event.id <= last:  # the same id twice in one batch
                self.skipped += 1
                continue
            last = event.id
            at_room = event.properties.get("room")
            if at_room is not None and at_room != room:
                self.skipped += 1
                continue
            mine.append(event)
            if event.name == spec.LIVE_COMMENT_POSTED and not by_host(event):
                comments.append(str(event.properties.get("text", "")))
        self.last_id = last
        readings = iter(self.reader(comments)) if comments else iter(())
        handlers = self._handlers
        for event in mine:
            at = event.timestamp.timestamp()
            second = int(at)
            bucket = self._bucket
            if bucket is None or bucket.at != second:
                bucket = self._bucket_at(second)
            if event.name == spec.LIVE_COMMENT_POSTED:
                self._commented(event, at, bucket, readings)
            else:
                handler = handlers.get(event.name)
                if handler is None:
                    self.skipped += 1
                    continue
                handler(event, at, bucket)
            self.applied += 1
            show = self.show
            if show.last_event_at is None or at > show.last_event_at:
                show.last_event_at = at

    def set_rules(self, rules: AlertRules) -> None:
        """The room's alert rules from now on (an operator's edit during the show)."""
        self.rules = rules
        self.show.alerts.rules = rules

    def set_shelf(self, items: Iterable[Any]) -> None:
        """The show's shelf (``ShelfItemView`` or ``ShelfItem``): names matched in questions,
        live price and allocated stock for answers and the stock-out projection."""
        shelf = [ShelfItem.of(item) for item in items]
        self.shelf = {item.sku: item for item in shelf}
        self._names = name_keys(shelf)
        board = self.show.board
        for cluster in board.open_clusters():  # their answers quote the shelf
            board.changed[cluster.id] = cluster

    def set_scripts(self, scripts: Scripts | Iterable[Any]) -> None:
        """The operator's 话术 library (``live.service.scripts_for_room`` or any views with
        ``aspect``, ``sku`` and ``text``; or a mapping (aspect, sku) → text): the suggested
        answers use it before the built-in templates, and open clusters are framed again."""
        if isinstance(scripts, Mapping):
            table = {(Aspect(a), s): str(t) for (a, s), t in scripts.items()}
        else:
            views: Iterable[Any] = scripts
            table = {(Aspect(v.aspect), v.sku): str(v.text) for v in views}
        self.scripts = table
        board = self.show.board
        for cluster in board.open_clusters():
            board.changed[cluster.id] = cluster

    def set_people(self, people: Mapping[int, PersonBadge]) -> None:
        """Badges of known customers (the feed fills them from profiles). A viewer already in
        the room whose badge arrives now is welcomed as if just arrived."""
        self.people.update(people)
        show = self.show
        at = show.last_event_at
        if at is None:
            return
        for customer_id in people:
            for key in show.audience.by_customer.get(customer_id, ()):
                viewer = show.audience.viewers[key]
                if viewer.joined_at is not None and not viewer.welcomed:
                    self._welcome(viewer, at)

    def suggest(self, cluster_id: str, text: str, source: str = "llm") -> bool:
        """An answer written off the hot path (the ``AnswerWriter`` seam) for a cluster."""
        return self.show.board.suggest(cluster_id, text, source)

    # --- event handlers ---------------------------------------------------------------------

    def _bucket_at(self, second: int) -> Second | None:
        show = self.show
        bucket = show.ring.bucket(second, show.audience.online)
        if bucket is None:
            show.tally.late += 1
        else:
            self._bucket = bucket
        return bucket

    def _level(self) -> None:
        """The online level after a join or leave, written on the ring's newest second."""
        show = self.show
        ring = show.ring
        online = show.audience.online
        if ring.head is not None:
            ring.slots[ring.head % ring.size].online = online
        if online > show.tally.peak_online:
            show.tally.peak_online = online

    def _viewer(self, event: StreamEvent, at: float) -> Viewer:
        return self.show.audience.seen(event.viewer, at, event.customer_id, event.nickname)

    def _joined(self, event: StreamEvent, at: float, bucket: Second | None) -> None:
        show = self.show
        viewer = self._viewer(event, at)
        if not show.audience.join(viewer, at):
            return
        show.tally.entries += 1
        if bucket is not None:
            bucket.entries += 1
        self._level()
        show.arrivals.append(viewer.key)
        show.arrivals_since_tick += 1
        if not viewer.welcomed and self.rules.welcomes(badge_of(viewer, self.people)):
            self._welcome(viewer, at)

    def _welcome(self, viewer: Viewer, at: float) -> None:
        viewer.welcomed = True
        self.show.welcomes.append((at, viewer.key))

    def _left(self, event: StreamEvent, at: float, bucket: Second | None) -> None:
        show = self.show
        viewer = self._viewer(event, at)
        if not show.audience.leave(viewer, at):
            return
        show.tally.exits += 1
        if bucket is not None:
            bucket.exits += 1
        self._level()

    def _commented(
        self,
        event: StreamEvent,
        at: float,
        bucket: Second | None,
        readings: Iterator[Reading],
    ) -> None:
        show = self.show
        if by_host(event):
            show.tally.host_comments += 1
            show.comments.append((event, None))
            return
        reading = next(readings, None)
        if reading is None:  # a reader that gave fewer readings than comments: count, unread
            reading = Reading(str(event.properties.get("text", "")), *UNREAD)
        viewer = self._viewer(event, at)
        viewer.comments += 1
        tally = show.tally
        tally.comments += 1
        if bucket is not None:
            bucket.comments += 1
        show.comments.append((event, reading))
        if reading.intent is Intent.QUESTION:
            tally.questions += 1
            if bucket is not None:
                bucket.questions += 1
            named = mentioned_sku(reading.text, self._names)
            sku = named or show.on_air
            subject = without_names(reading.text, named, self._names) if named else None
            show.board.ask(
                Asked(
                    event.id,
                    at,
                    viewer.key,
                    viewer.customer_id,
                    reading.text,
                    reading.aspect,
                    subject,
                ),
                sku,
            )
            show.audience.asked(viewer, reading.aspect)
        elif reading.intent is Intent.COMPLAINT:
            tally.complaints += 1
            if bucket is not None:
                bucket.complaints += 1

    def _liked(self, event: StreamEvent, at: float, bucket: Second | None) -> None:
        count = _int(event.properties.get("count"), 1)
        self._viewer(event, at)
        self.show.tally.likes += count
        if bucket is not None:
            bucket.likes += count

    def _shared(self, event: StreamEvent, at: float, bucket: Second | None) -> None:
        self._viewer(event, at)
        self.show.tally.shares += 1
        if bucket is not None:
            bucket.shares += 1

    def _clicked(self, event: StreamEvent, at: float, bucket: Second | None) -> None:
        show = self.show
        sku = str(event.properties.get("sku", ""))
        viewer = self._viewer(event, at)
        show.audience.clicked(viewer, sku)
        show.tally.clicks += 1
        product = show.product(sku)
        product.clicks += 1
        if show.on_air == sku:
            product.air_clicks += 1
        if bucket is not None:
            bucket.clicks += 1
            bucket.sku(sku)[0] += 1

    def _carted(self, event: StreamEvent, at: float, bucket: Second | None) -> None:
        show = self.show
        sku = str(event.properties.get("sku", ""))
        viewer = self._viewer(event, at)
        viewer.carted.add(sku)
        show.tally.carts += 1
        product = show.product(sku)
        product.carts += 1
        if show.on_air == sku:
            product.air_carts += 1
        if bucket is not None:
            bucket.carts += 1
            bucket.sku(sku)[1] += 1

    def _ordered(self, event: StreamEvent, at: float, bucket: Second | None) -> None:
        props = event.properties
        order_id = str(props.get("order_id") or f"event:{event.id}")
        if order_id in self.seen_orders:
            self.skipped += 1
            self.applied -= 1  # apply() counts it; a repeated order changes nothing
            return
        self.seen_orders.add(order_id)
        show = self.show
        total = _money(props.get("total"))
        viewer = self._viewer(event, at)
        show.audience.paid(viewer, total)
        tally = show.tally
        tally.orders += 1
        tally.gmv += total
        units = 0
        on_air = show.on_air
        lines = props.get("products") or ()
        for line in lines if isinstance(lines, list) else ():
            if not isinstance(line, Mapping):
                continue
            sku = str(line.get("sku", ""))
            quantity = _int(line.get("quantity"), 1)
            amount = _money(line.get("price")) * quantity
            units += quantity
            product = show.product(sku)
            product.orders += 1
            product.units += quantity
            product.gmv += amount
            if on_air == sku:
                product.air_orders += 1
                product.air_gmv += amount
            if bucket is not None:
                bucket.sku(sku)[2] += quantity
        tally.units += units
        if bucket is not None:
            bucket.orders += 1
            bucket.units += units
            bucket.gmv += total
            seen = show.orders_seen
            seen.append((bucket.at, viewer.key))
            while seen[0][0] <= bucket.at - self.ring_seconds:  # only the ring's span is asked
                seen.popleft()

    def _started(self, event: StreamEvent, at: float, bucket: Second | None) -> None:
        props = event.properties
        self.show = Show(
            self.rules,
            self.ring_seconds,
            started_at=at,
            live_session_id=props.get("live_session_id"),
            title=props.get("title"),
            host=props.get("host"),
            comments_per_frame=self.comments_per_frame,
        )
        self._bucket = None
        self._bucket_at(int(at))
        self.show.board.changed.clear()

    def _ended(self, event: StreamEvent, at: float, bucket: Second | None) -> None:
        show = self.show
        if show.ended_at is None:
            show.ended_at = at
            if show.on_air is not None:
                show.product(show.on_air).stop_air(at)
                show.on_air = None
            show.header_sent = False

    def _action(self, event: StreamEvent, at: float, bucket: Second | None) -> None:
        show = self.show
        props = event.properties
        action = str(props.get("action", ""))
        target = props.get("target")
        target = None if target is None else str(target)
        by = props.get("by")
        try:
            kind: ActionKind | None = ActionKind(action)
        except ValueError:
            kind = None
        marker = {
            "id": event.id,
            "at": at,
            "action": action,
            "label": ACTION_LABELS.get(kind, action) if kind else action,
            "target": target,
            "by": by,
        }
        show.markers.append(marker)
        show.new_markers.append(marker)
        if kind is ActionKind.START_EXPLAINING and target:
            if show.on_air is not None and show.on_air != target:
                show.product(show.on_air).stop_air(at)
            show.product(target).start_air(at)
            show.on_air = target
            show.header_sent = False
        elif kind is ActionKind.STOP_EXPLAINING:
            current = show.on_air
            if current is not None and (target is None or target == current):
                show.product(current).stop_air(at)
                show.on_air = None
                show.header_sent = False
        elif kind is ActionKind.ANSWER_QUESTION and target:
            show.board.answer(target, at, None if by is None else str(by))

    # --- outputs ----------------------------------------------------------------------------

    def tick(self, now: datetime) -> dict[str, Any]:
        """What changed since the last tick, as a JSON-able frame: the current figures, the
        seconds completed since, changed question clusters, new alerts, comments, arrivals and
        action markers, and the high-intent list when it changed."""
        show = self.show
        at = now.timestamp()
        second = int(at)
        ring = show.ring
        if ring.head is not None:
            ring.advance(second, show.audience.online)
        seconds: list[dict[str, Any]] = []
        if ring.head is not None:
            start = ring.head - ring.size + 1
            if show.last_tick_second is not None:
                start = max(start, show.last_tick_second + 1)
            for s in range(start, second):
                slot = ring.get(s)
                if slot is not None:
                    seconds.append(slot.row())
            show.last_tick_second = second - 1
        alerts.evaluate(show, self.shelf, self.people, at, second)
        intent_count, high_intent = show.audience.high_intent(at, self.people, HIGH_INTENT_PER_TICK)
        keys = (intent_count, *(v["viewer"] for v in high_intent))
        frame: dict[str, Any] = {
            "type": "tick",
            "room": self.room,
            "at": at,
            "last_event_id": self.last_id,
            "figures": show_figures(show, self.shelf, self.window, at, second),
            "seconds": seconds,
            "questions": [
                c.frame(self.shelf, show.sold(), self.scripts) for c in show.board.take_changed()
            ],
            "alerts": show.alerts.take_new(),
            "comments": [self._comment(e, r) for e, r in show.comments],
            "arrivals": self._arrivals(show, at),
            "arrivals_count": show.arrivals_since_tick,
            "markers": show.new_markers,
            "high_intent": high_intent if keys != show.last_high_intent else None,
            "high_intent_count": intent_count,
        }
        if not show.header_sent:
            frame["show"] = show.header()
            show.header_sent = True
        show.last_high_intent = keys
        show.comments.clear()
        show.arrivals.clear()
        show.arrivals_since_tick = 0
        show.new_markers = []
        return frame

    def snapshot(self, now: datetime) -> dict[str, Any]:
        """The whole current state as a frame (what a console gets on connect). It changes
        nothing a tick reports (a tick after it still says what changed)."""
        show = self.show
        at = now.timestamp()
        second = int(at)
        ring = show.ring
        if ring.head is not None:
            ring.advance(second, show.audience.online)
        rows = []
        if ring.head is not None:
            for s in range(max(ring.head - ring.size + 1, second - 2 * self.window), second):
                slot = ring.get(s)
                if slot is not None:
                    rows.append(slot.row())
        sold = show.sold()
        audience = show.audience
        clusters = [c.frame(self.shelf, sold, self.scripts) for c in show.board.clusters.values()]
        clusters.sort(key=lambda c: (c["status"] != "open", -c["askers"], c["first_at"]))
        present_of_note = []  # in the room now, with a badge worth showing
        for viewer in audience.viewers.values():
            badge = badge_of(viewer, self.people)
            if viewer.joined_at is not None and badge is not None and badge.labels():
                present_of_note.append(viewer.frame(at, badge))
        open_, total = show.board.missed()
        return {
            "type": "snapshot",
            "room": self.room,
            "at": at,
            "last_event_id": self.last_id,
            "show": show.header(),
            "figures": show_figures(show, self.shelf, self.window, at, second),
            "seconds": rows,
            "questions": clusters,
            "questions_missed": {"open": open_, "clusters": total},
            "alerts": show.alerts.raised[-50:],
            "markers": show.markers,
            "viewers_of_note": present_of_note,
            "high_intent": audience.high_intent(at, self.people, HIGH_INTENT_PER_SNAPSHOT)[1],
            "shelf": [
                {
                    "sku": item.sku,
                    "name": item.name,
                    "live_price": None if item.live_price is None else money(item.live_price),
                    "stock": item.stock,
                    "on_shelf": item.on_shelf,
                }
                for item in self.shelf.values()
            ],
        }

    def _comment(self, event: StreamEvent, reading: Reading | None) -> dict[str, Any]:
        """A comment for the console (its text as sent: the console escapes it)."""
        return {
            "id": event.id,
            "at": event.timestamp.timestamp(),
            "viewer": event.viewer,
            "nickname": event.nickname,
            "customer_id": event.customer_id,
            "text": str(event.properties.get("text", "")),
            "by_host": reading is None,
            "intent": reading.intent.value if reading else None,
            "aspect": reading.aspect.value if reading else None,
            "sentiment": reading.sentiment.value if reading else None,
        }

    def _arrivals(self, show: Show, at: float) -> list[dict[str, Any]]:
        out = []
        for key in show.arrivals:
            viewer = show.audience.viewers[key]
            out.append(viewer.frame(at, badge_of(viewer, self.people)))
        return out
