"""T+1 delivery batches per pickup point.

An order sent to a point and paid before the cut-off (``community.settings``, 22:00 local by
default) of day D travels in the point's batch delivered on D+1. ``build_batches(D+1)`` takes
every order not yet in a batch that was paid by then (a late build still takes the missed
ones: late, not lost); rebuilding adds the orders paid since and never lists one twice (the
batch is a column of the order's pickup row). A point's batch holds at most its ``capacity``:
the rest, oldest paid first in, go to the next day's batch with the reason, and on from there
while that one is full. A batch scanned in (``arrived``) takes no more orders.

On arrival each order is shipped and delivered through commerce's facade; the customer's
pickup scan confirms it (确认收货); one not collected ``confirm_days`` (2) after arrival is
confirmed automatically, as WeChat's trade rules do, and until then a ``Pickup Reminder Due``
is logged once per order per local day.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, func, select, update
from sqlalchemy.orm import Session

from liveloop.access import service as access
from liveloop.access.contracts import PiiField
from liveloop.access.service import Principal
from liveloop.commerce import service as commerce
from liveloop.commerce.contracts import CommerceError, OrderStatus
from liveloop.community import events
from liveloop.community.contracts import (
    BatchStatus,
    CommunityConflict,
    UnknownBatch,
    format_pickup_code,
)
from liveloop.community.models import Leader, PickupBatch, PickupOrder, PickupPoint
from liveloop.community.scope import allowed, leader_scope
from liveloop.community.settings import Settings, read_settings
from liveloop.identity import service as identity
from liveloop.profiles import service as profiles
from liveloop.store.engine import dialect_insert

log = logging.getLogger(__name__)
BATCHABLE = (OrderStatus.PAID, OrderStatus.SHIPPED)
GONE = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)
CARRIER = "社区团长自提"
MAX_CARRY_DAYS = 60


@dataclass(frozen=True)
class BuildReport:
    delivery_date: date
    cutoff_at: datetime
    batches: int  # batches on that date holding orders after the build
    added: int  # orders this build put into that date's batches
    carried: int  # orders this build put into a later day's batch (the point was full)


@dataclass(frozen=True)
class BatchView:
    batch_id: int
    point: str
    point_name: str
    leader: str
    leader_name: str
    delivery_date: date
    status: BatchStatus
    capacity: int
    orders: int
    picked_up: int
    cutoff_at: datetime
    built_at: datetime
    arrived_at: datetime | None
    changed: bool = False


@dataclass(frozen=True)
class PackedItem:
    sku: str
    name: str
    quantity: int


@dataclass(frozen=True)
class PackedOrder:
    order_no: str
    code: str  # K7M-4Q9
    buyer: str  # masked unless the viewer's role sees names and phones
    status: str
    carried_reason: str | None
    picked_up_at: datetime | None
    items: tuple[PackedItem, ...]


@dataclass(frozen=True)
class PackingList:
    batch: BatchView
    totals: tuple[PackedItem, ...]  # what to pack, by SKU (orders cancelled or refunded left out)
    orders: tuple[PackedOrder, ...]


def cutoff_for(delivery_date: date, settings: Settings, tz: ZoneInfo) -> datetime:
    """The moment before which an order is paid to travel on ``delivery_date``: the cut-off
    time, local, of the day before."""
    day_before = delivery_date - timedelta(days=1)
    return datetime.combine(day_before, settings.cutoff_time, tz).astimezone(ZoneInfo("UTC"))


def next_delivery_date(now: datetime, settings: Settings, tz: ZoneInfo) -> date:
    """The delivery date an order paid at ``now`` travels on."""
    local = now.astimezone(tz)
    return local.date() + timedelta(days=1 if local.time() < settings.cutoff_time else 2)


def build_batches(
    session: Session, delivery_date: date, *, at: datetime, tz: ZoneInfo
) -> BuildReport:
    """Build (or rebuild) every pickup point's batch for ``delivery_date`` (see the module
    doc). Idempotent: run again with nothing newly paid, it changes nothing."""
    settings = read_settings(session)
    cutoff = cutoff_for(delivery_date, settings, tz)
    waiting = session.execute(
        select(PickupOrder.id, PickupOrder.order_no, PickupOrder.point_id)
        .join(PickupPoint, PickupPoint.id == PickupOrder.point_id)
        .where(PickupOrder.batch_id.is_(None), PickupPoint.active.is_(True))
    ).all()
    states = commerce.order_states(session, [row.order_no for row in waiting])
    due: dict[int, list[tuple[datetime, str, int]]] = defaultdict(list)
    for pickup_id, order_no, point_id in waiting:
        state = states.get(order_no)
        if state is None or state.status not in BATCHABLE or state.paid_at is None:
            continue
        if state.paid_at <= cutoff:
            due[point_id].append((state.paid_at, order_no, pickup_id))
    if not due:
        return BuildReport(delivery_date, cutoff, _count_batches(session, delivery_date), 0, 0)
    capacity = dict(
        session.execute(
            select(PickupPoint.id, PickupPoint.capacity).where(PickupPoint.id.in_(sorted(due)))
        ).all()
    )
    batches = _batches_from(session, sorted(due), delivery_date)
    held = _held(session, [b.id for b in batches.values()])
    updates: list[dict[str, object]] = []
    added = carried = 0
    for point_id in sorted(due):
        day = delivery_date
        for _, _, pickup_id in sorted(due[point_id]):
            while True:
                batch = batches.get((point_id, day))
                if batch is None:
                    batch = _new_batch(session, point_id, day, settings, tz, at)
                    batches[(point_id, day)] = batch
                taken = held.get(batch.id, 0)
                if batch.status == BatchStatus.PLANNED and taken < capacity[point_id]:
                    break
                if (day - delivery_date).days >= MAX_CARRY_DAYS:
                    raise CommunityConflict(
                        "自提点容量不足,两个月内都排不下 (no batch with room in 60 days)"
                    )
                day += timedelta(days=1)
            held[batch.id] = held.get(batch.id, 0) + 1
            reason = None
            if day != delivery_date:
                reason = (
                    f"{delivery_date.isoformat()} 批次已满(容量 {capacity[point_id]} 单)"
                    f"或已到货,顺延至 {day.isoformat()} (the point's batch was full)"
                )
                carried += 1
            else:
                added += 1
            updates.append({"id": pickup_id, "batch_id": batch.id, "carried_reason": reason})
    for start in range(0, len(updates), 2000):
        session.execute(update(PickupOrder), updates[start : start + 2000])
    built = {b.id for (_, d), b in batches.items() if d == delivery_date}
    if built:
        session.execute(
            update(PickupBatch)
            .where(PickupBatch.id.in_(sorted(built)))
            .values(built_at=at)
            .execution_options(synchronize_session=False)
        )
    session.flush()
    return BuildReport(
        delivery_date, cutoff, _count_batches(session, delivery_date), added, carried
    )


def _count_batches(session: Session, delivery_date: date) -> int:
    return (
        session.scalar(
            select(func.count(func.distinct(PickupOrder.batch_id)))
            .join(PickupBatch, PickupBatch.id == PickupOrder.batch_id)
            .where(PickupBatch.delivery_date == delivery_date)
        )
        or 0
    )


def _batches_from(
    session: Session, point_ids: list[int], first: date
) -> dict[tuple[int, date], PickupBatch]:
    found: dict[tuple[int, date], PickupBatch] = {}
    for start in range(0, len(point_ids), 900):
        for row in session.scalars(
            select(PickupBatch).where(
                PickupBatch.point_id.in_(point_ids[start : start + 900]),
                PickupBatch.delivery_date >= first,
            )
        ):
            found[(row.point_id, row.delivery_date)] = row
    return found


def _held(session: Session, batch_ids: list[int]) -> dict[int, int]:
    held: dict[int, int] = {}
    for start in range(0, len(batch_ids), 900):
        for batch_id, count in session.execute(
            select(PickupOrder.batch_id, func.count(PickupOrder.id))
            .where(PickupOrder.batch_id.in_(batch_ids[start : start + 900]))
            .group_by(PickupOrder.batch_id)
        ):
            if batch_id is not None:
                held[batch_id] = count
    return held


def _new_batch(
    session: Session, point_id: int, day: date, settings: Settings, tz: ZoneInfo, at: datetime
) -> PickupBatch:
    """The point's batch for ``day``, made now unless a concurrent build made it first."""
    session.execute(
        dialect_insert(session)(PickupBatch)
        .values(
            point_id=point_id,
            delivery_date=day,
            status=BatchStatus.PLANNED,
            cutoff_at=cutoff_for(day, settings, tz),
            built_at=at,
        )
        .on_conflict_do_nothing(index_elements=["point_id", "delivery_date"])
    )
    return session.scalars(
        select(PickupBatch).where(
            PickupBatch.point_id == point_id, PickupBatch.delivery_date == day
        )
    ).one()


