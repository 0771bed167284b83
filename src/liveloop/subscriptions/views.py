"""What the facade hands out: frozen views of plans, subscriptions, cycles and memberships,
never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class PlanView:
    code: str
    name: str
    sku: str
    product_name: str
    quantity: int
    cadence: str
    cycles: int | None
    price: Decimal
    remind_days: int
    active: bool
    subscribers: int = 0  # subscriptions active or paused


@dataclass(frozen=True)
class CycleView:
    number: int
    due_on: date
    status: str
    order_no: str | None
    amount: Decimal
    attempts: int
    next_attempt_at: datetime | None
    last_failure: str | None
    paid_at: datetime | None
    refund_no: str | None


@dataclass(frozen=True)
class SubscriptionView:
    id: int
    customer_id: int
    oneid: str | None
    plan: str
    plan_name: str
    price: Decimal
    cadence: str
    state: str
    address: dict[str, Any]
    next_cycle: int
    next_on: date | None  # None once no further cycle will come (ended, cancelled, all opened)
    delivered_cycles: int
    plan_cycles: int | None
    paused_on: date | None
    pause_reason: str | None
    refunded: Decimal
    prepaid_order_no: str | None
    prepaid_cycles: int
    prepaid_at: datetime | None
    created_at: datetime
    cancelled_at: datetime | None
    upcoming: tuple[date, ...]  # the next cycles' dates (skipped ones left out)
    cycles: tuple[CycleView, ...] = ()
    created: bool = False  # this call made it (subscribe), rather than finding it


@dataclass(frozen=True)
class RetryView:
    """A cycle whose charge failed and waits for its next attempt."""

    subscription_id: int
    customer_id: int
    oneid: str | None
    plan_name: str
    cycle: int
    order_no: str | None
    amount: Decimal
    attempts: int
    next_attempt_at: datetime | None
    last_failure: str | None


@dataclass(frozen=True)
class MembershipPlanView:
    code: str
    name: str
    sku: str
    price: Decimal
    deliveries: int
    delivery_sku: str
    delivery_name: str
    delivery_quantity: int
    term_days: int
    active: bool
    share: Decimal  # what one delivery is worth of the price (the first, when fen do not divide)


@dataclass(frozen=True)
class EntryView:
    kind: str
    source_key: str
    deliveries: int
    amount: Decimal
    order_no: str | None
    at: datetime


@dataclass(frozen=True)
class MembershipView:
    id: int
    customer_id: int
    oneid: str | None
    plan: str
    plan_name: str
    status: str
    started_at: datetime
    ends_at: datetime
    deliveries_granted: int
    deliveries_used: int
    deliveries_left: int
    paid: Decimal
    refunded: Decimal
    entries: tuple[EntryView, ...] = ()
    changed: bool = False  # this call posted a ledger line
