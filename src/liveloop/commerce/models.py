"""Catalog and orders. Money columns are ``Money`` (Decimal yuan, stored as fen)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from liveloop.store.base import Base, JSONDoc, Money, UTCDateTime, utcnow


class Product(Base):
    """A sellable SKU."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    category: Mapped[str] = mapped_column(String(32), index=True)
    price: Mapped[Decimal] = mapped_column(Money)
    shelf_life_days: Mapped[int] = mapped_column(Integer)
    cold_chain: Mapped[bool] = mapped_column(Boolean, default=False)
    # Regional pools the SKU is sold in (province names); empty means nationwide.
    regions: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrderStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    COMPLETED = "completed"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The order number from the channel that took it; re-imports match on it.
    order_no: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default=OrderStatus.PAID)
    total: Mapped[Decimal] = mapped_column(Money)
    discount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    live_session_id: Mapped[int | None] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    # Bumped on every change (refund, OneID reassignment): the analytics snapshot's watermark.
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.line_no"
    )


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)

    order: Mapped[Order] = relationship(back_populates="items")

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity
