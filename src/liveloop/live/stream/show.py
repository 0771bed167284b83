"""The state of one show in a room: its figures, audience, question board, products, alerts
and what the next frame has to tell. A ``Live Started`` replaces it with a fresh one."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from liveloop.live.contracts import Reading
from liveloop.live.stream.alerts import AlertBook, AlertRules
from liveloop.live.stream.figures import ProductFigures, Ring, Tally
from liveloop.live.stream.questions import QuestionBoard
from liveloop.live.stream.viewers import Audience

if TYPE_CHECKING:
    from liveloop.live.stream.processor import StreamEvent

COMMENTS_PER_FRAME = 50
ARRIVALS_PER_FRAME = 20


class Show:
    """The state of one show in the room (a fresh one at each ``Live Started``)."""

    def __init__(
        self,
        rules: AlertRules,
        ring_seconds: int,
        *,
        started_at: float | None = None,
        live_session_id: Any = None,
        title: str | None = None,
        host: str | None = None,
        comments_per_frame: int | None = COMMENTS_PER_FRAME,
    ) -> None:
        self.live_session_id = live_session_id
        self.title = title
        self.host = host
        self.announced = started_at is not None  # a Live Started was seen
        self.started_at = started_at
        self.ended_at: float | None = None
        self.ring = Ring(ring_seconds)
        self.tally = Tally()
        self.audience = Audience()
        self.board = QuestionBoard()
        self.products: dict[str, ProductFigures] = {}
        self.alerts = AlertBook(rules)
        self.on_air: str | None = None
        self.markers: list[dict[str, Any]] = []
        self.new_markers: list[dict[str, Any]] = []
        self.orders_seen: deque[tuple[int, str]] = deque()  # (second, buyer) for windows
        self.comments: deque[tuple[StreamEvent, Reading | None]] = deque(maxlen=comments_per_frame)
        self.arrivals: deque[str] = deque(maxlen=ARRIVALS_PER_FRAME)
        self.arrivals_since_tick = 0
        self.welcomes: list[tuple[float, str]] = []  # (joined at, viewer) to alert if fresh
        self.last_event_at: float | None = None
        self.last_tick_second: int | None = None
        self.last_high_intent: tuple[object, ...] = (0,)  # nobody yet
        self.header_sent = False

    @property
    def status(self) -> str:
        return "ended" if self.ended_at is not None else "live"

    def product(self, sku: str) -> ProductFigures:
        figures = self.products.get(sku)
        if figures is None:
            figures = self.products[sku] = ProductFigures(sku)
        return figures

    def sold(self) -> dict[str, int]:
        """Units ordered per sku in this show (the stock answers and projections use it)."""
        return {sku: p.units for sku, p in self.products.items()}

    def buyers(self, end: int, seconds: int) -> int:
        """Distinct buyers whose orders fell in ``(end - seconds, end]``."""
        start = end - seconds
        return len({buyer for at, buyer in self.orders_seen if start < at <= end})

    def header(self) -> dict[str, Any]:
        return {
            "live_session_id": self.live_session_id,
            "title": self.title,
            "host": self.host,
            "status": self.status,
            "announced": self.announced,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "on_air": self.on_air,
        }
