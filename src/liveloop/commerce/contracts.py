"""What commerce publishes to other packages besides its facade's functions: the refusal every
commerce error is, and the statuses orders, refunds and coupons move through."""

from __future__ import annotations

from enum import StrEnum

from liveloop.errors import DomainError


class CommerceError(DomainError):
    """An order, product or coupon operation that cannot be carried out as given."""


class OrderStatus(StrEnum):
    """An order's state (``commerce.orders``, docs/orders.md): created → paid → shipped →
    delivered → completed; cancelled (unpaid, or paid and not yet shipped: refunded in full);
    refunded once everything paid went back. A partial refund leaves the status as it was."""

    CREATED = "created"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


# The states of an order the buyer paid for and still has: what sales, RFM and segments count.
COUNTED_STATUSES = (
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
)


class RefundStatus(StrEnum):
    """A refund row's state: requested (the money is on its way, payments sends it),
    succeeded (the buyer has it), failed (the provider refused it for good; its amount is
    refundable again)."""

    REQUESTED = "requested"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class CouponStatus(StrEnum):
    ISSUED = "issued"
    REDEEMED = "redeemed"
    EXPIRED = "expired"
    VOID = "void"
