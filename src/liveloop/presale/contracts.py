"""What presale publishes to other packages: the states a presale, a buyer's presale order and
its refunds move through, and why a presale command is refused. Reasons are Chinese first (the
console shows them as they are), with the English after for API clients.

    PresaleError               400
     ├── UnknownPresale        404  no presale with that code (or no such presale order)
     ├── PresaleRefused        422  terms that cannot mean one thing (a deposit above 20 % …)
     └── PresaleConflict       409  clashes with what is (sold out, outside the window …)
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Final

from liveloop.errors import DomainError

# The deposit is at most this share of the price (the rule, and 《定金》 practice: a
# deposit above 20 % of the contract's value is not a deposit in Chinese civil law).
MAX_DEPOSIT_SHARE: Final = Decimal("0.20")


class PresaleError(DomainError):
    """A presale command refused as given."""


class UnknownPresale(PresaleError):
    """No presale (or presale order) with that code."""

    status = 404


class PresaleRefused(PresaleError):
    """Input that cannot be carried out as given."""

    status = 422


class PresaleConflict(PresaleError):
    """The command clashes with the presale's state or its windows."""

    status = 409


class PresaleStatus(StrEnum):
    OPEN = "open"  # taking deposits until the balance window opens, then balances
    CANCELLED = "cancelled"  # the brand called it off: every payment refunded


class PresaleOrderStatus(StrEnum):
    DEPOSIT_PAID = "deposit_paid"  # the balance is due in the window
    BALANCE_PAID = "balance_paid"  # paid in full: the balance order goes on to shipping
    FORFEITED = "forfeited"  # the window ended unpaid: the deposit is kept (docs/groupbuy.md)
    CANCELLED = "cancelled"  # the brand cancelled: what was paid is refunded


class RefundState(StrEnum):
    DUE = "due"
    REQUESTED = "requested"
    SETTLED = "settled"
    FAILED = "failed"


PRESALE_STATUS_NAMES = {PresaleStatus.OPEN: "进行中", PresaleStatus.CANCELLED: "已取消"}
ORDER_STATUS_NAMES = {
    PresaleOrderStatus.DEPOSIT_PAID: "已付定金",
    PresaleOrderStatus.BALANCE_PAID: "已付尾款",
    PresaleOrderStatus.FORFEITED: "定金不退（未付尾款）",
    PresaleOrderStatus.CANCELLED: "已取消退款",
}
REFUND_STATE_NAMES = {
    RefundState.DUE: "待退款",
    RefundState.REQUESTED: "退款中",
    RefundState.SETTLED: "已退款",
    RefundState.FAILED: "退款失败，需人工处理",
}
