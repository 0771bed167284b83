"""Warehouses and their stock: opening a warehouse, receiving lots (goods in), counting them
(盘点), and reading stock by SKU and lot. Every change of a lot is a stock move written in the
same transaction, unique on its source key, so a replayed receipt or count changes nothing."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveloop.inventory import events
from liveloop.inventory.contracts import (
    ZONE_CN,
    InventoryConflict,
    InventoryRefused,
    MoveKind,
    UnknownLot,
    UnknownWarehouse,
    Zone,
)
from liveloop.inventory.models import StockLot, StockMove, Warehouse

CUTOFF = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class WarehouseSpec:
    code: str
    name: str
    province: str
    city: str
    lat: Decimal
    lon: Decimal
    zones: tuple[Zone, ...]
    cutoff: str = "16:00"  # HH:MM in the brand's time zone
    active: bool = True


@dataclass(frozen=True)
class WarehouseView:
    code: str
    name: str
    province: str
    city: str
    lat: Decimal
    lon: Decimal
    zones: tuple[Zone, ...]
    cutoff: time
    active: bool


@dataclass(frozen=True)
class ReceiptLine:
    """Units of one lot coming in under ``receipt_no`` (the ERP's 入库单号)."""

    receipt_no: str
    warehouse: str
    sku: str
    lot_no: str
    zone: Zone
    produced_on: date
    expires_on: date
    quantity: int


@dataclass(frozen=True)
class LotView:
    warehouse: str
    sku: str
    lot_no: str
    zone: Zone
    produced_on: date
    expires_on: date
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class MoveView:
    id: int
    warehouse: str
    sku: str
    lot_no: str
    kind: MoveKind
    on_hand_delta: int
    reserved_delta: int
    order_no: str | None
    reason: str | None
    at: datetime
    by: str
    source_key: str


@dataclass(frozen=True)
class Moved:
    """What a receipt or a count did: ``changed=False`` for a replay."""

    lot: LotView
    delta: int
    changed: bool


def _warehouse_view(w: Warehouse) -> WarehouseView:
    hh, mm = w.cutoff.split(":")
    return WarehouseView(
        w.code,
        w.name,
        w.province,
        w.city,
        Decimal(w.lat),
        Decimal(w.lon),
        tuple(Zone(z) for z in w.zones),
        time(int(hh), int(mm)),
        w.active,
    )


def put_warehouse(session: Session, spec: WarehouseSpec, *, at: datetime) -> WarehouseView:
    """Open a warehouse, or change one by its code. Coordinates in degrees (−90..90, −180..180),
    at least one zone, a cut-off ``HH:MM``."""
    if not -90 <= spec.lat <= 90 or not -180 <= spec.lon <= 180:
        raise InventoryRefused(f"{spec.code}: 经纬度超出范围 (latitude/longitude out of range)")
    if not spec.zones:
        raise InventoryRefused(f"{spec.code}: 仓库至少要有一个温区 (a warehouse needs a zone)")
    if not CUTOFF.match(spec.cutoff):
        raise InventoryRefused(f"{spec.code}: 截单时间须为 HH:MM (cut-off must be HH:MM)")
    zones = sorted({Zone(z).value for z in spec.zones}, key=[z.value for z in Zone].index)
    found = session.scalars(select(Warehouse).where(Warehouse.code == spec.code)).one_or_none()
    values = {
        "name": spec.name,
        "province": spec.province,
        "city": spec.city,
        "lat": spec.lat,
        "lon": spec.lon,
        "zones": zones,
        "cutoff": spec.cutoff,
        "active": spec.active,
    }
    if found is None:
        found = Warehouse(code=spec.code, created_at=at, **values)
        session.add(found)
    else:
        held = set(
            session.scalars(
                select(StockLot.zone).where(StockLot.warehouse_id == found.id, StockLot.on_hand > 0)
            )
        )
        if held - set(zones):
            raise InventoryConflict(
                f"{spec.code}: 仍有库存存放在要取消的温区 (stock is still held in a zone removed)"
            )
        for key, value in values.items():
            setattr(found, key, value)
    session.flush()
    return _warehouse_view(found)


def list_warehouses(session: Session, *, active_only: bool = False) -> list[WarehouseView]:
    query = select(Warehouse).order_by(Warehouse.code)
    if active_only:
        query = query.where(Warehouse.active.is_(True))
    return [_warehouse_view(w) for w in session.scalars(query)]


def _warehouse(session: Session, code: str) -> Warehouse:
    found = session.scalars(select(Warehouse).where(Warehouse.code == code)).one_or_none()
    if found is None:
        raise UnknownWarehouse(f"没有这个仓库 (no warehouse) {code}")
    return found


def _lot_view(lot: StockLot, warehouse: str) -> LotView:
    return LotView(
        warehouse,
        lot.sku,
        lot.lot_no,
        Zone(lot.zone),
        lot.produced_on,
        lot.expires_on,
        lot.on_hand,
        lot.reserved,
    )


def record_move(
    session: Session,
    *,
    key: str,
    lot_id: int,
    kind: MoveKind,
    on_hand: int = 0,
    reserved: int = 0,
    at: datetime,
    by: str,
    order_no: str | None = None,
    reason: str | None = None,
) -> bool:
    """Append one move unless its source key is there already (then False: a replay). The lot
    itself is changed by the caller, after this answered True, in the same transaction."""
    try:
        with session.begin_nested():
            session.execute(
                cast(Table, StockMove.__table__)
                .insert()
                .values(
                    source_key=key,
                    lot_id=lot_id,
                    kind=kind.value,
                    on_hand_delta=on_hand,
                    reserved_delta=reserved,
                    order_no=order_no,
                    reason=reason,
                    at=at,
                    by=by[:64],
                )
            )
    except IntegrityError:
        return False
    return True


def receive(session: Session, line: ReceiptLine, *, at: datetime, by: str, source: str) -> Moved:
    """Goods in: the lot (created on its first receipt; later receipts must agree on its zone
    and dates) gains ``quantity`` on hand; one ``receive`` move keyed by the receipt and lot."""
    if line.quantity <= 0:
        raise InventoryRefused(f"{line.receipt_no}: 入库数量必须大于 0 (quantity must be positive)")
    if line.expires_on < line.produced_on:
        raise InventoryRefused(
            f"{line.receipt_no}: 到期日早于生产日 (expiry before production) {line.lot_no}"
        )
    warehouse = _warehouse(session, line.warehouse)
    zone = Zone(line.zone)
    if zone.value not in warehouse.zones:
        raise InventoryRefused(
            f"{line.receipt_no}: {warehouse.name}没有{ZONE_CN[zone]}温区 "
            f"(the warehouse has no {zone.value} zone)"
        )
    lot = _lot_for_receipt(session, warehouse, line, zone, at)
    key = f"receive:{line.receipt_no}:{warehouse.code}:{line.sku}:{line.lot_no}"
    moved = record_move(
        session, key=key, lot_id=lot.id, kind=MoveKind.RECEIVE, on_hand=line.quantity, at=at, by=by
    )
    if moved:
        session.execute(
            update(StockLot)
            .where(StockLot.id == lot.id)
            .values(on_hand=StockLot.on_hand + line.quantity)
            .execution_options(synchronize_session=False)
        )
        events.stock_received(
            session,
            at=at,
            source=source,
            key=key,
            warehouse=warehouse.code,
            sku=line.sku,
            lot_no=line.lot_no,
            quantity=line.quantity,
            expires_on=line.expires_on,
        )
    session.refresh(lot)
    return Moved(_lot_view(lot, warehouse.code), line.quantity if moved else 0, moved)


def _lot_for_receipt(
    session: Session, warehouse: Warehouse, line: ReceiptLine, zone: Zone, at: datetime
) -> StockLot:
    def find() -> StockLot | None:
        return session.scalars(
            select(StockLot).where(
                StockLot.warehouse_id == warehouse.id,
                StockLot.sku == line.sku,
                StockLot.lot_no == line.lot_no,
            )
        ).one_or_none()

    lot = find()
    if lot is None:
        try:
            with session.begin_nested():
                lot = StockLot(
                    warehouse_id=warehouse.id,
                    sku=line.sku,
                    lot_no=line.lot_no,
                    zone=zone.value,
                    produced_on=line.produced_on,
                    expires_on=line.expires_on,
                    on_hand=0,
                    reserved=0,
                    received_at=at,
                )
                session.add(lot)
                session.flush()
        except IntegrityError:  # received concurrently: the other receipt made it
            lot = find()
            if lot is None:
                raise InventoryConflict(
                    f"{line.lot_no}: 批次刚刚变化,请重试 (the lot just changed)"
                ) from None
    if (lot.zone, lot.produced_on, lot.expires_on) != (
        zone.value,
        line.produced_on,
        line.expires_on,
    ):
        raise InventoryConflict(
            f"{line.receipt_no}: 批次 {line.lot_no} 已登记为其他温区或日期 "
            "(the lot is recorded with another zone or dates)"
        )
    return lot


def adjust(
    session: Session,
    *,
    key: str,
    warehouse: str,
    sku: str,
    lot_no: str,
    counted: int,
    reason: str,
    at: datetime,
    by: str,
    source: str,
) -> Moved:
    """A count (盘点): the lot's on hand becomes ``counted``; the difference is one ``adjust``
    move keyed by ``key`` with its reason. A count below what orders hold is refused."""
    if counted < 0:
        raise InventoryRefused(f"{lot_no}: 盘点数量不能为负 (a count cannot be negative)")
    if not reason.strip():
        raise InventoryRefused(f"{lot_no}: 盘点调整须写明原因 (an adjustment needs a reason)")
    found = _warehouse(session, warehouse)
    lot = session.scalars(
        select(StockLot)
        .where(StockLot.warehouse_id == found.id, StockLot.sku == sku, StockLot.lot_no == lot_no)
        .with_for_update()
    ).one_or_none()
    if lot is None:
        raise UnknownLot(f"没有这个批次 (no lot) {warehouse}/{sku}/{lot_no}")
    delta = counted - lot.on_hand
    if counted < lot.reserved:
        raise InventoryConflict(
            f"{lot_no}: 盘点数 {counted} 少于已被订单预留的 {lot.reserved} 件 "
            "(the count is below what orders hold)"
        )
    moved = record_move(
        session,
        key=f"adjust:{key}",
        lot_id=lot.id,
        kind=MoveKind.ADJUST,
        on_hand=delta,
        at=at,
        by=by,
        reason=reason[:200],
    )
    if moved and delta:
        changed = session.execute(
            update(StockLot)
            .where(StockLot.id == lot.id, StockLot.on_hand + delta >= StockLot.reserved)
            .values(on_hand=StockLot.on_hand + delta)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise InventoryConflict(f"{lot_no}: 库存刚刚变化,请重新盘点 (the stock just changed)")
    if moved:
        events.stock_adjusted(
            session,
            at=at,
            source=source,
            key=key,
            warehouse=warehouse,
            sku=sku,
            lot_no=lot_no,
            delta=delta,
            counted=counted,
            reason=reason,
        )
    session.refresh(lot)
    return Moved(_lot_view(lot, warehouse), delta if moved else 0, moved)


def list_lots(
    session: Session,
    *,
    sku: str | None = None,
    warehouse: str | None = None,
    with_empty: bool = False,
    limit: int = 500,
) -> list[LotView]:
    """Lots by SKU, then FEFO (earliest expiry first)."""
    query = (
        select(StockLot, Warehouse.code)
        .join(Warehouse, Warehouse.id == StockLot.warehouse_id)
        .order_by(StockLot.sku, StockLot.expires_on, Warehouse.code, StockLot.id)
        .limit(limit)
    )
    if sku is not None:
        query = query.where(StockLot.sku == sku)
    if warehouse is not None:
        query = query.where(Warehouse.code == warehouse)
    if not with_empty:
        query = query.where(StockLot.on_hand > 0)
    return [_lot_view(lot, code) for lot, code in session.execute(query)]


def tracked(session: Session, skus: Collection[str]) -> set[str]:
    """Which of ``skus`` are stock-tracked: they have a lot in some warehouse."""
    if not skus:
        return set()
    return set(
        session.scalars(select(StockLot.sku).where(StockLot.sku.in_(sorted(skus))).distinct())
    )


def available(
    session: Session, skus: Iterable[str], *, on: date, min_remaining_days: int = 0
) -> dict[tuple[str, str], int]:
    """Sellable units per (warehouse, SKU): on hand less reserved of the lots still good on
    ``on`` plus ``min_remaining_days``."""
    good_until = on + timedelta(days=min_remaining_days)
    rows = session.execute(
        select(Warehouse.code, StockLot.sku, func.sum(StockLot.on_hand - StockLot.reserved))
        .join(Warehouse, Warehouse.id == StockLot.warehouse_id)
        .where(StockLot.sku.in_(sorted(set(skus))), StockLot.expires_on >= good_until)
        .group_by(Warehouse.code, StockLot.sku)
    )
    return {(code, sku): int(units or 0) for code, sku, units in rows}


def list_moves(
    session: Session,
    *,
    sku: str | None = None,
    order_no: str | None = None,
    warehouse: str | None = None,
    limit: int = 200,
) -> list[MoveView]:
    """The newest moves first."""
    query = (
        select(StockMove, StockLot.sku, StockLot.lot_no, Warehouse.code)
        .join(StockLot, StockLot.id == StockMove.lot_id)
        .join(Warehouse, Warehouse.id == StockLot.warehouse_id)
        .order_by(StockMove.id.desc())
        .limit(limit)
    )
    if sku is not None:
        query = query.where(StockLot.sku == sku)
    if order_no is not None:
        query = query.where(StockMove.order_no == order_no)
    if warehouse is not None:
        query = query.where(Warehouse.code == warehouse)
    return [
        MoveView(
            m.id,
            code,
            lot_sku,
            lot_no,
            MoveKind(m.kind),
            m.on_hand_delta,
            m.reserved_delta,
            m.order_no,
            m.reason,
            m.at,
            m.by,
            m.source_key,
        )
        for m, lot_sku, lot_no, code in session.execute(query)
    ]


@dataclass(frozen=True)
class Discrepancy:
    warehouse: str
    sku: str
    lot_no: str
    on_hand: int
    moves_on_hand: int
    reserved: int
    moves_reserved: int


def reconcile(session: Session) -> list[Discrepancy]:
    """Lots whose on hand or reserved differs from the sum of their moves (none, when the
    ledger holds)."""
    sums = (
        select(
            StockMove.lot_id,
            func.sum(StockMove.on_hand_delta).label("on_hand"),
            func.sum(StockMove.reserved_delta).label("reserved"),
        )
        .group_by(StockMove.lot_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Warehouse.code,
            StockLot.sku,
            StockLot.lot_no,
            StockLot.on_hand,
            func.coalesce(sums.c.on_hand, 0),
            StockLot.reserved,
            func.coalesce(sums.c.reserved, 0),
        )
        .join(Warehouse, Warehouse.id == StockLot.warehouse_id)
        .outerjoin(sums, sums.c.lot_id == StockLot.id)
    )
    return [
        Discrepancy(code, sku, lot_no, oh, int(moh), res, int(mres))
        for code, sku, lot_no, oh, moh, res, mres in rows
        if oh != moh or res != mres
    ]
