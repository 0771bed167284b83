"""Cycles coming due: the reminder N days before, the cycle's order on its day, its charge
and the retries of a failed charge on the back-off (1 h, 6 h, 24 h), the renewal when it is
paid.

Idempotent throughout: a cycle's row is unique on (subscription, number) and its order number
is derived from both, so opening a cycle twice makes one order; an attempt is recorded by a
guarded UPDATE naming the attempt, so two workers recording the same attempt record it once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.store.engine import dialect_insert, for_update
from liveloop.subscriptions import events, ordering
from liveloop.subscriptions.charging import Charge, ChargeResult
from liveloop.subscriptions.contracts import (
    RETRY_AFTER_HOURS,
    CycleStatus,
    PauseReason,
    SubscriptionState,
)
from liveloop.subscriptions.guards import affected
from liveloop.subscriptions.lifecycle import (
    local_day,
    next_free,
    opened,
    schedule_of,
    unit_price,
)
from liveloop.subscriptions.models import Subscription, SubscriptionCycle, SubscriptionPlan

CANCELLED_MEANWHILE = "订单已超时取消，款项已原路退回"  # shown to the customer


def remind(session: Session, *, at: datetime, tz: ZoneInfo, source: str, limit: int = 500) -> int:
    """``Subscription Cycle Due`` for each active subscription whose next cycle is within its
    plan's ``remind_days``; once per cycle (``reminded_cycle``, and the event's message id)."""
    today = local_day(at, tz)
    rows = session.execute(
        select(Subscription, SubscriptionPlan)
        .join(SubscriptionPlan, SubscriptionPlan.id == Subscription.plan_id)
        .where(
            Subscription.state == SubscriptionState.ACTIVE,
            Subscription.reminded_cycle < Subscription.next_cycle,
            Subscription.next_on <= today + timedelta(days=14),
        )
        .order_by(Subscription.id)
        .limit(limit)
    ).all()
    sent = 0
    for sub, plan in rows:
        if (sub.next_on - today).days > plan.remind_days:
            continue
        count = opened(session, sub.id)
        if plan.cycles is not None and count >= plan.cycles:
            continue
        prepaid = sub.prepaid_order_no is not None and count < sub.prepaid_cycles
        moved = affected(
            session.execute(
                update(Subscription)
                .where(Subscription.id == sub.id, Subscription.reminded_cycle < sub.next_cycle)
                .values(reminded_cycle=sub.next_cycle)
                .execution_options(synchronize_session=False)
            )
        )
        if not moved:
            continue
        product = commerce.product(session, plan.sku)
        events.cycle_due(
            session,
            at=at,
            source=source,
            customer_id=sub.customer_id,
            subscription_id=sub.id,
            cycle=sub.next_cycle,
            due_on=sub.next_on,
            plan=plan.code,
            plan_name=plan.name,
            product_name=product.name if product else plan.sku,
            amount=Decimal("0") if prepaid else plan.price,
        )
        sent += 1
    return sent


def due_subscriptions(
    session: Session, *, at: datetime, tz: ZoneInfo, limit: int = 200
) -> list[int]:
    """Active subscriptions whose next cycle's day has come."""
    return list(
        session.scalars(
            select(Subscription.id)
            .where(
                Subscription.state == SubscriptionState.ACTIVE,
                Subscription.next_on <= local_day(at, tz),
            )
            .order_by(Subscription.next_on, Subscription.id)
            .limit(limit)
        )
    )


