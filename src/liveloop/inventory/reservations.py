"""An order's hold on stock, in the order's own transaction: reserve (FEFO), release (the order
cancelled), pick (the order shipped) and return (goods of a shipped order back on hand).

Reserving takes each line's units from the lots that expire first (earliest expiry, then the
older lot), skipping lots that would expire before the line's ``min_remaining_days``; each lot's
units are taken by the guarded UPDATE ``… SET reserved = reserved + :q WHERE id = :lot AND
on_hand - reserved >= :q``. On PostgreSQL a concurrent buyer's UPDATE of the same lot waits on
its row lock and re-checks the guard against the committed row; on SQLite the writer holds the
database from BEGIN IMMEDIATE. So of many buyers for the last units, exactly as many as there
are units are served. A line that cannot be held whole refuses the order (``OutOfStock``, with
the product's name and what is left) inside a savepoint: nothing stays reserved.

Each of the four is idempotent per order: the reservation's row is unique on the order number
and its state moves once (``reserved`` → ``released`` | ``picked``) by a guarded UPDATE.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveloop.inventory import events
from liveloop.inventory.contracts import (
    HeldUnits,
    InventoryConflict,
    InventoryRefused,
    MoveKind,
    OutOfStock,
    ReservationState,
    ReservationView,
    ReserveLine,
    UnknownWarehouse,
)
from liveloop.inventory.models import StockLot, StockMove, StockReservation, Warehouse
from liveloop.inventory.stock import record_move

BY = "order"


def reserve(
    session: Session,
    order_no: str,
    lines: Sequence[ReserveLine],
    *,
    at: datetime,
    warehouse: str | None = None,
) -> ReservationView:
    """Hold every line's units for ``order_no`` (see the module doc); from ``warehouse`` only
    when given, else from any active warehouse. The same order again answers its reservation
    as it is (``changed=False``)."""
    known = reservation_of(session, order_no)
    if known is not None:
        return known
    for line in lines:
        if line.quantity <= 0:
            raise InventoryRefused(f"{order_no}: 数量必须大于 0 (quantity must be positive)")
    warehouse_id = None
    if warehouse is not None:
        warehouse_id = session.scalar(
            select(Warehouse.id).where(Warehouse.code == warehouse, Warehouse.active.is_(True))
        )
        if warehouse_id is None:
            raise UnknownWarehouse(f"没有这个仓库或已停用 (no active warehouse) {warehouse}")
    try:
        with session.begin_nested():
            session.execute(
                cast(Table, StockReservation.__table__)
                .insert()
                .values(order_no=order_no, state=ReservationState.RESERVED.value, reserved_at=at)
            )
            for line_no, line in enumerate(lines, start=1):
                _hold_line(session, order_no, line_no, line, at, warehouse_id)
    except IntegrityError:
        # The same order reserved concurrently (the reservation's number is unique): answer
        # what the other transaction held.
        found = reservation_of(session, order_no)
        if found is None:
            raise
        return found
    view = reservation_of(session, order_no)
    if view is None:  # pragma: no cover - written just above in this transaction
        raise InventoryConflict(f"{order_no}: 预留刚刚变化 (the reservation just changed)")
    return ReservationView(**{**view.__dict__, "changed": True})


def _candidates(
    session: Session, line: ReserveLine, at: datetime, warehouse_id: int | None
) -> list[tuple[int, int]]:
    """(lot id, units free) of the lots the line may take from, FEFO."""
    good_until = at.date() + timedelta(days=line.min_remaining_days)
    query = (
        select(StockLot.id, StockLot.on_hand - StockLot.reserved)
        .join(Warehouse, Warehouse.id == StockLot.warehouse_id)
        .where(
            StockLot.sku == line.sku,
            StockLot.expires_on >= good_until,
            StockLot.on_hand > StockLot.reserved,
            Warehouse.active.is_(True),
        )
        .order_by(StockLot.expires_on, StockLot.produced_on, StockLot.id)
    )
    if warehouse_id is not None:
        query = query.where(StockLot.warehouse_id == warehouse_id)
    return [(lot_id, int(free)) for lot_id, free in session.execute(query)]


def _hold_line(
    session: Session,
    order_no: str,
    line_no: int,
    line: ReserveLine,
    at: datetime,
    warehouse_id: int | None,
) -> None:
    need = line.quantity
    for lot_id, free in _candidates(session, line, at, warehouse_id):
        while need > 0 and free > 0:
            take = min(need, free)
            held = session.execute(
                update(StockLot)
                .where(StockLot.id == lot_id, StockLot.on_hand - StockLot.reserved >= take)
                .values(reserved=StockLot.reserved + take)
                .execution_options(synchronize_session=False)
            )
            if held.rowcount == 1:  # type: ignore[attr-defined]
                record_move(
                    session,
                    key=f"reserve:{order_no}:{line_no}:{lot_id}",
                    lot_id=lot_id,
                    kind=MoveKind.RESERVE,
                    reserved=take,
                    at=at,
                    by=BY,
                    order_no=order_no,
                )
                need -= take
                break
            # A concurrent buyer took some of this lot first: see what it has left now.
            free = int(
                session.scalar(
                    select(StockLot.on_hand - StockLot.reserved).where(StockLot.id == lot_id)
                )
                or 0
            )
        if need == 0:
            return
    left = line.quantity - need
    name = line.name or line.sku
    raise OutOfStock(
        f"库存不足:{name} 仅剩 {left} 件 (not enough stock for {line.sku}: {left} left, "
        f"{line.quantity} wanted)"
    )


def reservation_of(session: Session, order_no: str) -> ReservationView | None:
    found = session.execute(
        select(
            StockReservation.state, StockReservation.reserved_at, StockReservation.settled_at
        ).where(StockReservation.order_no == order_no)
    ).one_or_none()
    if found is None:
        return None
    units = session.execute(
        select(
            Warehouse.code,
            StockLot.sku,
            StockLot.lot_no,
            StockLot.expires_on,
            StockMove.reserved_delta,
        )
        .join(StockLot, StockLot.id == StockMove.lot_id)
        .join(Warehouse, Warehouse.id == StockLot.warehouse_id)
        .where(StockMove.order_no == order_no, StockMove.kind == MoveKind.RESERVE.value)
        .order_by(StockMove.id)
    )
    return ReservationView(
        order_no,
        ReservationState(found.state),
        found.reserved_at,
        found.settled_at,
        tuple(HeldUnits(*row) for row in units),
    )


def _settle(session: Session, order_no: str, to: ReservationState, at: datetime) -> bool:
    """Move the reservation out of ``reserved`` once; False when there is none to move."""
    moved = session.execute(
        update(StockReservation)
        .where(
            StockReservation.order_no == order_no,
            StockReservation.state == ReservationState.RESERVED.value,
        )
        .values(state=to.value, settled_at=at)
        .execution_options(synchronize_session=False)
    )
    return moved.rowcount == 1  # type: ignore[attr-defined]


def _held(session: Session, order_no: str) -> list[tuple[int, int, int]]:
    """(reserve move id, lot id, units) of the order's reservation."""
    return [
        (move_id, lot_id, units)
        for move_id, lot_id, units in session.execute(
            select(StockMove.id, StockMove.lot_id, StockMove.reserved_delta)
            .where(StockMove.order_no == order_no, StockMove.kind == MoveKind.RESERVE.value)
            .order_by(StockMove.id)
        )
    ]


