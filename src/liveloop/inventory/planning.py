"""Routing over the store: the active warehouses and what they can sell of an order's SKUs read
once, then handed to the pure core (``inventory.routing``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.inventory.contracts import COLD_ZONES, Zone
from liveloop.inventory.models import StockLot
from liveloop.inventory.routing import (
    COLDNESS,
    DEFAULT_CARRIERS,
    CarrierRule,
    Depot,
    Destination,
    RouteLine,
    RoutePlan,
    Router,
)
from liveloop.inventory.stock import available, list_warehouses


def depots(session: Session, skus: Sequence[str], *, on: datetime) -> list[Depot]:
    """The active warehouses with their sellable units of ``skus`` (lots not yet expired)."""
    units = available(session, skus, on=on.date())
    return [
        Depot(
            w.code,
            w.name,
            float(w.lat),
            float(w.lon),
            frozenset(w.zones),
            w.cutoff,
            {sku: units.get((w.code, sku), 0) for sku in skus},
            w.active,
        )
        for w in list_warehouses(session, active_only=True)
    ]


def cold_classes(session: Session, skus: Sequence[str]) -> dict[str, Zone]:
    """The cold class of each SKU as its lots are stored: the coldest zone any lot sits in."""
    found: dict[str, Zone] = {}
    for sku, zone in session.execute(
        select(StockLot.sku, StockLot.zone).where(StockLot.sku.in_(sorted(set(skus)))).distinct()
    ):
        z = Zone(zone)
        if sku not in found or COLDNESS[z] > COLDNESS[found[sku]]:
            found[sku] = z
    return found


def route_lines(
    session: Session,
    lines: Sequence[RouteLine],
    to: Destination,
    *,
    now: datetime,
    tz: ZoneInfo,
    carriers: Sequence[CarrierRule] = DEFAULT_CARRIERS,
) -> RoutePlan:
    """Plan ``lines`` to ``to`` from the warehouses as they are now. A line given as ambient
    whose lots are stored cold is routed cold (the store knows better than the caller)."""
    skus = sorted({line.sku for line in lines})
    stored = cold_classes(session, skus)
    fixed = [
        line
        if line.cold in COLD_ZONES or stored.get(line.sku, Zone.AMBIENT) == Zone.AMBIENT
        else RouteLine(line.sku, line.quantity, stored[line.sku], line.name)
        for line in lines
    ]
    router = Router(depots(session, skus, on=now), carriers, tz)
    return router.route(fixed, to, now)
