"""Subscriptions facade: plans, a customer's subscriptions (subscribe, skip, pause, resume,
address, cancel), the cycles' reminders, orders, charges and retries, and paid memberships
(bought, deliveries used, renewed, refunded pro rata).

Other packages import this module, ``subscriptions.events`` or ``subscriptions.contracts`` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.profiles import service as profiles
from liveloop.subscriptions.charging import AwaitingPayment as AwaitingPayment
from liveloop.subscriptions.charging import Charge as Charge
from liveloop.subscriptions.charging import Charger as Charger
from liveloop.subscriptions.charging import ChargeResult as ChargeResult
from liveloop.subscriptions.contracts import CycleStatus, SubscriptionState
from liveloop.subscriptions.cycles import Attempt as Attempt
from liveloop.subscriptions.cycles import attempts_due as attempts_due
from liveloop.subscriptions.cycles import due_subscriptions as due_subscriptions
from liveloop.subscriptions.cycles import open_cycle as open_cycle
from liveloop.subscriptions.cycles import order_paid as order_paid
from liveloop.subscriptions.cycles import pay_cycle as pay_cycle
from liveloop.subscriptions.cycles import prepare_attempt as prepare_attempt
from liveloop.subscriptions.cycles import prepay_paid as prepay_paid
from liveloop.subscriptions.cycles import record_attempt as record_attempt
from liveloop.subscriptions.cycles import remind as remind
from liveloop.subscriptions.lifecycle import SubscribeRequest as SubscribeRequest
from liveloop.subscriptions.lifecycle import cancel as cancel
from liveloop.subscriptions.lifecycle import change_address as change_address
from liveloop.subscriptions.lifecycle import pause as pause
from liveloop.subscriptions.lifecycle import resume as resume
from liveloop.subscriptions.lifecycle import row as _subscription_row
from liveloop.subscriptions.lifecycle import skip as skip
from liveloop.subscriptions.lifecycle import subscribe as subscribe
from liveloop.subscriptions.lifecycle import view as _subscription_view
from liveloop.subscriptions.memberships import PaidLine as PaidLine
from liveloop.subscriptions.memberships import expire as _expire
from liveloop.subscriptions.memberships import grant_from_order as grant_from_order
from liveloop.subscriptions.memberships import membership_for as membership_for
from liveloop.subscriptions.memberships import refund as _refund
from liveloop.subscriptions.memberships import row as _membership_row
from liveloop.subscriptions.memberships import use_delivery as use_delivery
from liveloop.subscriptions.memberships import view as _membership_view
from liveloop.subscriptions.models import (
    Membership,
    MembershipPlan,
    Subscription,
    SubscriptionCycle,
    SubscriptionPlan,
)
from liveloop.subscriptions.plans import MembershipPlanSpec as MembershipPlanSpec
from liveloop.subscriptions.plans import PlanSpec as PlanSpec
from liveloop.subscriptions.plans import get_plan as get_plan
from liveloop.subscriptions.plans import list_membership_plans as list_membership_plans
from liveloop.subscriptions.plans import list_plans as list_plans
from liveloop.subscriptions.plans import save_membership_plan as save_membership_plan
from liveloop.subscriptions.plans import save_plan as save_plan
from liveloop.subscriptions.views import CycleView as CycleView
from liveloop.subscriptions.views import EntryView as EntryView
from liveloop.subscriptions.views import MembershipPlanView as MembershipPlanView
from liveloop.subscriptions.views import MembershipView as MembershipView
from liveloop.subscriptions.views import PlanView as PlanView
from liveloop.subscriptions.views import RetryView as RetryView
from liveloop.subscriptions.views import SubscriptionView as SubscriptionView


def get_subscription(session: Session, subscription_id: int) -> SubscriptionView:
    return _subscription_view(session, _subscription_row(session, subscription_id))


def list_subscriptions(
    session: Session,
    *,
    customer_id: int | None = None,
    state: SubscriptionState | str | None = None,
    plan: str | None = None,
    limit: int = 200,
) -> list[SubscriptionView]:
    """Subscriptions, newest first; a customer's include those of everyone merged into them."""
    query = select(Subscription).order_by(Subscription.id.desc()).limit(limit)
    if customer_id is not None:
        people = {customer_id} | profiles.merged_into(session, customer_id)
        query = query.where(Subscription.customer_id.in_(sorted(people)))
    if state is not None:
        query = query.where(Subscription.state == state)
    if plan is not None:
        query = query.join(SubscriptionPlan, SubscriptionPlan.id == Subscription.plan_id).where(
            SubscriptionPlan.code == plan
        )
    rows = list(session.scalars(query))
    oneids = profiles.oneids_of(session, [r.customer_id for r in rows])
    return [
        _subscription_view(session, r, with_cycles=False, oneid=oneids.get(r.customer_id))
        for r in rows
    ]