def open_cycle(
    session: Session, subscription_id: int, *, at: datetime, tz: ZoneInfo, source: str
) -> bool:
    """Open the subscription's next cycle if its day has come: its row, its order awaiting
    payment (first attempt due now), the subscription moved on to the following cycle. False
    when there was nothing to open (not due, not active, the term used up, or another worker
    opened it first)."""
    sub = session.scalars(
        for_update(session, select(Subscription).where(Subscription.id == subscription_id))
    ).one_or_none()
    if sub is None or sub.state != SubscriptionState.ACTIVE or sub.next_on > local_day(at, tz):
        return False
    plan = session.get_one(SubscriptionPlan, sub.plan_id)
    count = opened(session, sub.id)
    if plan.cycles is not None and count >= plan.cycles:
        return False
    prepaid = sub.prepaid_order_no is not None and count < sub.prepaid_cycles
    if prepaid and sub.prepaid_at is None:
        return False  # its cycles wait for the prepay to be paid
    number = sub.next_cycle
    order_no = ordering.cycle_order_no(sub.id, number)
    inserted = (
        session.execute(
            dialect_insert(session)(SubscriptionCycle)
            .values(
                subscription_id=sub.id,
                number=number,
                due_on=sub.next_on,
                status=CycleStatus.AWAITING_PAYMENT,
                order_no=order_no,
                amount=Decimal("0") if prepaid else plan.price,
                attempts=0,
                next_attempt_at=None if prepaid else at,
                created_at=at,
                updated_at=at,
            )
            .on_conflict_do_nothing()
            .returning(SubscriptionCycle.id)
        ).scalar()
        is not None  # RETURNING: psycopg reports -1 rows for ON CONFLICT DO NOTHING
    )
    following = next_free(session, sub.id, number + 1)
    advanced = affected(
        session.execute(
            update(Subscription)
            .where(Subscription.id == sub.id, Subscription.next_cycle == number)
            .values(
                next_cycle=following,
                next_on=schedule_of(sub, plan).date_of(following),
                updated_at=at,
            )
            .execution_options(synchronize_session=False)
        )
    )
    if not inserted:
        return False
    ordering.place(
        session,
        order_no=order_no,
        customer_id=sub.customer_id,
        sku=plan.sku,
        quantity=plan.quantity,
        unit_price=Decimal("0") if prepaid else unit_price(plan),
        address=sub.address or {},
        channel=sub.channel,
        at=at,
        source=source,
        attributes={"subscription_id": sub.id, "cycle": number}
        | ({"prepaid_by": sub.prepaid_order_no} if prepaid else {}),
    )
    if prepaid:  # covered by the prepay: its ¥0 order is paid at once
        cycle_id = session.scalar(
            select(SubscriptionCycle.id).where(SubscriptionCycle.order_no == order_no)
        )
        if cycle_id is not None:
            mark_paid(
                session,
                cycle_id,
                at=at,
                source=source,
                transaction_id=f"prepaid:{sub.prepaid_order_no}",
            )
    return bool(advanced)


@dataclass(frozen=True)
class Attempt:
    """A charge to try now: the cycle's id and what to charge."""

    cycle_id: int
    charge: Charge


def attempts_due(session: Session, *, at: datetime, limit: int = 100) -> list[Attempt]:
    rows = session.execute(
        select(SubscriptionCycle, Subscription, SubscriptionPlan)
        .join(Subscription, Subscription.id == SubscriptionCycle.subscription_id)
        .join(SubscriptionPlan, SubscriptionPlan.id == Subscription.plan_id)
        .where(
            SubscriptionCycle.status == CycleStatus.AWAITING_PAYMENT,
            SubscriptionCycle.next_attempt_at <= at,
        )
        .order_by(SubscriptionCycle.next_attempt_at, SubscriptionCycle.id)
        .limit(limit)
    ).all()
    return [
        Attempt(
            cycle.id,
            Charge(
                order_no=cycle.order_no or "",
                customer_id=sub.customer_id,
                amount=cycle.amount,
                attempt=cycle.attempts + 1,
                description=f"{plan.name} 第{cycle.number}期",
            ),
        )
        for cycle, sub, plan in rows
    ]


