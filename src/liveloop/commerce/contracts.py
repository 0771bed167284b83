"""What commerce publishes to other packages besides its facade's functions: the refusal every
commerce error is, and the statuses orders and coupons move through."""

from __future__ import annotations

from enum import StrEnum

from liveloop.errors import DomainError


class CommerceError(DomainError):
    """An order, product or coupon operation that cannot be carried out as given."""


class OrderStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    COMPLETED = "completed"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


class CouponStatus(StrEnum):
    ISSUED = "issued"
    REDEEMED = "redeemed"
    EXPIRED = "expired"
    VOID = "void"
