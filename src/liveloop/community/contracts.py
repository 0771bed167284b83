"""What community publishes to other packages: the states a leader and a batch move through,
the binding rules an operator chooses between, what caused a binding, and why a community
command is refused. Reasons are Chinese first (the console shows them as they are), with the
English after for API clients.

    CommunityError              400
     ├── UnknownLeader          404  no leader with that code (or not one the caller may see)
     ├── UnknownPickupPoint     404  no pickup point with that code (or not the caller's)
     ├── UnknownPickup          404  no order with that pickup code / not at a pickup point
     ├── UnknownBatch           404  no batch with that number (or not the caller's)
     ├── CommunityRefused       422  input that cannot mean one thing (hours, coordinates …)
     └── CommunityConflict      409  clashes with what is (the leader is not approved, the
                                     batch has not arrived, the order is cancelled …)
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from liveloop.errors import DomainError


class CommunityError(DomainError):
    """A community command refused as given."""


class UnknownLeader(CommunityError):
    """No leader with that code the caller may see."""

    status = 404


class UnknownPickupPoint(CommunityError):
    """No pickup point with that code the caller may see."""

    status = 404


class UnknownPickup(CommunityError):
    """No order with that pickup code (at a point the caller may scan at)."""

    status = 404


class UnknownBatch(CommunityError):
    """No delivery batch with that number the caller may see."""

    status = 404


class CommunityRefused(CommunityError):
    """Input that cannot be carried out as given."""

    status = 422


class CommunityConflict(CommunityError):
    """The command clashes with the leader's, point's, batch's or order's state."""

    status = 409


class LeaderStatus(StrEnum):
    APPLIED = "applied"  # waiting for an operator's decision
    APPROVED = "approved"  # may own open pickup points and take bindings
    REJECTED = "rejected"  # refused, with the operator's reason
    DISABLED = "disabled"  # was approved; takes no new bindings or orders


class BindingRule(StrEnum):
    """Which leader a customer belongs to when a second leader touches them."""

    FIRST_TOUCH = "first_touch"  # the first leader stays
    LAST_TOUCH = "last_touch"  # the latest leader wins
    LOCKED_DAYS = "locked_days"  # the binding holds N days after it was made, then may move


class BindingCause(StrEnum):
    ORDER = "order"  # an order placed through the leader (``Order Placed``'s ``leader``)
    INVITE = "invite"  # the customer opened the leader's invite link
    OPERATOR = "operator"  # an operator set it, with a reason (overrides the rule)


class BindingOutcome(StrEnum):
    BOUND = "bound"  # the customer had no leader; now they have this one
    MOVED = "moved"  # the customer moved from another leader to this one
    KEPT = "kept"  # the rule kept the customer with their leader; nothing changed


class BatchStatus(StrEnum):
    PLANNED = "planned"  # being filled up to the cut-off; may be rebuilt
    ARRIVED = "arrived"  # scanned in at the pickup point; its orders are delivered


# Pickup codes: 6 characters from an alphabet without look-alikes (no 0/O, 1/I/L), read aloud
# in two halves (K7M-4Q9). 31^6 ≈ 8.9 × 10^8 codes.
PICKUP_ALPHABET: Final = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PICKUP_CODE_LENGTH: Final = 6

LEADER_STATUS_NAMES = {
    LeaderStatus.APPLIED: "待审核",
    LeaderStatus.APPROVED: "已通过",
    LeaderStatus.REJECTED: "已拒绝",
    LeaderStatus.DISABLED: "已停用",
}
BINDING_RULE_NAMES = {
    BindingRule.FIRST_TOUCH: "首次绑定优先",
    BindingRule.LAST_TOUCH: "最近一次优先",
    BindingRule.LOCKED_DAYS: "锁定期内不变",
}
BINDING_CAUSE_NAMES = {
    BindingCause.ORDER: "下单",
    BindingCause.INVITE: "邀请链接",
    BindingCause.OPERATOR: "运营调整",
}
BATCH_STATUS_NAMES = {BatchStatus.PLANNED: "待配送", BatchStatus.ARRIVED: "已到货"}


def format_pickup_code(code: str) -> str:
    """``K7M4Q9`` as it is read aloud and printed: ``K7M-4Q9``."""
    return f"{code[:3]}-{code[3:]}" if len(code) == PICKUP_CODE_LENGTH else code
