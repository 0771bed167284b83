"""What commission publishes to other packages: why a command is refused, the states entries
and withdrawals move through, the limits of a rate, and the frozen views the facade answers.
Reasons are Chinese first (the console shows them as they are), the English after.

    CommissionError              400
     ├── UnknownCommission       404  no such leader / withdrawal (or not the caller's)
     ├── CommissionRefused       422  a rate out of range, a third level, an amount ≤ 0 …
     └── CommissionConflict      409  over the withdrawable balance, a withdrawal not in the
                                      state the move needs, a request id reused for another
                                      amount
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Final

from liveloop.errors import DomainError


class CommissionError(DomainError):
    """A commission command refused as given."""


class UnknownCommission(CommissionError):
    """No leader or withdrawal with that key the caller may see."""

    status = 404


class CommissionRefused(CommissionError):
    """Input that cannot be carried out as given."""

    status = 422


class CommissionConflict(CommissionError):
    """The command clashes with the balance or the withdrawal's state."""

    status = 409


class Level(IntEnum):
    """Who a line's commission goes to. There is no third level: WeChat treats a third
    distribution level (三级分销) as a violation of its rules."""

    OWN = 1  # the leader the order went through: their own sales
    OVERRIDE = 2  # the leader who recruited them (老带新)


class RateScope(StrEnum):
    """What a rate applies to; the most specific one in force wins (sku > category > default)."""

    SKU = "sku"
    CATEGORY = "category"
    DEFAULT = "default"


class EntryKind(StrEnum):
    EARNED = "earned"  # a paid order line's commission
    REFUNDED = "refunded"  # a refund before settlement: the frozen commission reduced
    CLAWED_BACK = "clawed_back"  # a refund after settlement: the settled commission taken back


class EntryState(StrEnum):
    FROZEN = "frozen"  # inside the order's after-sales window
    SETTLED = "settled"  # the window closed: withdrawable


class WithdrawalStatus(StrEnum):
    REQUESTED = "requested"  # the amount is held off the withdrawable balance
    APPROVED = "approved"  # an operator agreed; still held
    PAID = "paid"  # the money went out
    REJECTED = "rejected"  # refused with a reason; the hold released


class Account(StrEnum):
    """A leader's accounts besides the entries: what withdrawals hold and pay out. Each
    movement has two legs summing to zero."""

    WITHDRAWABLE = "withdrawable"
    HELD = "held"
    PAID_OUT = "paid_out"


MAX_LEVEL: Final = 2
MAX_RATE: Final = Decimal("0.3")  # the operator's ceiling: 30 % of a line's paid share
RATE_PLACES: Final = Decimal("0.0001")  # rates are kept in ten-thousandths (12.5 % is 0.1250)
THIRD_LEVEL_REASON: Final = (
    "佣金最多两级:团长本人和推荐团长,微信规定三级及以上分销属于违规 "
    "(commission has at most two levels; WeChat treats a third distribution level as a "
    "violation)"
)

LEVEL_NAMES = {Level.OWN: "团长本人", Level.OVERRIDE: "推荐团长"}
SCOPE_NAMES = {RateScope.SKU: "商品", RateScope.CATEGORY: "品类", RateScope.DEFAULT: "默认"}
KIND_NAMES = {
    EntryKind.EARNED: "订单佣金",
    EntryKind.REFUNDED: "退款冲减",
    EntryKind.CLAWED_BACK: "结算后追回",
}
STATE_NAMES = {EntryState.FROZEN: "冻结中", EntryState.SETTLED: "已结算"}
WITHDRAWAL_NAMES = {
    WithdrawalStatus.REQUESTED: "待审核",
    WithdrawalStatus.APPROVED: "已通过",
    WithdrawalStatus.PAID: "已打款",
    WithdrawalStatus.REJECTED: "已拒绝",
}


@dataclass(frozen=True)
class RateView:
    level: int
    scope: RateScope
    target: str  # the SKU or category; "" for the default
    rate: Decimal
    effective_from: datetime
    set_by: str
    set_at: datetime
    note: str