def awaiting_retry(session: Session, *, limit: int = 200) -> list[RetryView]:
    """Cycles whose charge failed at least once and waits for its next attempt."""
    rows = session.execute(
        select(SubscriptionCycle, Subscription, SubscriptionPlan)
        .join(Subscription, Subscription.id == SubscriptionCycle.subscription_id)
        .join(SubscriptionPlan, SubscriptionPlan.id == Subscription.plan_id)
        .where(
            SubscriptionCycle.status == CycleStatus.AWAITING_PAYMENT,
            SubscriptionCycle.attempts > 0,
        )
        .order_by(SubscriptionCycle.next_attempt_at, SubscriptionCycle.id)
        .limit(limit)
    ).all()
    oneids = profiles.oneids_of(session, [sub.customer_id for _, sub, _ in rows])
    return [
        RetryView(
            sub.id,
            sub.customer_id,
            oneids.get(sub.customer_id),
            plan.name,
            cycle.number,
            cycle.order_no,
            cycle.amount,
            cycle.attempts,
            cycle.next_attempt_at,
            cycle.last_failure,
        )
        for cycle, sub, plan in rows
    ]


def get_membership(session: Session, membership_id: int) -> MembershipView:
    return _membership_view(session, _membership_row(session, membership_id))


def list_memberships(
    session: Session,
    *,
    customer_id: int | None = None,
    plan: str | None = None,
    limit: int = 200,
) -> list[MembershipView]:
    query = select(Membership).order_by(Membership.id.desc()).limit(limit)
    if customer_id is not None:
        people = {customer_id} | profiles.merged_into(session, customer_id)
        query = query.where(Membership.customer_id.in_(sorted(people)))
    if plan is not None:
        query = query.join(MembershipPlan, MembershipPlan.id == Membership.plan_id).where(
            MembershipPlan.code == plan
        )
    rows = list(session.scalars(query))
    oneids = profiles.oneids_of(session, [r.customer_id for r in rows])
    return [
        _membership_view(session, r, with_entries=False, oneid=oneids.get(r.customer_id))
        for r in rows
    ]


def paid_lines(products: Sequence[dict[str, object]]) -> list[PaidLine]:
    """``Order Completed``'s ``products[]`` as paid lines (malformed ones left out)."""
    from decimal import Decimal, InvalidOperation

    lines = []
    for p in products:
        try:
            quantity = int(str(p.get("quantity", 0)))
            price = Decimal(str(p.get("price", "0")))
        except (ValueError, InvalidOperation):
            continue
        sku = p.get("sku")
        if isinstance(sku, str) and quantity > 0:
            lines.append(PaidLine(sku, quantity, price * quantity))
    return lines


def expire_memberships(session: Session, *, at: datetime) -> int:
    """Memberships whose term ended are expired; returns how many."""
    return _expire(session, at=at)


def refund_membership(
    session: Session, membership_id: int, *, reason: str, at: datetime, source: str
) -> MembershipView:
    """Refund a paid membership's unused deliveries pro rata (``memberships.refund``)."""
    return _refund(session, membership_id, reason=reason, at=at, source=source)