def release(session: Session, order_no: str, *, at: datetime) -> bool:
    """The order was cancelled (by the buyer, the brand or the unpaid timeout): its units are
    sellable again. True when this call released them; False when there was nothing to release
    (no reservation, or already released or picked)."""
    return _settle_held(session, order_no, ReservationState.RELEASED, MoveKind.RELEASE, at)


def pick(session: Session, order_no: str, *, at: datetime) -> bool:
    """The order shipped: its held units leave the warehouse (reserved and on hand down, from
    the lots they were held in — FEFO as reserved). True when this call picked them."""
    return _settle_held(session, order_no, ReservationState.PICKED, MoveKind.PICK, at)


def _settle_held(
    session: Session, order_no: str, to: ReservationState, kind: MoveKind, at: datetime
) -> bool:
    """Settle the reservation once, then take each held lot's units off reserved (and, for a
    pick, off on hand too), one ``kind`` move per reserve move."""
    if not _settle(session, order_no, to, at):
        return False
    leaves = kind == MoveKind.PICK
    for move_id, lot_id, units in _held(session, order_no):
        values = {"reserved": StockLot.reserved - units}
        if leaves:
            values["on_hand"] = StockLot.on_hand - units
        session.execute(
            update(StockLot)
            .where(StockLot.id == lot_id)
            .values(values)
            .execution_options(synchronize_session=False)
        )
        record_move(
            session,
            key=f"{kind.value}:{move_id}",
            lot_id=lot_id,
            kind=kind,
            on_hand=-units if leaves else 0,
            reserved=-units,
            at=at,
            by=BY,
            order_no=order_no,
        )
    return True


