"""The demo's live feed: while the console is open, the demo brand keeps trading — a few times a
minute someone orders, puts something in the cart, comes back from a live, or shops for the
first time — so journeys let people in, messages land in the outbox and metrics move.

Everything goes through the same doors as real traffic (``commerce.record_order``, the event
log), on the runtime's clock; nothing here is read by the product itself.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass

from sqlalchemy.orm import Session

from liveloop import spec
from liveloop.commerce import service as commerce
from liveloop.profiles import service as profiles
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from liveloop.store.eventlog import NewEvent, append

log = logging.getLogger(__name__)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["晓燕", "丽华", "建国", "敏", "婷", "强", "静", "磊", "芳", "洋", "雪", "杰"]


@dataclass(frozen=True)
class Happening:
    kind: str  # "order" | "cart" | "live" | "newcomer"
    customer_id: int


class DemoFeed:
    def __init__(self, runtime: Runtime, *, every_seconds: float = 4.0, seed: int = 7) -> None:
        self.runtime = runtime
        self.every_seconds = every_seconds
        self.rng = random.Random(seed)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.count = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="liveloop-demo-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _loop(self) -> None:
        while not self._stop.wait(self.every_seconds * self.rng.uniform(0.5, 1.5)):
            try:
                self.step()
            except Exception:
                log.exception("demo feed: a step failed; going on")

    def step(self) -> Happening:
        """One thing happening in the brand, written in one transaction."""
        self.count += 1
        now = self.runtime.clock.now()
        with transaction(self.runtime.sessions) as session:
            products = [(p.sku, p.name) for p in commerce.catalog(session)]
            roll = self.rng.random()
            if roll < 0.15 or not products:
                person = profiles.create_customer(
                    session,
                    profiles.NewCustomer(name=self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)),
                    now,
                    source="demo-feed",
                )
                kind = "newcomer"
            else:
                person = self._someone(session)
                kind = "order" if roll < 0.55 else "cart" if roll < 0.8 else "live"
            sku, name = self.rng.choice(products) if products else (None, None)
            if kind in ("order", "newcomer") and sku is not None:
                commerce.record_order(
                    session,
                    order_no=f"DEMO{now:%Y%m%d%H%M%S}{self.count:05d}",
                    customer_id=person,
                    lines=[commerce.OrderLine(sku, self.rng.choice((1, 1, 2)))],
                    placed_at=now,
                    channel="mini_program",
                    source="demo-feed",
                )
            elif kind == "cart":
                self._track(session, person, spec.PRODUCT_ADDED, {"sku": sku, "name": name})
            elif kind == "live":
                self._track(session, person, spec.LIVE_PRODUCT_CLICKED, {"sku": sku, "name": name})
                self._track(session, person, spec.LIVE_LEFT, {"watch_seconds": 900})
        return Happening(kind, person)

    def _someone(self, session: Session) -> int:
        highest = profiles.last_customer_id(session) or 1
        return profiles.standing_from(session, self.rng.randint(1, highest)) or highest

    def _track(self, session: Session, person: int, name: str, properties: dict) -> None:
        now = self.runtime.clock.now()
        append(
            session,
            [
                NewEvent(
                    name=name,
                    timestamp=now,
                    source="demo-feed",
                    type="track",
                    customer_id=person,
                    properties=properties,
                )
            ],
            received_at=now,
        )
