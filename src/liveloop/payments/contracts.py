"""What payments publishes: the states of a payment and of a refund send, its errors."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from liveloop.errors import DomainError

NOTIFY_PATH: Final = "/v1/payments/wechatpay/notify"
REFUND_KIND: Final = "wechatpay-refund"  # the outbox kind of a refund send


class PaymentState(StrEnum):
    """A payment follows WeChat's ``trade_state`` as far as we need it:
    prepaid (a prepay_id was issued) → paid (a verified notification or a query said SUCCESS);
    closed when WeChat says the order was closed or revoked before it was paid; duplicate when
    WeChat collected the money for an order another transaction had already paid (another
    channel, an offline payment): that money is refunded in full at once."""

    PREPAID = "prepaid"
    PAID = "paid"
    CLOSED = "closed"
    DUPLICATE = "duplicate"


class RefundState(StrEnum):
    """A refund send, retried with one ``out_refund_no`` until WeChat says SUCCESS:
    pending (not yet accepted) → processing (accepted, WeChat is paying back) → succeeded;
    failed (the last attempt was refused, retried with back-off), abnormal (WeChat could not
    pay it back to the buyer's card; retried, visible), closed (WeChat closed it)."""

    PENDING = "pending"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ABNORMAL = "abnormal"
    CLOSED = "closed"


class PaymentError(DomainError):
    """A payment request refused as given."""


class UnknownPayment(PaymentError):
    """No payment for that order number."""

    status = 404


class PaymentConflict(PaymentError):
    """The order cannot be paid (already paid, amount changed, not payable)."""

    status = 409


class ProviderError(PaymentError):
    """WeChat Pay (or the local provider) refused or could not be reached."""

    status = 502
