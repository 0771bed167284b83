"""Inventory tables: warehouses, stock lots (a SKU's units of one lot in one warehouse), the stock
moves that change them and each order's reservation.

Invariants, each held by the store itself so no race can break them:
- ``0 ≤ reserved ≤ on_hand`` on every lot (CHECK constraints); ``reserved`` rises only by the
  guarded UPDATE ``… SET reserved = reserved + :q WHERE id = :lot AND on_hand - reserved >= :q``
  in the order's transaction, so concurrent buyers never hold more than there is;
- one lot per (warehouse, SKU, lot number);
- the moves are an append-only ledger, one row per business fact, unique on ``source_key``
  (a replayed receipt, count or reservation moves nothing twice), and they reconcile: a lot's
  ``on_hand`` = Σ its moves' ``on_hand_delta`` and its ``reserved`` = Σ ``reserved_delta``;
- one reservation per order (``order_no`` unique); its state moves once, by a guarded UPDATE.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.inventory.contracts import ReservationState
from liveloop.store.base import Base, JSONDoc, UTCDateTime


class Warehouse(Base):
    """A warehouse: where it is (degrees), the zones it has (``ambient`` / ``chilled`` /
    ``frozen``) and its daily cut-off (``HH:MM`` in the brand's time zone): orders after it ship
    the next day."""

    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    province: Mapped[str] = mapped_column(String(32))
    city: Mapped[str] = mapped_column(String(32))
    lat: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    lon: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    zones: Mapped[list[str]] = mapped_column(JSONDoc)
    cutoff: Mapped[str] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StockLot(Base):
    """Units of one lot of a SKU in one warehouse: produced and expiring on these dates, stored
    in ``zone``; ``on_hand`` are in the warehouse, ``reserved`` of them held for orders."""

    __tablename__ = "stock_lots"
    __table_args__ = (
        UniqueConstraint("warehouse_id", "sku", "lot_no"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
        CheckConstraint("expires_on >= produced_on", name="expires_after_produced"),
        Index("ix_stock_lots_sku_expires_on", "sku", "expires_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    sku: Mapped[str] = mapped_column(String(32))
    lot_no: Mapped[str] = mapped_column(String(32))
    zone: Mapped[str] = mapped_column(String(8))
    produced_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StockMove(Base):
    """One business fact that moved a lot's stock (see the module's invariants)."""

    __tablename__ = "stock_moves"
    __table_args__ = (Index("ix_stock_moves_lot_id_id", "lot_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_key: Mapped[str] = mapped_column(String(160), unique=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("stock_lots.id"))
    kind: Mapped[str] = mapped_column(String(8))
    on_hand_delta: Mapped[int] = mapped_column(Integer)
    reserved_delta: Mapped[int] = mapped_column(Integer)
    order_no: Mapped[str | None] = mapped_column(String(64), index=True)
    reason: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by: Mapped[str] = mapped_column(String(64))


class StockReservation(Base):
    """An order's hold on stock: its units are its ``reserve`` moves."""

    __tablename__ = "stock_reservations"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_no: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(10), default=ReservationState.RESERVED)
    reserved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
