"""Subscription plans (每月一袋 五常大米 5kg) and paid-membership plans (醋文化会员 199 元/年 4 次):
what an operator puts on sale. Saving a code again changes the plan for what comes next;
cycles already opened keep what they cost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.store.base import to_money
from liveloop.subscriptions.contracts import (
    Cadence,
    SubscriptionRefused,
    SubscriptionState,
    UnknownPlan,
)
from liveloop.subscriptions.models import MembershipPlan, Subscription, SubscriptionPlan
from liveloop.subscriptions.prorata import shares
from liveloop.subscriptions.views import MembershipPlanView, PlanView


@dataclass(frozen=True)
class PlanSpec:
    code: str
    name: str
    sku: str
    quantity: int
    cadence: Cadence
    price: Decimal  # per cycle
    cycles: int | None = None  # None: until cancelled
    remind_days: int = 2
    active: bool = True


@dataclass(frozen=True)
class MembershipPlanSpec:
    code: str
    name: str
    sku: str  # the SKU whose paid order buys (or renews) the membership
    deliveries: int
    delivery_sku: str
    delivery_quantity: int = 1
    term_days: int = 365
    active: bool = True


def save_plan(session: Session, spec: PlanSpec, now: datetime) -> PlanView:
    if spec.quantity <= 0:
        raise SubscriptionRefused("每期件数须为正数 (quantity must be positive)")
    if spec.cycles is not None and spec.cycles <= 0:
        raise SubscriptionRefused("期数须为正数或不限 (cycles must be positive or open-ended)")
    if not 0 <= spec.remind_days <= 14:
        raise SubscriptionRefused("提前提醒天数须在0到14之间 (remind_days must be 0–14)")
    price = to_money(spec.price)
    if price <= 0:
        raise SubscriptionRefused("每期价格须大于0 (the price per cycle must be positive)")
    if int(price * 100) % spec.quantity:
        raise SubscriptionRefused(
            "每期价格须能按件数整除到分 (the price must divide by the quantity to the fen)"
        )
    _product_name(session, spec.sku)
    plan = session.scalars(
        select(SubscriptionPlan).where(SubscriptionPlan.code == spec.code)
    ).one_or_none()
    if plan is None:
        plan = SubscriptionPlan(code=spec.code, created_at=now)
        session.add(plan)
    plan.name, plan.sku, plan.quantity = spec.name, spec.sku, spec.quantity
    plan.cadence, plan.cycles, plan.price = spec.cadence, spec.cycles, price
    plan.remind_days, plan.active = spec.remind_days, spec.active
    session.flush()
    return plan_view(session, plan)


def plan_row(session: Session, code: str) -> SubscriptionPlan:
    plan = session.scalars(select(SubscriptionPlan).where(SubscriptionPlan.code == code)).first()
    if plan is None:
        raise UnknownPlan(f"没有这个订阅计划 (no subscription plan {code})")
    return plan


def plan_view(session: Session, plan: SubscriptionPlan) -> PlanView:
    subscribers = session.scalar(
        select(func.count(Subscription.id)).where(
            Subscription.plan_id == plan.id,
            Subscription.state.in_([SubscriptionState.ACTIVE, SubscriptionState.PAUSED]),
        )
    )
    return PlanView(
        plan.code,
        plan.name,
        plan.sku,
        _product_name(session, plan.sku),
        plan.quantity,
        plan.cadence,
        plan.cycles,
        plan.price,
        plan.remind_days,
        plan.active,
        int(subscribers or 0),
    )


def list_plans(session: Session) -> list[PlanView]:
    return [
        plan_view(session, p)
        for p in session.scalars(select(SubscriptionPlan).order_by(SubscriptionPlan.id))
    ]


def get_plan(session: Session, code: str) -> PlanView:
    return plan_view(session, plan_row(session, code))


def save_membership_plan(
    session: Session, spec: MembershipPlanSpec, now: datetime
) -> MembershipPlanView:
    if spec.deliveries <= 0 or spec.delivery_quantity <= 0:
        raise SubscriptionRefused("权益次数与每次件数须为正数 (deliveries must be positive)")
    if not 1 <= spec.term_days <= 3660:
        raise SubscriptionRefused("会员期限须在1到3660天之间 (term_days must be 1–3660)")
    if spec.sku == spec.delivery_sku:
        raise SubscriptionRefused(
            "会员商品与权益商品不能相同 (the membership SKU is not its delivery)"
        )
    price = _price(session, spec.sku)
    _product_name(session, spec.delivery_sku)
    clash = session.scalars(
        select(MembershipPlan).where(
            MembershipPlan.sku == spec.sku, MembershipPlan.code != spec.code
        )
    ).first()
    if clash is not None:
        raise SubscriptionRefused(f"商品 {spec.sku} 已是会员计划 {clash.code} 的会员商品")
    plan = session.scalars(
        select(MembershipPlan).where(MembershipPlan.code == spec.code)
    ).one_or_none()
    if plan is None:
        plan = MembershipPlan(code=spec.code, created_at=now)
        session.add(plan)
    plan.name, plan.sku, plan.deliveries = spec.name, spec.sku, spec.deliveries
    plan.price = price
    plan.delivery_sku, plan.delivery_quantity = spec.delivery_sku, spec.delivery_quantity
    plan.term_days, plan.active = spec.term_days, spec.active
    session.flush()
    return membership_plan_view(session, plan)


def membership_plan_row(session: Session, code: str) -> MembershipPlan:
    plan = session.scalars(select(MembershipPlan).where(MembershipPlan.code == code)).first()
    if plan is None:
        raise UnknownPlan(f"没有这个会员计划 (no membership plan {code})")
    return plan


def membership_plan_view(session: Session, plan: MembershipPlan) -> MembershipPlanView:
    return MembershipPlanView(
        plan.code,
        plan.name,
        plan.sku,
        plan.price,
        plan.deliveries,
        plan.delivery_sku,
        _product_name(session, plan.delivery_sku),
        plan.delivery_quantity,
        plan.term_days,
        plan.active,
        shares(plan.price, plan.deliveries)[0],
    )


def list_membership_plans(session: Session) -> list[MembershipPlanView]:
    return [
        membership_plan_view(session, p)
        for p in session.scalars(select(MembershipPlan).order_by(MembershipPlan.id))
    ]


def _product_name(session: Session, sku: str) -> str:
    found = commerce.product(session, sku)
    if found is None:
        raise SubscriptionRefused(f"商品库中没有 {sku} (unknown SKU {sku})")
    return found.name


def _price(session: Session, sku: str) -> Decimal:
    found = commerce.product(session, sku)
    if found is None:
        raise SubscriptionRefused(f"商品库中没有 {sku} (unknown SKU {sku})")
    return found.price