def put_back(
    session: Session,
    order_no: str,
    *,
    sku: str,
    quantity: int,
    return_no: str,
    at: datetime,
    by: str,
    source: str,
) -> int:
    """Goods of a shipped order came back sellable (a refund with goods returned): ``quantity``
    units of ``sku`` back on hand, into the lots they were picked from (the latest expiring
    first), at most what was picked less what came back before. Keyed by ``return_no``: the
    same return again puts back nothing. Returns the units put back."""
    if quantity <= 0:
        raise InventoryRefused(f"{return_no}: 退货数量必须大于 0 (quantity must be positive)")
    if session.scalar(
        # ``startswith`` escapes LIKE's wildcards: return R_1 is not a replay of RX1.
        select(StockMove.id)
        .where(StockMove.source_key.startswith(f"return:{return_no}:", autoescape=True))
        .limit(1)
    ):
        return 0
    picked = session.execute(
        select(StockMove.lot_id, StockMove.on_hand_delta, StockLot.expires_on)
        .join(StockLot, StockLot.id == StockMove.lot_id)
        .where(
            StockMove.order_no == order_no,
            StockLot.sku == sku,
            StockMove.kind.in_([MoveKind.PICK.value, MoveKind.RETURN.value]),
        )
    ).all()
    room: dict[int, int] = {}
    expiry = {}
    for lot_id, delta, expires_on in picked:
        room[lot_id] = room.get(lot_id, 0) - delta  # picks are negative, returns positive
        expiry[lot_id] = expires_on
    shipped = sum(room.values())
    if shipped < quantity:
        raise InventoryConflict(
            f"{order_no}: 退货数量超过该订单已出库的 {shipped} 件 "
            "(more than the order shipped of this SKU)"
        )
    left = quantity
    for lot_id in sorted(room, key=lambda lot: expiry[lot], reverse=True):
        units = min(left, room[lot_id])
        if units <= 0:
            continue
        if record_move(
            session,
            key=f"return:{return_no}:{lot_id}",
            lot_id=lot_id,
            kind=MoveKind.RETURN,
            on_hand=units,
            at=at,
            by=by,
            order_no=order_no,
        ):
            session.execute(
                update(StockLot)
                .where(StockLot.id == lot_id)
                .values(on_hand=StockLot.on_hand + units)
                .execution_options(synchronize_session=False)
            )
        left -= units
        if left == 0:
            break
    events.stock_returned(
        session, at=at, source=source, key=return_no, order_no=order_no, sku=sku, quantity=quantity
    )
    return quantity