# ---- reading ------------------------------------------------------------------------------


def _batch_views(
    session: Session, rows: list[tuple[PickupBatch, PickupPoint, Leader]]
) -> list[BatchView]:
    ids = [batch.id for batch, _, _ in rows]
    counts: dict[int, tuple[int, int]] = {}
    for start in range(0, len(ids), 900):
        for batch_id, orders, picked in session.execute(
            select(
                PickupOrder.batch_id,
                func.count(PickupOrder.id),
                func.count(PickupOrder.picked_up_at),
            )
            .where(PickupOrder.batch_id.in_(ids[start : start + 900]))
            .group_by(PickupOrder.batch_id)
        ):
            if batch_id is not None:
                counts[batch_id] = (orders, picked)
    return [
        BatchView(
            batch_id=batch.id,
            point=point.code,
            point_name=point.name,
            leader=leader.code,
            leader_name=leader.name,
            delivery_date=batch.delivery_date,
            status=BatchStatus(batch.status),
            capacity=point.capacity,
            orders=counts.get(batch.id, (0, 0))[0],
            picked_up=counts.get(batch.id, (0, 0))[1],
            cutoff_at=batch.cutoff_at,
            built_at=batch.built_at,
            arrived_at=batch.arrived_at,
        )
        for batch, point, leader in rows
    ]


