"""What subscriptions publish to other packages besides its facade's functions: the refusals,
the cadences and the states plans, subscriptions, cycles and memberships move through.

    SubscriptionError          400
     ├── UnknownPlan           404  no plan with that code
     ├── UnknownSubscription   404  no subscription with that id
     ├── UnknownMembership     404  no paid membership with that id
     ├── SubscriptionRefused   422  input that cannot mean one thing (a cycle in the past …)
     └── SubscriptionConflict  409  clashes with what is (pausing a cancelled subscription …)

Reasons are Chinese first (the console shows them as they are), the English after.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from liveloop.errors import DomainError


class SubscriptionError(DomainError):
    """A subscription or membership command refused as given."""


class UnknownPlan(SubscriptionError):
    """No subscription or membership plan with that code."""

    status = 404


class UnknownSubscription(SubscriptionError):
    """No subscription with that id."""

    status = 404


class UnknownMembership(SubscriptionError):
    """No paid membership with that id."""

    status = 404


class SubscriptionRefused(SubscriptionError):
    """Input that cannot be carried out as given."""

    status = 422


class SubscriptionConflict(SubscriptionError):
    """The command clashes with the subscription's or membership's state."""

    status = 409


class Cadence(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class SubscriptionState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    ENDED = "ended"  # every cycle of a fixed-term plan delivered


class PauseReason(StrEnum):
    CUSTOMER = "customer"  # asked for by the customer (or an operator for them)
    PAYMENT_FAILED = "payment_failed"  # every retry of a cycle's charge failed


class CycleStatus(StrEnum):
    SKIPPED = "skipped"  # the customer skipped it before it was due; no order
    AWAITING_PAYMENT = "awaiting_payment"  # its order is placed; the charge is tried (and retried)
    PAID = "paid"  # its order is paid (charged, or covered by the prepaid cycles)
    FAILED = "failed"  # every charge attempt failed; its order cancelled
    CANCELLED = "cancelled"  # the subscription was cancelled before it was delivered
    REFUNDED = "refunded"  # paid, cancelled before delivery, its money refunded


class MembershipStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"  # its term ended
    REFUNDED = "refunded"  # refunded pro rata to the deliveries not used


class EntryKind(StrEnum):
    """A line of a paid membership's entitlement ledger."""

    BOUGHT = "bought"
    DELIVERY_USED = "delivery_used"
    RENEWED = "renewed"
    REFUNDED = "refunded"


# Back-off between charge attempts of a cycle: after the first attempt fails, retried 1 h later,
# then 6 h, then 24 h; the fourth failure is final.
RETRY_AFTER_HOURS: Final = (1, 6, 24)
# The order numbers this package gives its orders start with these (an order per cycle, an
# order per membership delivery), so its consumer knows its own orders when commerce says paid.
CYCLE_ORDER_PREFIX: Final = "SUB"
DELIVERY_ORDER_PREFIX: Final = "MBR"