def prepare_attempt(
    session: Session, attempt: Attempt, *, at: datetime, source: str
) -> Attempt | None:
    """Before charging: the cycle's order as it stands. Paid meanwhile (the customer paid it
    themselves): the cycle is paid and there is nothing to charge (None). Cancelled by commerce
    for going unpaid too long: placed again as ``SUB{id}-{n}-{attempt}`` and charged as that.
    None too when the attempt was taken by another worker."""
    cycle = session.scalars(
        for_update(
            session, select(SubscriptionCycle).where(SubscriptionCycle.id == attempt.cycle_id)
        )
    ).one_or_none()
    number = attempt.charge.attempt
    if (
        cycle is None
        or cycle.order_no is None
        or cycle.status != CycleStatus.AWAITING_PAYMENT
        or cycle.attempts != number - 1
    ):
        return None
    found = ordering.state(session, cycle.order_no)
    if found in ordering.PAID:
        mark_paid(session, cycle.id, at=at, source=source, recorded_by_commerce=True)
        return None
    if found == "cancelled":
        sub = session.get_one(Subscription, cycle.subscription_id)
        plan = session.get_one(SubscriptionPlan, sub.plan_id)
        order_no = ordering.cycle_order_no(sub.id, cycle.number, number)
        ordering.place(
            session,
            order_no=order_no,
            customer_id=sub.customer_id,
            sku=plan.sku,
            quantity=plan.quantity,
            unit_price=unit_price(plan, cycle.amount),
            address=sub.address or {},
            channel=sub.channel,
            at=at,
            source=source,
            attributes={"subscription_id": sub.id, "cycle": cycle.number, "attempt": number},
        )
        cycle.order_no, cycle.updated_at = order_no, at
        session.flush()
        return Attempt(attempt.cycle_id, replace(attempt.charge, order_no=order_no))
    return attempt


def record_attempt(
    session: Session,
    attempt: Attempt,
    result: ChargeResult,
    *,
    at: datetime,
    tz: ZoneInfo,
    source: str,
) -> bool:
    """Record what one charge attempt answered; False when this attempt was recorded already
    (by another worker, or the order was paid meanwhile)."""
    number = attempt.charge.attempt
    if result.paid:
        # The money is taken: commerce records it first. If commerce cancelled the order in
        # the meantime (unpaid too long), it refunds that payment in full by itself, and this
        # attempt counts as failed; the next one places the order again.
        order_no = attempt.charge.order_no
        if ordering.pay(
            session,
            order_no,
            amount=attempt.charge.amount,
            transaction_id=result.transaction_id or f"charge:{order_no}",
            at=at,
            source=source,
        ):
            return mark_paid(
                session,
                attempt.cycle_id,
                at=at,
                source=source,
                attempt=number,
                recorded_by_commerce=True,
            )
        result = ChargeResult(paid=False, reason=CANCELLED_MEANWHILE)
    retry_at = (
        at + timedelta(hours=RETRY_AFTER_HOURS[number - 1])
        if number <= len(RETRY_AFTER_HOURS)
        else None
    )
    moved = affected(
        session.execute(
            update(SubscriptionCycle)
            .where(
                SubscriptionCycle.id == attempt.cycle_id,
                SubscriptionCycle.status == CycleStatus.AWAITING_PAYMENT,
                SubscriptionCycle.attempts == number - 1,
            )
            .values(
                attempts=number,
                last_failure=result.reason[:200],
                next_attempt_at=retry_at,
                status=CycleStatus.AWAITING_PAYMENT if retry_at else CycleStatus.FAILED,
                updated_at=at,
            )
            .execution_options(synchronize_session=False)
        )
    )
    if not moved:
        return False
    cycle = session.get_one(SubscriptionCycle, attempt.cycle_id)
    session.refresh(cycle)
    sub = session.get_one(Subscription, cycle.subscription_id)
    plan = session.get_one(SubscriptionPlan, sub.plan_id)
    if retry_at is None:
        # Every attempt failed: the order is withdrawn and the subscription waits, paused,
        # for the customer (the journey tells them) to resume it.
        if cycle.order_no:
            ordering.cancel(session, cycle.order_no, at=at, reason="扣款失败", source=source)
        session.execute(
            update(Subscription)
            .where(Subscription.id == sub.id, Subscription.state == SubscriptionState.ACTIVE)
            .values(
                state=SubscriptionState.PAUSED,
                paused_on=local_day(at, tz),
                pause_reason=PauseReason.PAYMENT_FAILED,
                updated_at=at,
            )
            .execution_options(synchronize_session=False)
        )
    events.payment_failed(
        session,
        at=at,
        source=source,
        customer_id=sub.customer_id,
        subscription_id=sub.id,
        cycle=cycle.number,
        order_no=cycle.order_no or "",
        amount=cycle.amount,
        attempt=number,
        reason=result.reason,
        next_retry_at=retry_at,
        plan_name=plan.name,
    )
    return True


