"""What loyalty publishes: the tiers, the kinds of accounts and postings, and the answers of its
facade (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

# The member tiers, lowest first; growth value (paid yuan minus refunds) grades a member.
BASIC: Final = "基础"
SILVER: Final = "银卡"
GOLD: Final = "金卡"
TIERS: Final = (BASIC, SILVER, GOLD)


class AccountKind(StrEnum):
    """A customer holds ``available`` and ``frozen``; the brand's side of every posting lands in
    one of the others, so each posting sums to zero."""

    AVAILABLE = "available"
    FROZEN = "frozen"
    ISSUED = "issued"  # brand: points handed out (earned, rewarded, adjusted, returned by merge)
    REDEEMED = "redeemed"  # brand: points spent at checkout (less those returned on refund)
    EXPIRED = "expired"  # brand: points that ran out
    CLAWED_BACK = "clawed_back"  # brand: points taken back when their order was refunded


CUSTOMER_ACCOUNTS: Final = (AccountKind.AVAILABLE, AccountKind.FROZEN)


class PostingKind(StrEnum):
    EARN = "earn"  # a paid order's points, frozen until the after-sales window closes
    RELEASE = "release"  # frozen → available
    REWARD = "reward"  # an interaction or UGC event's points (available at once)
    SPEND = "spend"  # spent at checkout
    RETURN = "return"  # spent points handed back when their order was refunded
    CLAWBACK = "clawback"  # earned points taken back when their order was refunded
    EXPIRE = "expire"  # a lot's points past their end
    ADJUST = "adjust"  # an operator's correction, with a reason
    TRANSFER = "transfer"  # OneID merged a person: their points go to the survivor


# How an operator reads each kind (the console's ledger).
POSTING_NAMES: Final = {
    PostingKind.EARN: "下单获得(冻结)",
    PostingKind.RELEASE: "售后期结束解冻",
    PostingKind.REWARD: "互动奖励",
    PostingKind.SPEND: "下单抵扣",
    PostingKind.RETURN: "退款退回",
    PostingKind.CLAWBACK: "退款追回",
    PostingKind.EXPIRE: "过期",
    PostingKind.ADJUST: "人工调整",
    PostingKind.TRANSFER: "账号合并转入",
}


@dataclass(frozen=True)
class PointsSpent:
    """Points spent at checkout and what they are worth (``value``, yuan at the configured
    rate); ``posting_id`` names the posting (repeating ``source_key`` answers the same one)."""

    posting_id: int
    source_key: str
    points: int
    value: Decimal
    available_after: int


@dataclass(frozen=True)
class Benefits:
    """What a tier gives: a birthday coupon (a coupon template's code), minutes of early entry
    to a live room, a nutrition advisor (a guide task when the member reaches the tier)."""

    birthday_coupon: str | None = None
    early_entry_minutes: int = 0
    nutrition_advisor: bool = False


@dataclass(frozen=True)
class MemberBenefits:
    customer_id: int
    tier: str
    benefits: Benefits


@dataclass(frozen=True)
class MemberView:
    """A member as the API and the console show them. ``available`` may be negative: a refund
    clawed back points already spent, and ``owed`` says how many the member owes."""

    customer_id: int
    oneid: str
    tier: str
    growth: Decimal
    window_start: datetime | None  # None: no growth yet, so no grading window
    window_end: datetime | None
    next_tier: str | None
    growth_to_next: Decimal | None
    available: int
    frozen: int
    owed: int
    next_expiry_at: datetime | None
    next_expiry_points: int
    benefits: Benefits
    updated_at: datetime


@dataclass(frozen=True)
class LedgerLine:
    """One posting as it touched a member: the change to their available and frozen balances,
    and the available balance after it."""

    posting_id: int
    at: datetime
    kind: str
    kind_name: str
    source_key: str
    order_no: str | None
    available_change: int
    frozen_change: int
    available_after: int
    memo: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LedgerPage:
    total: int
    page: int
    page_size: int
    rows: list[LedgerLine]


@dataclass(frozen=True)
class Reconciliation:
    """The ledger checked: every posting sums to zero, every account's balance equals the sum
    of its entries, and the lots a customer's available points are made of add up to it."""

    postings: int
    accounts: int
    unbalanced_postings: list[str]
    mismatched_accounts: list[str]
    mismatched_lots: list[int]
    total: int  # the sum of every account: zero in a sound ledger

    @property
    def ok(self) -> bool:
        return (
            not self.unbalanced_postings
            and not self.mismatched_accounts
            and not self.mismatched_lots
            and self.total == 0
        )


@dataclass(frozen=True)
class PointsOverview:
    """The brand's side of the ledger: points handed out, spent, expired and clawed back, what
    members hold (available, frozen) and owe, and how many members owe."""

    issued: int
    redeemed: int
    expired: int
    clawed_back: int
    available: int
    frozen: int
    owed: int
    members_owing: int
