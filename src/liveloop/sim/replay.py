"""A simulated show sent through the real signed webhook (``POST /v1/live/{room}/events``), as a
live platform would send it: batches of events, each delivery signed with the source's secret,
the show's times placed on the clock of the moment it is sent.

``replay_show`` sends one show, paced at ``speed`` times real time (0: as fast as the server
takes them); ``OnAir`` keeps shows running back to back in a background thread — what
``make demo`` runs so the host console moves. Nothing here writes to the store: the server does,
and replaying a show twice writes nothing new (its event ids are the script's).
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from liveloop.live.service import WEBHOOK_MAX_EVENTS, webhook_signature
from liveloop.sim.shows import ScriptedEvent, Show, ShowConfig, generate_show

log = logging.getLogger(__name__)
BATCH = 200
# Events due within this many seconds (real time) of the first go in one delivery.
COALESCE_SECONDS = 0.25


class ReplayError(Exception):
    """A show could not be delivered."""


class ServerUnreachable(ReplayError):
    """Nothing answered at the server's address."""


class DeliveryRefused(ReplayError):
    """The server answered a delivery with an error; ``reason`` is what it said."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Webhook:
    """Where and as whom a show is sent: the server, the room, the live-platform source's write
    key and signing secret (``liveloop sources create NAME --kind live_platform``)."""

    url: str
    room: str
    write_key: str
    secret: str

    @property
    def endpoint(self) -> str:
        return f"{self.url.rstrip('/')}/v1/live/{self.room}/events"


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a replay has come: events sent, the show's second reached, and the figures of
    what was sent so far."""

    sent: int
    total: int
    at: float
    online: int
    orders: int
    gmv: Decimal


class _Tally:
    def __init__(self, total: int) -> None:
        self.total, self.sent, self.online, self.orders = total, 0, 0, 0
        self.gmv = Decimal("0.00")
        self.at = 0.0

    def add(self, events: Sequence[ScriptedEvent]) -> Progress:
        for e in events:
            if e.type == "viewer_joined":
                self.online += 1
            elif e.type == "viewer_left":
                self.online -= 1
            elif e.type == "order":
                self.orders += 1
                self.gmv += Decimal(e.data["total"])
        self.sent += len(events)
        self.at = events[-1].at if events else self.at
        return Progress(self.sent, self.total, self.at, self.online, self.orders, self.gmv)


def replay_show(
    show: Show,
    webhook: Webhook,
    *,
    speed: float = 1.0,
    batch: int = BATCH,
    live_session_id: int | None = None,
    platform: str | None = None,
    client: httpx.Client | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
    coalesce_seconds: float = COALESCE_SECONDS,
) -> Progress:
    """Send ``show`` to ``webhook``. At ``speed`` N > 0 the show's clock runs N times faster
    than real time from now (its timestamps and watch times shrink alike, so the console sees a
    consistent shorter show), in deliveries of the events due within ``coalesce_seconds``; at 0
    it is sent as fast as the server takes it, with the show's own times, placed so that it ends
    now. Raises ``ServerUnreachable`` or ``DeliveryRefused`` (a 4xx or 5xx, with the server's
    reason); stops early, between deliveries, when ``stop`` is set."""
    if speed < 0:
        raise ValueError("speed is 0 (as fast as possible) or more")
    if not 1 <= batch <= WEBHOOK_MAX_EVENTS:
        raise ValueError(f"a delivery holds 1 to {WEBHOOK_MAX_EVENTS} events")
    stop = stop or threading.Event()
    events = show.events
    tally = _Tally(len(events))
    progress = tally.add(())
    scale = speed or 1.0
    now = datetime.now(UTC)
    start = now - timedelta(seconds=show.seconds) if speed == 0 else now
    began = time.monotonic()
    own = client is None
    http = client or httpx.Client(timeout=30)
    try:
        i = 0
        while i < len(events) and not stop.is_set():
            if speed:
                wait = began + events[i].at / speed - time.monotonic()
                if wait > 0 and stop.wait(wait):
                    break
            j = i + 1
            horizon = events[i].at + coalesce_seconds * scale
            while j < len(events) and j - i < batch and (not speed or events[j].at <= horizon):
                j += 1
            chunk = events[i:j]
            payload = [
                e.payload(start, speed=scale, live_session_id=live_session_id, platform=platform)
                for e in chunk
            ]
            deliver(http, webhook, payload)
            progress = tally.add(chunk)
            if on_progress is not None:
                on_progress(progress)
            i = j
    finally:
        if own:
            http.close()
    return progress