@dataclass(frozen=True)
class EntryView:
    leader: str
    level: int
    kind: EntryKind
    state: EntryState
    order_no: str
    line_no: int
    refund_no: str | None
    sku: str
    base: Decimal  # the paid share the amount was taken on (a refund's: the refunded share)
    rate: Decimal
    amount: Decimal  # signed: a refund's and a claw-back's are negative
    at: datetime  # the business time: the payment, the refund
    frozen_until: datetime
    settled_at: datetime | None


@dataclass(frozen=True)
class SkipView:
    """An order (level) that earned nothing, and why."""

    order_no: str
    level: int
    leader: str | None
    reason: str
    at: datetime


@dataclass(frozen=True)
class Balance:
    """A leader's commission. ``withdrawable`` is settled commission less what withdrawals
    hold and paid; it may be negative after a claw-back (``owes``: the leader owes it back,
    taken from later commission) — never silently clipped."""

    leader: str
    frozen: Decimal
    settled: Decimal  # every settled entry, net of claw-backs
    held: Decimal  # requested or approved withdrawals
    withdrawn: Decimal  # paid withdrawals
    withdrawable: Decimal

    @property
    def owes(self) -> bool:
        return self.withdrawable < 0


@dataclass(frozen=True)
class WithdrawalView:
    withdrawal_no: str
    leader: str
    request_id: str
    amount: Decimal
    status: WithdrawalStatus
    reason: str | None
    requested_at: datetime
    requested_by: str
    decided_at: datetime | None
    decided_by: str | None
    paid_at: datetime | None
    created: bool = False  # whether this call made it (False: the request id was known)


@dataclass(frozen=True)
class StatementLine:
    order_no: str
    earned: Decimal
    refunded: Decimal
    clawed_back: Decimal

    @property
    def net(self) -> Decimal:
        return self.earned + self.refunded + self.clawed_back


@dataclass(frozen=True)
class Statement:
    """A leader's month (brand time). The balance is everything the leader has earned and not
    been paid: frozen + withdrawable + held. closing = opening + earned + refunded +
    clawed_back − withdrawn (refunded and clawed_back are negative)."""

    leader: str
    leader_name: str
    month: str  # YYYY-MM
    opening: Decimal
    earned: Decimal
    refunded: Decimal
    clawed_back: Decimal
    withdrawn: Decimal
    closing: Decimal
    lines: tuple[StatementLine, ...]


@dataclass(frozen=True)
class Difference:
    order_no: str
    line_no: int
    level: int
    expected: Decimal
    posted: Decimal

    @property
    def difference(self) -> Decimal:
        return self.posted - self.expected


@dataclass(frozen=True)
class Reconciliation:
    """The ledger against the orders: for every order the ledger credited, per line and
    level, Σ entries = round_half_up(paid share × (1 − refunded fraction) × rate)."""

    orders: int
    lines: int
    expected: Decimal
    posted: Decimal
    differences: tuple[Difference, ...]
    unknown_orders: tuple[str, ...]  # credited orders commerce does not know

    @property
    def difference(self) -> Decimal:
        return self.posted - self.expected

    @property
    def balanced(self) -> bool:
        return not self.differences and not self.unknown_orders


@dataclass(frozen=True)
class LeaderTotals:
    """What the ledger says of one leader: the leaders report reads this."""

    leader: str
    name: str
    orders: int  # orders with an own-sales (level 1) entry
    sales: Decimal  # their paid shares after refunds (level 1 bases net of refunds)
    earned: Decimal
    refunded: Decimal
    clawed_back: Decimal
    net: Decimal
    frozen: Decimal
    settled: Decimal
    withdrawn: Decimal
    withdrawable: Decimal


def rate_label(rate: Decimal) -> str:
    """0.1250 → 12.5%."""
    percent = (rate * 100).normalize()
    return f"{percent:f}%"
