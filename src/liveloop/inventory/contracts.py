"""What inventory publishes to other packages: the storage zones a warehouse has and a lot sits
in, the kinds of stock move, what a reservation goes through, and why an inventory command is
refused. Reasons are Chinese first (the console shows them as they are), with the English after.

    InventoryError              400
     ├── UnknownWarehouse       404  no warehouse with that code
     ├── UnknownLot             404  no such lot of that SKU in that warehouse
     ├── InventoryRefused       422  input that cannot mean one thing (a zone the warehouse
     │                               lacks, an expiry before production …)
     └── InventoryConflict      409  clashes with what is
          └── OutOfStock        409  not enough stock to reserve an order's line
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from liveloop.errors import DomainError


class InventoryError(DomainError):
    """An inventory command refused as given."""


class UnknownWarehouse(InventoryError):
    """No warehouse with that code."""

    status = 404


class UnknownLot(InventoryError):
    """No such lot."""

    status = 404


class InventoryRefused(InventoryError):
    """Input that cannot be carried out as given."""

    status = 422


class InventoryConflict(InventoryError):
    """The command clashes with the stock as it is."""

    status = 409


class OutOfStock(InventoryConflict):
    """Not enough sellable stock for a line; nothing was reserved."""


class Zone(StrEnum):
    """A storage zone, and the cold class a line needs (GB 31605-2020's ranges)."""

    AMBIENT = "ambient"  # 常温
    CHILLED = "chilled"  # 冷藏 2–8 °C
    FROZEN = "frozen"  # 冷冻 ≤ −18 °C


ZONE_CN = {Zone.AMBIENT: "常温", Zone.CHILLED: "冷藏", Zone.FROZEN: "冷冻"}  # in a sentence
ZONE_NAMES = {Zone.AMBIENT: "常温", Zone.CHILLED: "冷藏 2–8 °C", Zone.FROZEN: "冷冻 ≤ −18 °C"}
COLD_ZONES = frozenset({Zone.CHILLED, Zone.FROZEN})


class MoveKind(StrEnum):
    RECEIVE = "receive"  # goods in: on hand up
    ADJUST = "adjust"  # 盘点: on hand set to what was counted, with a reason
    RESERVE = "reserve"  # an order's line held: reserved up
    RELEASE = "release"  # the order cancelled: reserved down
    PICK = "pick"  # the order shipped: reserved and on hand down
    RETURN = "return"  # goods of a shipped order back in: on hand up


MOVE_NAMES = {
    MoveKind.RECEIVE: "入库",
    MoveKind.ADJUST: "盘点调整",
    MoveKind.RESERVE: "下单预留",
    MoveKind.RELEASE: "取消释放",
    MoveKind.PICK: "发货出库",
    MoveKind.RETURN: "退货入库",
}


class ReservationState(StrEnum):
    RESERVED = "reserved"  # held for an order not yet shipped
    RELEASED = "released"  # the order was cancelled: its units are sellable again
    PICKED = "picked"  # the order shipped: its units left the warehouse


RESERVATION_NAMES = {
    ReservationState.RESERVED: "已预留",
    ReservationState.RELEASED: "已释放",
    ReservationState.PICKED: "已出库",
}


@dataclass(frozen=True)
class ReserveLine:
    """One line of an order to hold stock for. ``name`` is how a refusal names the product;
    ``min_remaining_days``: lots expiring sooner are not sold to this order (e.g. a third of
    the shelf life, 三分之一原则)."""

    sku: str
    quantity: int
    name: str | None = None
    min_remaining_days: int = 0


@dataclass(frozen=True)
class HeldUnits:
    """Units of one lot an order holds (or held)."""

    warehouse: str
    sku: str
    lot_no: str
    expires_on: date
    quantity: int


@dataclass(frozen=True)
class ReservationView:
    order_no: str
    state: ReservationState
    reserved_at: datetime
    settled_at: datetime | None
    units: tuple[HeldUnits, ...]
    changed: bool = False