def mark_paid(
    session: Session,
    cycle_id: int,
    *,
    at: datetime,
    source: str,
    transaction_id: str | None = None,
    attempt: int | None = None,
    recorded_by_commerce: bool = False,
) -> bool:
    """The cycle's order is paid: the cycle paid, the subscription's delivered cycles counted
    (a fixed-term plan ends with its last), ``Subscription Renewed``. Once per cycle."""
    guard = [SubscriptionCycle.id == cycle_id]
    guard.append(SubscriptionCycle.status == CycleStatus.AWAITING_PAYMENT)
    values: dict[str, object] = {"status": CycleStatus.PAID, "paid_at": at, "updated_at": at}
    values["next_attempt_at"] = None
    if attempt is not None:
        guard.append(SubscriptionCycle.attempts == attempt - 1)
        values["attempts"] = attempt
    moved = affected(
        session.execute(
            update(SubscriptionCycle)
            .where(and_(*guard))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    )
    if not moved:
        return False
    cycle = session.get_one(SubscriptionCycle, cycle_id)
    session.refresh(cycle)
    sub = session.get_one(Subscription, cycle.subscription_id)
    plan = session.get_one(SubscriptionPlan, sub.plan_id)
    session.execute(
        update(Subscription)
        .where(Subscription.id == sub.id)
        .values(delivered_cycles=Subscription.delivered_cycles + 1, updated_at=at)
        .execution_options(synchronize_session=False)
    )
    session.refresh(sub)
    if plan.cycles is not None and sub.delivered_cycles >= plan.cycles:
        session.execute(
            update(Subscription)
            .where(Subscription.id == sub.id, Subscription.state == SubscriptionState.ACTIVE)
            .values(state=SubscriptionState.ENDED, updated_at=at)
            .execution_options(synchronize_session=False)
        )
    if not recorded_by_commerce and cycle.order_no:
        ordering.pay(
            session,
            cycle.order_no,
            amount=cycle.amount,
            transaction_id=transaction_id or f"charge:{cycle.order_no}",
            at=at,
            source=source,
        )
    events.renewed(
        session,
        at=at,
        source=source,
        customer_id=sub.customer_id,
        subscription_id=sub.id,
        cycle=cycle.number,
        order_no=cycle.order_no or "",
        amount=cycle.amount,
        plan=plan.code,
    )
    return True


def prepay_paid(session: Session, order_no: str, *, at: datetime) -> bool:
    """A subscription's prepay order is paid: its prepaid cycles may come (once)."""
    return bool(
        affected(
            session.execute(
                update(Subscription)
                .where(Subscription.prepaid_order_no == order_no, Subscription.prepaid_at.is_(None))
                .values(prepaid_at=at, updated_at=at)
                .execution_options(synchronize_session=False)
            )
        )
    )


def order_paid(session: Session, order_no: str, *, at: datetime, source: str) -> bool:
    """Commerce says a cycle's order (or a prepay) is paid (the customer paid it)."""
    if ordering.state(session, order_no) not in ordering.PAID:
        return False  # a payment for an order already cancelled: commerce refunds it
    if order_no.endswith("-P"):
        return prepay_paid(session, order_no, at=at)
    cycle_id = session.scalar(
        select(SubscriptionCycle.id).where(SubscriptionCycle.order_no == order_no)
    )
    if cycle_id is None:
        return False
    return mark_paid(session, cycle_id, at=at, source=source, recorded_by_commerce=True)


def pay_cycle(
    session: Session,
    order_no: str,
    *,
    at: datetime,
    source: str,
    transaction_id: str | None = None,
) -> bool:
    """The customer paid a cycle's order (or the prepay) at checkout, not through the
    charger: the order recorded paid in commerce and the cycle paid. False when it was paid
    already or is not awaiting payment."""
    if order_no.endswith("-P"):
        known = session.scalar(
            select(Subscription.id).where(Subscription.prepaid_order_no == order_no)
        )
        total = ordering.order_total(session, order_no)
        if known is None or total is None:
            return False
        ordering.pay(
            session,
            order_no,
            amount=total,
            transaction_id=transaction_id or f"checkout:{order_no}",
            at=at,
            source=source,
        )
        return prepay_paid(session, order_no, at=at)
    cycle_id = session.scalar(
        select(SubscriptionCycle.id).where(SubscriptionCycle.order_no == order_no)
    )
    if cycle_id is None:
        return False
    return mark_paid(session, cycle_id, at=at, source=source, transaction_id=transaction_id)
