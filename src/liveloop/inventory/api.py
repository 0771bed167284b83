"""Inventory over HTTP, ``/v1/inventory``: warehouses (list, open or change), lots (FEFO), goods
received (an ERP's receipt: operators and integrators), counts (盘点: operators), stock by SKU,
the moves ledger, goods returned, and the route preview (which warehouse, how many shipments,
which carrier, and why). Operators and admins manage; analysts and integrators read."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.inventory import service as inventory
from liveloop.inventory.contracts import InventoryRefused, MoveKind, Zone
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(prefix="/v1/inventory", tags=["inventory"])

Reader = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.ANALYST, Role.INTEGRATOR))]
Editor = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
Receiver = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.INTEGRATOR))]
Code = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_.-]+$")]
Sku = Annotated[str, Field(min_length=1, max_length=32, pattern=NO_CONTROL_CHARS)]
Key = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Text = Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)]
Units = Annotated[int, Field(ge=1, le=10_000_000)]


class _Out(BaseModel):
    """A response read off the service's view dataclass, field by field (its properties too)."""

    model_config = ConfigDict(from_attributes=True)


class WarehouseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code
    name: Text
    province: Text
    city: Text
    lat: Annotated[Decimal, Field(ge=-90, le=90, decimal_places=6)]
    lon: Annotated[Decimal, Field(ge=-180, le=180, decimal_places=6)]
    zones: Annotated[list[Zone], Field(min_length=1, max_length=3)]
    cutoff: Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")] = "16:00"
    active: bool = True


class WarehouseOut(BaseModel):
    code: str
    name: str
    province: str
    city: str
    lat: Decimal
    lon: Decimal
    zones: list[Zone]
    cutoff: str
    active: bool


class LotOut(_Out):
    warehouse: str
    sku: str
    lot_no: str
    zone: Zone
    produced_on: date
    expires_on: date
    on_hand: int
    reserved: int
    available: int


class ReceiptLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    warehouse: Code
    sku: Sku
    lot_no: Key
    zone: Zone
    produced_on: date
    expires_on: date
    quantity: Units


class ReceiptIn(BaseModel):
    """An ERP's 入库单: ``receipt_no`` makes it idempotent (sent again, nothing moves)."""

    model_config = ConfigDict(extra="forbid")
    receipt_no: Key
    lines: Annotated[list[ReceiptLineIn], Field(min_length=1, max_length=500)]


class MovedOut(_Out):
    lot: LotOut
    delta: int
    changed: bool


class AdjustmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: Key = Field(description="the count's own number (盘点单号): sent again, nothing moves")
    warehouse: Code
    sku: Sku
    lot_no: Key
    counted: Annotated[int, Field(ge=0, le=10_000_000)]
    reason: Annotated[str, Field(min_length=1, max_length=200, pattern=NO_CONTROL_CHARS)]


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    return_no: Key
    order_no: Key
    sku: Sku
    quantity: Units


class ReturnOut(BaseModel):
    return_no: str
    put_back: int = Field(description="units put back on hand by this call (0: a replay)")


class MoveOut(_Out):
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


class StockOut(BaseModel):
    sku: str
    on_hand: int
    reserved: int
    available: int
    lots: list[LotOut]


class RouteLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: Sku
    quantity: Units
    cold: Zone | None = Field(None, description="the line's cold class; default: as its lots")
    name: Text | None = None


class RouteIn(BaseModel):
    """The order's lines and where it goes: the address's coordinates, or a community pickup
    point's (``pickup_point`` with its coordinates: the order rides that point's batch)."""

    model_config = ConfigDict(extra="forbid")
    lines: Annotated[list[RouteLineIn], Field(min_length=1, max_length=100)]
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    label: Text = "收货地址"
    pickup_point: Key | None = None
    at: datetime | None = None

    @model_validator(mode="after")
    def _aware(self) -> RouteIn:
        if self.at is not None and self.at.tzinfo is None:
            raise ValueError("at must carry a time zone")
        return self


class ShipmentLineOut(_Out):
    line_no: int
    sku: str
    quantity: int
    cold: Zone


class ShipmentOut(_Out):
    warehouse: str
    warehouse_name: str
    distance_km: float
    carrier: str
    ships_on: date
    next_day: bool
    lines: list[ShipmentLineOut]


class UnservedOut(_Out):
    line_no: int
    sku: str
    quantity: int
    why: str


class RouteOut(_Out):
    shipments: list[ShipmentOut]
    unserved: list[UnservedOut]
    split: bool
    complete: bool
    pickup_point: str | None
    explanation: list[str]


