"""Load a simulation into the operational store through the domain services, as a brand's
first import would: catalog, live schedule, the CRM member export, orders (with refunds) and
the tracked events.

People are found by OneID (``identity.service.resolve``) from the identifiers each record carries
(member no. and phone on a CRM row, the buyer's identifier on an order); tracked events are
appended unresolved and the ``oneid`` event-log consumer resolves them, merging people their
identifiers prove are one. Loading is idempotent, and a ``Simulation Loaded`` event marks a load
that ran to the end.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from liveloop.commerce.service import (
    OrderLine,
    ProductSpec,
    record_order,
    refund_order,
    upsert_product,
)
from liveloop.identity.contracts import IdentityType
from liveloop.identity.service import resolve
from liveloop.live.service import close_live, schedule_live
from liveloop.profiles.service import NewCustomer, create_customer, fill_profile
from liveloop.sim import events
from liveloop.sim.catalog import CATALOG
from liveloop.sim.config import SimConfig
from liveloop.sim.generate import simulate, world_for
from liveloop.sim.tables import Chunk
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event, NewEvent, append

SOURCE = "sim"


@dataclass(frozen=True)
class LoadReport:
    products: int
    lives: int
    customers: int
    orders: int
    refunds: int
    events: int


def load_simulation(
    factory: sessionmaker[Session],
    config: SimConfig,
    received_at: datetime,
    *,
    progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Load ``config``'s simulation; ``received_at`` stamps the imported events (import time)."""
    with transaction(factory) as session:
        for sku in CATALOG:
            spec = ProductSpec(
                sku.sku,
                sku.name,
                sku.category,
                sku.price,
                sku.shelf_life_days,
                sku.cold_chain,
                sku.regions,
            )
            upsert_product(session, spec, config.start_at)
        live_ids: dict[int, int] = {}
        for live in world_for(config).lives:
            live_id = schedule_live(
                session,
                room=live.room,
                title=live.title,
                host=live.host,
                scheduled_at=live.starts_at,
            )
            close_live(
                session,
                live_id,
                started_at=live.starts_at,
                ended_at=live.starts_at + timedelta(minutes=live.duration_min),
                peak_viewers=0,
            )
            live_ids[live.session_id] = live_id
    totals: dict[str, int] = defaultdict(int)
    for chunk in simulate(config):
        with transaction(factory) as session:
            loader = _ChunkLoader(session, live_ids, received_at)
            loader.load(chunk)
        for key, value in loader.counts.items():
            totals[key] += value
        if progress:
            progress(min(config.customers, chunk.first_person + config.chunk_size))
    with transaction(factory) as session:
        events.simulation_loaded(
            session,
            at=received_at,
            source=SOURCE,
            marker=_marker(config),
            config=config.as_dict(),
        )
    return LoadReport(
        len(CATALOG),
        len(live_ids),
        totals["customers"],
        totals["orders"],
        totals["refunds"],
        totals["events"],
    )


def _marker(config: SimConfig) -> str:
    return f"simulation-loaded:{config.seed}:{config.customers}:{config.end.isoformat()}"


def load_state(session: Session) -> str:
    """One of: "done" (a simulation was loaded to the end), "partial" (one started; resuming is
    safe, loading is idempotent), "other" (the store holds other data), "empty"."""
    if session.scalar(select(Event.id).where(Event.name == events.SIMULATION_LOADED).limit(1)):
        return "done"
    if session.scalar(select(Event.id).where(Event.source == SOURCE).limit(1)) is not None:
        return "partial"
    if session.scalar(select(Event.id).limit(1)) is not None:
        return "other"
    return "empty"


class _ChunkLoader:
    def __init__(self, session: Session, live_ids: dict[int, int], received_at: datetime) -> None:
        self.session, self.live_ids, self.received_at = session, live_ids, received_at
        self.counts: dict[str, int] = defaultdict(int)

    def customer_for(self, ids: list[tuple[IdentityType, str | None]], at: datetime) -> int:
        """The person OneID finds (or creates) for a record's identifiers."""
        found = resolve(self.session, [(k, v) for k, v in ids if v is not None], at, source=SOURCE)
        if found.created:
            self.counts["customers"] += 1
        if found.customer_id is None:  # nothing usable: an anonymous buyer of their own
            self.counts["customers"] += 1
            return create_customer(self.session, NewCustomer(), at, SOURCE)
        return found.customer_id

    def store_ids(self, properties: dict[str, Any]) -> dict[str, Any]:
        """A live event names the simulator's session; the store numbers sessions its own way."""
        live = properties.get("live_session_id")
        if live in self.live_ids:
            properties["live_session_id"] = self.live_ids[live]
        return properties

    def load(self, chunk: Chunk) -> None:
        for row in chunk.customers:
            customer_id = self.customer_for(
                [(IdentityType.MEMBER_NO, row["member_no"]), (IdentityType.PHONE, row["phone"])],
                row["registered_at"],
            )
            fields = ("name", "gender", "birthday", "province", "city", "member_tier")
            fill_profile(self.session, customer_id, {k: row[k] for k in fields})
        lines: dict[str, list[OrderLine]] = defaultdict(list)
        for item in chunk.order_items:
            lines[item["order_no"]].append(
                OrderLine(item["sku"], item["quantity"], item["unit_price"])
            )
        for order in chunk.orders:
            at = order["placed_at"]
            buyer = [
                (IdentityType(order["buyer_id_type"]), order["buyer_id"]),
                (IdentityType.PHONE, order["receiver_phone"]),
            ]
            recorded = record_order(
                self.session,
                order_no=order["order_no"],
                customer_id=self.customer_for(buyer, at),
                lines=lines[order["order_no"]],
                placed_at=at,
                channel=order["channel"],
                source=SOURCE,
                discount=order["discount"],
                live_session_id=self.live_ids.get(order["live_session_id"]),
                buyer=[(k.value, v) for k, v in buyer if v is not None],
                attributes={
                    k: order[k]
                    for k in ("coupon_code", "leader_id", "pickup_id")
                    if order[k] is not None
                },
            )
            if recorded is None:
                continue  # loaded before
            self.counts["orders"] += 1
            if order["status"] == "refunded":
                refund_order(
                    self.session,
                    order["order_no"],
                    refunded_at=order["refunded_at"],
                    reason=order["refund_reason"],
                    source=SOURCE,
                )
                self.counts["refunds"] += 1
        self.counts["events"] += append(
            self.session,
            [
                NewEvent(
                    name=e["event"],
                    timestamp=e["timestamp"],
                    source=SOURCE,
                    type=e["type"],
                    message_id=e["message_id"],
                    user_id=e["user_id"],
                    anonymous_id=e["anonymous_id"],
                    properties=self.store_ids(json.loads(e["properties"])),
                    context=json.loads(e["context"]),
                )
                for e in chunk.events
            ],
            received_at=self.received_at,
        )
