"""The leader's day (今日): today's batches arriving at their points and tomorrow's being
filled, the pickup queue (orders arrived and not collected), the pickup scan and the arrival
confirmation — each through community's facade with the leader as ``viewer``, so another
leader's batch or code is "not found" here as it is there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from liveloop.access.service import Principal
from liveloop.commerce.contracts import OrderStatus
from liveloop.community import service as community
from liveloop.community.contracts import BatchStatus
from liveloop.portal.acting import acting_leader
from liveloop.portal.contracts import PortalConflict

SOURCE = "portal"


@dataclass(frozen=True)
class BatchSummary:
    batch: community.BatchView
    totals: tuple[community.PackedItem, ...]  # what the batch brings, by SKU
    waiting: int  # orders arrived and not collected


@dataclass(frozen=True)
class Waiting:
    """An order waiting at the point: its code, the buyer (masked), what to hand over."""

    code: str
    order_no: str
    buyer: str
    point_name: str
    delivery_date: date
    items: tuple[community.PackedItem, ...]


@dataclass(frozen=True)
class TodayView:
    leader: community.LeaderView
    today: date
    tomorrow: date
    arriving: tuple[BatchSummary, ...]
    building: tuple[BatchSummary, ...]
    queue: tuple[Waiting, ...]
    cutoff: str  # tomorrow's batch takes what is paid before this, today (local)


@dataclass(frozen=True)
class ScanResult:
    picked: bool  # False: it had been collected before
    pickup: community.PickupView
    waiting: Waiting | None  # what was handed over (None if its batch cannot be read)


def _summary(packing: community.PackingList) -> BatchSummary:
    waiting = sum(
        1 for o in packing.orders if o.picked_up_at is None and o.status == OrderStatus.DELIVERED
    )
    return BatchSummary(packing.batch, packing.totals, waiting)


def _waiting(packing: community.PackingList, order: community.PackedOrder) -> Waiting:
    return Waiting(
        code=order.code,
        order_no=order.order_no,
        buyer=order.buyer,
        point_name=packing.batch.point_name,
        delivery_date=packing.batch.delivery_date,
        items=order.items,
    )


def today_of(session: Session, viewer: Principal, now: datetime, tz: ZoneInfo) -> TodayView:
    leader = acting_leader(session, viewer)
    settings = community.read_settings(session)
    today = now.astimezone(tz).date()
    tomorrow = today + timedelta(days=1)
    arriving = [
        community.packing_list(session, b.batch_id, viewer)
        for b in community.list_batches(session, today, viewer)
    ]
    building = [
        community.packing_list(session, b.batch_id, viewer)
        for b in community.list_batches(session, tomorrow, viewer)
    ]
    # Orders wait at most ``confirm_days`` after arrival (then they are confirmed for the
    # buyer); a day more covers a confirmation job that has not run yet.
    earlier = [
        community.packing_list(session, b.batch_id, viewer)
        for days in range(1, settings.confirm_days + 2)
        for b in community.list_batches(session, today - timedelta(days=days), viewer)
        if b.status == BatchStatus.ARRIVED
    ]
    queue = [
        _waiting(packing, order)
        for packing in (*arriving, *earlier)
        if packing.batch.status == BatchStatus.ARRIVED
        for order in packing.orders
        if order.picked_up_at is None and order.status == OrderStatus.DELIVERED
    ]
    queue.sort(key=lambda w: (w.delivery_date, w.code))
    return TodayView(
        leader=leader,
        today=today,
        tomorrow=tomorrow,
        arriving=tuple(_summary(p) for p in arriving),
        building=tuple(_summary(p) for p in building),
        queue=tuple(queue),
        cutoff=settings.cutoff,
    )


def batch_of(session: Session, viewer: Principal, batch_id: int) -> community.PackingList:
    """One of the leader's batches with its packing list (another's: ``UnknownBatch``)."""
    acting_leader(session, viewer)
    return community.packing_list(session, batch_id, viewer)


def confirm_arrival(
    session: Session, viewer: Principal, batch_id: int, now: datetime, tz: ZoneInfo
) -> community.BatchView:
    """The leader confirms a batch arrived at their point. A batch for a later day is
    refused: confirming it early would close it to the orders still being paid for it."""
    acting_leader(session, viewer)
    batch = community.get_batch(session, batch_id, viewer)
    if batch.delivery_date > now.astimezone(tz).date():
        raise PortalConflict(
            f"{batch.delivery_date:%m月%d日}的批次还没到送达日,不能确认到货 "
            "(the batch is not due yet)"
        )
    return community.arrive_batch(
        session, batch_id, at=now, by=viewer.name, source=SOURCE, viewer=viewer
    )


def scan(session: Session, viewer: Principal, code: str, now: datetime) -> ScanResult:
    """The buyer shows their code: collected (or answered as collected before). Community's
    refusals pass through: a malformed code, one not at the leader's points, a batch that
    has not arrived."""
    acting_leader(session, viewer)
    pickup = community.scan_pickup(
        session, code, at=now, by=viewer.name, source=SOURCE, viewer=viewer
    )
    handed = None
    if pickup.batch_id is not None:
        packing = community.packing_list(session, pickup.batch_id, viewer)
        handed = next(
            (_waiting(packing, o) for o in packing.orders if o.order_no == pickup.order_no), None
        )
    return ScanResult(picked=pickup.changed, pickup=pickup, waiting=handed)
