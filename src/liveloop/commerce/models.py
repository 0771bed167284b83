"""Catalog and orders. Money columns are ``Money`` (Decimal yuan, stored as fen)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from liveloop.commerce import events
from liveloop.commerce.contracts import CouponStatus, OrderStatus, RefundStatus
from liveloop.profiles import service as profiles
from liveloop.store.base import Base, JSONDoc, Money, UTCDateTime, utcnow


class Product(Base):
    """A sellable SKU (one 规格 of a product; the product itself, the SPU, is ``spu``).

    Where it is sold: ``pool`` names a regional pool (``commerce.catalog.models.RegionalPool``,
    e.g. 籼米 south, 粳米 north) and then only that pool's provinces may buy it; without a pool,
    ``regions`` lists the provinces (older rows), and empty ``regions`` means nationwide.
    Seasonality: ``months_on_sale`` (1-12; None means all year) ⊇ ``peak_months``."""

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
    # The product (SPU) this SKU is one 规格 of, and that 规格's label ("5kg", "10kg").
    spu: Mapped[str | None] = mapped_column(String(32), index=True)
    spec: Mapped[str | None] = mapped_column(String(32))
    pool: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("regional_pools.name"), index=True
    )
    months_on_sale: Mapped[list[int] | None] = mapped_column(JSONDoc)
    peak_months: Mapped[list[int] | None] = mapped_column(JSONDoc)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, onupdate=utcnow)


class Order(Base):
    """An order and where it is in its life (``commerce.orders``, docs/orders.md).

    Invariants: ``total`` = ``subtotal`` − ``discount`` − ``points_value`` (what the buyer
    pays); ``0 ≤ refunded_amount ≤ total`` — raised only by a guarded UPDATE
    (``… WHERE refunded_amount + x <= total``) in the refunding transaction, lowered only when
    a refund fails; ``status`` moves only by guarded UPDATEs (``… WHERE status = 'from'``), so
    two concurrent transitions cannot both win. Each ``*_at`` is set by the move into its
    state."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_status_placed_at", "status", "placed_at"),
        Index("ix_orders_status_delivered_at", "status", "delivered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The order number from the channel that took it; re-imports match on it.
    order_no: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default=OrderStatus.PAID)
    # What the buyer pays: the lines' amounts less the discount and the points' value.
    total: Mapped[Decimal] = mapped_column(Money)
    # Everything taken off the lines but points: the coupon's part and any discount given.
    discount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    subtotal: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"), server_default=text("0"))
    coupon_discount: Mapped[Decimal] = mapped_column(
        Money, default=Decimal("0"), server_default=text("0")
    )
    points_used: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    points_value: Mapped[Decimal] = mapped_column(
        Money, default=Decimal("0"), server_default=text("0")
    )
    refunded_amount: Mapped[Decimal] = mapped_column(
        Money, default=Decimal("0"), server_default=text("0")
    )
    live_session_id: Mapped[int | None] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    leader: Mapped[str | None] = mapped_column(String(32), index=True)
    address: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    # A digest of what placed it: the same order number with other content is refused.
    request_digest: Mapped[str | None] = mapped_column(String(64))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    paid_via: Mapped[str | None] = mapped_column(String(64))
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
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
    # Raised with each refund that names the line; never above ``quantity`` (guarded UPDATE).
    refunded_quantity: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    refunded_amount: Mapped[Decimal] = mapped_column(
        Money, default=Decimal("0"), server_default=text("0")
    )

    order: Mapped[Order] = relationship(back_populates="items")

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


class OrderRefund(Base):
    """One refund of an order: money the buyer gets back, whole or in part.

    Invariants: ``refund_no`` is the refund's business key (the payment provider's
    ``out_refund_no``): asking for the same refund again finds this row and changes nothing.
    ``amount`` counts in the order's ``refunded_amount`` while requested or succeeded; a
    failed refund gives it back. ``lines`` names the lines it refunds
    (``[{line_no, sku, quantity, amount}]``, amounts summing to ``amount``), empty for a refund
    by amount alone."""

    __tablename__ = "order_refunds"
    __table_args__ = (Index("ix_order_refunds_status_requested_at", "status", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    refund_no: Mapped[str] = mapped_column(String(64), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default=RefundStatus.REQUESTED)
    # The order's status before this refund, for a failed refund to put back.
    order_status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CouponKind(StrEnum):
    FIXED = "fixed"  # a fixed amount off (立减 ¥10)
    PERCENT = "percent"  # the customer pays ``pay_percent`` % of the eligible lines (85折)


class CouponScope(StrEnum):
    ALL = "all"
    SKUS = "skus"
    CATEGORIES = "categories"


class CouponTemplate(Base):
    """What a coupon is worth, when it is valid and how many may be issued.

    Invariants (checked by ``coupons.TemplateSpec`` before a row is written):
    - fixed: ``amount`` > 0, no ``pay_percent``/``cap``; percent: 1 ≤ ``pay_percent`` ≤ 99, no
      ``amount``; ``pay_percent`` = 85 means 85折, the customer pays 85 % and saves 15 %;
    - validity is either fixed (``starts_at`` < ``ends_at``) or relative (exactly one of
      ``valid_days`` / ``valid_hours`` after issue);
    - ``issued_count`` never exceeds ``total_limit``: it is raised only by a guarded UPDATE
      (``… WHERE issued_count < total_limit``) in the issuing transaction.
    """

    __tablename__ = "coupon_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    pay_percent: Mapped[int | None] = mapped_column(Integer)
    cap: Mapped[Decimal | None] = mapped_column(Money)
    threshold: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_days: Mapped[int | None] = mapped_column(Integer)
    valid_hours: Mapped[int | None] = mapped_column(Integer)
    per_person_limit: Mapped[int | None] = mapped_column(Integer)
    total_limit: Mapped[int | None] = mapped_column(Integer)
    issued_count: Mapped[int] = mapped_column(Integer, default=0)
    scope: Mapped[str] = mapped_column(String(16), default=CouponScope.ALL)
    scope_values: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Coupon(Base):
    """One issued coupon. Its validity window is fixed at issue; its value comes from the
    template, whose money terms are frozen once it has issued anything.

    Invariants: ``order_no`` is set exactly when ``status`` is redeemed; a coupon moves out of
    ``issued`` only through a guarded UPDATE (``… WHERE status = 'issued'``), so two orders can
    never redeem it both."""

    __tablename__ = "coupons"
    __table_args__ = (Index("ix_coupons_status_valid_until", "status", "valid_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("coupon_templates.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default=CouponStatus.ISSUED)
    # Per-issue targeting: when set, only these SKUs (inside the template's scope) count.
    skus: Mapped[list[str] | None] = mapped_column(JSONDoc)
    order_no: Mapped[str | None] = mapped_column(String(64), index=True)
    discount: Mapped[Decimal | None] = mapped_column(Money)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# How a OneID merge treats these tables (see profiles.merge_policies). An order goes where its
# buyer is: carried to the survivor, and back on split with its events (placed … refunded).
profiles.declare_merge_policy(
    "orders",
    profiles.Carried(
        key="order_no",
        events={name: "order_id" for name in events.ORDER_EVENTS},
    ),
)
profiles.declare_merge_policy(
    "coupons",
    profiles.Follows(
        "a coupon stays with whom it was issued to; its per-person limit, listing "
        "and redemption count everyone merged into the holder (merged_into)"
    ),
)


# The catalog's own tables (regional pools) live with the catalog.
from liveloop.commerce.catalog.models import RegionalPool as RegionalPool  # noqa: E402