def _joined() -> Select[PickupBatch, PickupPoint, Leader]:
    return (
        select(PickupBatch, PickupPoint, Leader)
        .join(PickupPoint, PickupPoint.id == PickupBatch.point_id)
        .join(Leader, Leader.id == PickupPoint.leader_id)
    )


def list_batches(
    session: Session,
    delivery_date: date,
    viewer: Principal | None = None,
    *,
    point: str | None = None,
) -> list[BatchView]:
    """The batches delivered on ``delivery_date`` (those a leader viewer's points receive)."""
    query = _joined().where(PickupBatch.delivery_date == delivery_date).order_by(PickupPoint.code)
    scope = leader_scope(session, viewer)
    if scope is not None:
        query = query.where(PickupPoint.leader_id == scope)
    if point is not None:
        query = query.where(PickupPoint.code == point)
    return [v for v in _batch_views(session, list(session.execute(query))) if v.orders]


def _batch_row(
    session: Session, batch_id: int, viewer: Principal | None
) -> tuple[PickupBatch, PickupPoint, Leader]:
    found = session.execute(_joined().where(PickupBatch.id == batch_id)).one_or_none()
    if found is None:
        raise UnknownBatch(f"没有这个配送批次 {batch_id} (no such batch)")
    batch, point, leader = found
    if not allowed(leader_scope(session, viewer), point.leader_id):
        raise UnknownBatch(f"没有这个配送批次 {batch_id} (no such batch)")
    return batch, point, leader


def get_batch(session: Session, batch_id: int, viewer: Principal | None = None) -> BatchView:
    return _batch_views(session, [_batch_row(session, batch_id, viewer)])[0]


def _buyer(name: str | None, phone: str | None, viewer: Principal | None) -> str:
    role = viewer.role if viewer is not None else None
    shown_name = name or "顾客"
    if role is not None and not access.sees(role, PiiField.NAME):
        shown_name = access.mask("name", shown_name)
    if not phone:
        return shown_name
    if role is not None and not access.sees(role, PiiField.PHONE):
        return f"{shown_name} 尾号{phone[-4:]}"
    return f"{shown_name} {phone.removeprefix('+86')}"


def packing_list(session: Session, batch_id: int, viewer: Principal | None = None) -> PackingList:
    """What the warehouse packs for one batch: totals by SKU and each order's lines with its
    pickup code and its buyer (masked for roles that do not see names and phones)."""
    found = _batch_row(session, batch_id, viewer)
    view = _batch_views(session, [found])[0]
    pickups = list(
        session.scalars(
            select(PickupOrder).where(PickupOrder.batch_id == batch_id).order_by(PickupOrder.code)
        )
    )
    orders = commerce.orders_by_no(session, [p.order_no for p in pickups])
    buyers = {p.customer_id for p in pickups}
    people = profiles.people_of(session, buyers)
    phones = identity.first_values(session, buyers, "phone")
    names: dict[str, str] = {}
    totals: Counter[str] = Counter()
    packed = []
    for pickup in pickups:
        order = orders.get(pickup.order_no)
        if order is None:
            continue
        items = tuple(
            PackedItem(line.sku, line.name, line.quantity - line.refunded_quantity)
            for line in order.lines
            if line.quantity > line.refunded_quantity
        )
        if order.status not in GONE:
            for item in items:
                names.setdefault(item.sku, item.name)
                totals[item.sku] += item.quantity
        person = people.get(pickup.customer_id)
        packed.append(
            PackedOrder(
                order_no=order.order_no,
                code=format_pickup_code(pickup.code),
                buyer=_buyer(
                    person.name if person else None, phones.get(pickup.customer_id), viewer
                ),
                status=order.status,
                carried_reason=pickup.carried_reason,
                picked_up_at=pickup.picked_up_at,
                items=items,
            )
        )
    return PackingList(
        batch=view,
        totals=tuple(PackedItem(sku, names[sku], qty) for sku, qty in sorted(totals.items())),
        orders=tuple(packed),
    )


# ---- scans and the calendar ---------------------------------------------------------------


def arrive_batch(
    session: Session,
    batch_id: int,
    *,
    at: datetime,
    by: str,
    source: str,
    viewer: Principal | None = None,
) -> BatchView:
    """The batch was scanned in at its point: each order still the buyer's is shipped and
    delivered through commerce (an order refunded or cancelled meanwhile is passed over), and
    ``Batch Arrived`` logged. Scanned again: unchanged."""
    found = _batch_row(session, batch_id, viewer)
    batch, point, leader = found
    if batch.status == BatchStatus.ARRIVED:
        return _batch_views(session, [found])[0]
    order_nos = list(
        session.scalars(select(PickupOrder.order_no).where(PickupOrder.batch_id == batch_id))
    )
    if not order_nos:
        raise CommunityConflict("批次里没有订单,不能到货扫描 (the batch holds no orders)")
    states = commerce.order_states(session, order_nos)
    for order_no in sorted(order_nos):
        state = states.get(order_no)
        if state is None or state.status in GONE:
            continue
        try:
            if state.status == OrderStatus.PAID:
                commerce.ship_order(session, order_no, at=at, source=source, carrier=CARRIER)
            commerce.deliver_order(session, order_no, at=at, source=source)
        except CommerceError as exc:
            log.info("order %s not delivered at its point: %s", order_no, exc)
    moved = session.execute(
        update(PickupBatch)
        .where(PickupBatch.id == batch_id, PickupBatch.status == BatchStatus.PLANNED)
        .values(status=BatchStatus.ARRIVED, arrived_at=at, arrived_by=by[:64])
        .execution_options(synchronize_session=False)
    )
    session.expire(batch)
    if moved.rowcount == 1:  # type: ignore[attr-defined]
        events.batch_arrived(
            session,
            at=at,
            source=source,
            batch_id=batch_id,
            point=point.code,
            leader=leader.code,
            delivery_date=batch.delivery_date,
            orders=len(order_nos),
        )
    return replace(_batch_views(session, [found])[0], changed=moved.rowcount == 1)  # type: ignore[attr-defined]


def _uncollected(
    session: Session, arrived_before: datetime, limit: int
) -> Sequence[Row[PickupOrder, PickupPoint]]:
    return session.execute(
        select(PickupOrder, PickupPoint)
        .join(PickupBatch, PickupBatch.id == PickupOrder.batch_id)
        .join(PickupPoint, PickupPoint.id == PickupOrder.point_id)
        .where(
            PickupBatch.status == BatchStatus.ARRIVED,
            PickupBatch.arrived_at <= arrived_before,
            PickupOrder.picked_up_at.is_(None),
            PickupOrder.confirmed_at.is_(None),
        )
        .order_by(PickupOrder.id)
        .limit(limit)
    ).all()


def remind_uncollected(
    session: Session, now: datetime, tz: ZoneInfo, *, source: str, limit: int = 1000
) -> int:
    """``Pickup Reminder Due`` for each delivered order waiting at its point
    ``remind_after_hours`` after arrival, once per order per local day."""
    settings = read_settings(session)
    today = now.astimezone(tz).date()
    rows = [
        (pickup, point)
        for pickup, point in _uncollected(
            session, now - timedelta(hours=settings.remind_after_hours), limit * 4
        )
        if pickup.reminded_on is None or pickup.reminded_on < today
    ][:limit]
    states = commerce.order_states(session, [pickup.order_no for pickup, _ in rows])
    sent = 0
    for pickup, point in rows:
        state = states.get(pickup.order_no)
        pickup.reminded_on = today
        if state is None or state.status != OrderStatus.DELIVERED:
            continue
        events.pickup_reminder_due(
            session,
            at=now,
            source=source,
            order_no=pickup.order_no,
            customer_id=pickup.customer_id,
            point=point.code,
            point_name=point.name,
            code=format_pickup_code(pickup.code),
            day=today,
        )
        sent += 1
    session.flush()
    return sent


def confirm_uncollected(
    session: Session, now: datetime, *, source: str, limit: int = 200
) -> list[str]:
    """Orders waiting ``confirm_days`` after their batch arrived, confirmed (确认收货) by
    commerce as the buyer's silence; the order numbers confirmed."""
    settings = read_settings(session)
    done = []
    for pickup, _ in list(
        _uncollected(session, now - timedelta(days=settings.confirm_days), limit)
    ):
        pickup.confirmed_at = now
        try:
            view = commerce.confirm_order(
                session, pickup.order_no, at=now, source=source, by="auto"
            )
        except CommerceError as exc:  # refunded or cancelled meanwhile: nothing to confirm
            log.info("order %s not confirmed at its point: %s", pickup.order_no, exc)
            continue
        if view.changed:
            done.append(pickup.order_no)
    session.flush()
    return done