def deliver(http: httpx.Client, webhook: Webhook, events: list[dict]) -> None:
    """One signed delivery of ``events``; a 429 or 503 is retried after the server's
    ``Retry-After`` (a few times), any other error raised with the server's reason."""
    body = json.dumps({"events": events}, ensure_ascii=False, separators=(",", ":")).encode()
    auth = base64.b64encode(f"{webhook.write_key}:".encode()).decode()
    for attempt in range(5):
        timestamp = str(int(time.time()))
        headers = {
            "Authorization": f"Basic {auth}",
            "Content-Type": "application/json",
            "X-Liveloop-Timestamp": timestamp,
            "X-Liveloop-Signature": webhook_signature(webhook.secret, timestamp, body),
        }
        try:
            response = http.post(webhook.endpoint, content=body, headers=headers)
        except httpx.TransportError as exc:
            raise ServerUnreachable(f"{webhook.url}: {exc}") from None
        if response.status_code < 400:
            return
        if response.status_code in (429, 503) and attempt < 4:
            time.sleep(min(5.0, float(response.headers.get("retry-after") or 1)))
            continue
        raise DeliveryRefused(response.status_code, _reason(response))


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(body, dict) and body.get("reason"):
        return str(body["reason"])
    return json.dumps(body, ensure_ascii=False)[:300]


class OnAir:
    """Keeps a show running in a room: simulated shows back to back at ``speed`` (1: real
    time), each a new seed so each is a new show. ``on_start(show)`` may return the live
    session the show's events name (e.g. one it scheduled); ``on_end(show, live_session_id)``
    is called when it has been sent. Errors are logged and the show is sent again a little
    later."""

    def __init__(
        self,
        webhook: Webhook,
        show: ShowConfig,
        *,
        speed: float = 1.0,
        on_start: Callable[[Show], int | None] | None = None,
        on_end: Callable[[Show, int | None], None] | None = None,
        retry_seconds: float = 3.0,
        coalesce_seconds: float = 1.0,
    ) -> None:
        self.webhook, self.config, self.speed = webhook, show, speed
        self.coalesce_seconds = coalesce_seconds  # about one delivery a second at real time
        self.on_start, self.on_end, self.retry_seconds = on_start, on_end, retry_seconds
        self.shows = 0
        self.last: Progress | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> OnAir:
        self._thread = threading.Thread(target=self._loop, name="liveloop-on-air", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        seed = self.config.seed
        with httpx.Client(timeout=30) as http:
            while not self._stop.is_set():
                show = generate_show(replace(self.config, seed=seed))
                live_id = self._begin(show)
                while not self._stop.is_set() and not self._air(http, show, live_id):
                    self._stop.wait(self.retry_seconds)
                self.shows += 1
                seed += 1

    def _begin(self, show: Show) -> int | None:
        while not self._stop.is_set():
            try:
                return self.on_start(show) if self.on_start else None
            except Exception:
                log.exception("on air: the show could not start; trying again")
                self._stop.wait(self.retry_seconds)
        return None

    def _air(self, http: httpx.Client, show: Show, live_id: int | None) -> bool:
        """The show sent to its end (True), or an error after which it is sent again (what
        was delivered already is not written twice)."""
        try:
            self.last = replay_show(
                show,
                self.webhook,
                speed=self.speed,
                live_session_id=live_id,
                client=http,
                on_progress=self._seen,
                stop=self._stop,
                coalesce_seconds=self.coalesce_seconds,
            )
            if self.on_end and not self._stop.is_set():
                self.on_end(show, live_id)
            return True
        except ServerUnreachable:
            log.info("on air: the server does not answer yet; trying again")
        except Exception:
            log.exception("on air: the show stopped; trying again")
        return False

    def _seen(self, progress: Progress) -> None:
        self.last = progress