def _warehouse(w: inventory.WarehouseView) -> WarehouseOut:
    return WarehouseOut(
        code=w.code,
        name=w.name,
        province=w.province,
        city=w.city,
        lat=w.lat,
        lon=w.lon,
        zones=list(w.zones),
        cutoff=f"{w.cutoff:%H:%M}",
        active=w.active,
    )


@router.get("/warehouses")
def list_warehouses(_: Reader, session: ReadSessionDep) -> list[WarehouseOut]:
    return [_warehouse(w) for w in inventory.list_warehouses(session)]


@router.put("/warehouses/{code}")
def put_warehouse(
    code: Annotated[str, Path(max_length=16, pattern=r"^[A-Za-z0-9_.-]+$")],
    body: WarehouseIn,
    _: Editor,
    session: SessionDep,
    runtime: RuntimeDep,
) -> WarehouseOut:
    """Open a warehouse or change it (its zones, cut-off, whether it is active)."""
    if body.code != code:
        raise InventoryRefused(f"{code}: 路径与正文的仓库编码不一致 (code differs from the path)")
    spec = inventory.WarehouseSpec(**{**body.model_dump(), "zones": tuple(body.zones)})
    return _warehouse(inventory.put_warehouse(session, spec, at=runtime.clock.now()))


@router.get("/lots")
def list_lots(
    _: Reader,
    session: ReadSessionDep,
    sku: Annotated[str | None, Query(max_length=32)] = None,
    warehouse: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[LotOut]:
    """Lots with stock, by SKU then earliest expiry first (FEFO)."""
    return [
        LotOut.model_validate(lot)
        for lot in inventory.list_lots(session, sku=sku, warehouse=warehouse, limit=limit)
    ]


@router.post("/receipts")
def receive(
    body: ReceiptIn, principal: Receiver, session: SessionDep, runtime: RuntimeDep
) -> list[MovedOut]:
    now = runtime.clock.now()
    answers = []
    for line in body.lines:
        moved = inventory.receive(
            session,
            inventory.ReceiptLine(body.receipt_no, **line.model_dump()),
            at=now,
            by=principal.name,
            source=inventory.SOURCE,
        )
        answers.append(MovedOut.model_validate(moved))
    return answers


@router.post("/adjustments")
def adjust(
    body: AdjustmentIn, principal: Editor, session: SessionDep, runtime: RuntimeDep
) -> MovedOut:
    """A count (盘点): the lot's on hand set to what was counted, with the reason."""
    moved = inventory.adjust(
        session,
        **body.model_dump(),
        at=runtime.clock.now(),
        by=principal.name,
        source=inventory.SOURCE,
    )
    return MovedOut.model_validate(moved)


@router.post("/returns")
def put_back(
    body: ReturnIn, principal: Editor, session: SessionDep, runtime: RuntimeDep
) -> ReturnOut:
    """Goods of a shipped order back in the warehouse, sellable (after a refund with return)."""
    units = inventory.put_back(
        session,
        body.order_no,
        sku=body.sku,
        quantity=body.quantity,
        return_no=body.return_no,
        at=runtime.clock.now(),
        by=principal.name,
        source=inventory.SOURCE,
    )
    return ReturnOut(return_no=body.return_no, put_back=units)


@router.get("/stock/{sku}")
def stock_of(
    sku: Annotated[str, Path(max_length=32)], _: Reader, session: ReadSessionDep
) -> StockOut:
    lots = inventory.list_lots(session, sku=sku)
    return StockOut(
        sku=sku,
        on_hand=sum(lot.on_hand for lot in lots),
        reserved=sum(lot.reserved for lot in lots),
        available=sum(lot.available for lot in lots),
        lots=[LotOut.model_validate(lot) for lot in lots],
    )


@router.get("/moves")
def list_moves(
    _: Reader,
    session: ReadSessionDep,
    sku: Annotated[str | None, Query(max_length=32)] = None,
    order_no: Annotated[str | None, Query(max_length=64)] = None,
    warehouse: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[MoveOut]:
    """The ledger, newest first."""
    return [
        MoveOut.model_validate(m)
        for m in inventory.list_moves(
            session, sku=sku, order_no=order_no, warehouse=warehouse, limit=limit
        )
    ]


@router.post("/route-preview")
def route_preview(
    body: RouteIn, _: Reader, session: ReadSessionDep, runtime: RuntimeDep
) -> RouteOut:
    """Which warehouse(s) would ship these lines to this place now, by which carrier, and why
    (nothing is reserved)."""
    plan = inventory.route_lines(
        session,
        [
            inventory.RouteLine(line.sku, line.quantity, line.cold or Zone.AMBIENT, line.name)
            for line in body.lines
        ],
        inventory.Destination(body.lat, body.lon, body.label, body.pickup_point),
        now=body.at or runtime.clock.now(),
        tz=runtime.settings.tz,
    )
    return RouteOut.model_validate(plan)
