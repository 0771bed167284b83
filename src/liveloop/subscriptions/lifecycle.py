"""A customer's subscription from subscribing to cancelling: skip a cycle, pause, resume,
change the address, cancel with the refund of paid cycles not delivered.

Every state move is a guarded UPDATE (``… WHERE state = 'active'``), so two requests racing
move it once; dates are the brand's local days (``tz``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from liveloop.profiles import service as profiles
from liveloop.store.base import to_money
from liveloop.store.engine import dialect_insert, for_update
from liveloop.subscriptions import events, ordering
from liveloop.subscriptions.contracts import (
    Cadence,
    CycleStatus,
    PauseReason,
    SubscriptionConflict,
    SubscriptionRefused,
    SubscriptionState,
    UnknownSubscription,
)
from liveloop.subscriptions.guards import affected
from liveloop.subscriptions.models import Subscription, SubscriptionCycle, SubscriptionPlan
from liveloop.subscriptions.plans import plan_row
from liveloop.subscriptions.prorata import unused_refund
from liveloop.subscriptions.schedule import Schedule
from liveloop.subscriptions.views import CycleView, SubscriptionView

UPCOMING = 3  # cycle dates a view lists ahead
MAX_AHEAD_DAYS = 366  # how far ahead a first cycle may be set


@dataclass(frozen=True)
class SubscribeRequest:
    key: str  # the caller's idempotency key: subscribing again with it returns the first one
    customer_id: int
    plan: str
    first_on: date
    address: Mapping[str, Any] = field(default_factory=dict)
    channel: str = "mini_program"
    # Pay the whole fixed term up front: one order for every cycle (``SUB{id}-P``); each
    # cycle then comes as a ¥0 order, and cancelling refunds the cycles not delivered.
    prepay: bool = False


def local_day(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()


def unit_price(plan: SubscriptionPlan, amount: Decimal | None = None) -> Decimal:
    """A cycle's order line's unit price (a plan's price divides by its quantity to the fen)."""
    total = plan.price if amount is None else amount
    return (total / plan.quantity).quantize(Decimal("0.01"))


def schedule_of(sub: Subscription, plan: SubscriptionPlan) -> Schedule:
    return Schedule(sub.anchor_on, sub.anchor_cycle, Cadence(plan.cadence))


def subscribe(
    session: Session, request: SubscribeRequest, *, at: datetime, tz: ZoneInfo, source: str
) -> SubscriptionView:
    known = session.scalars(
        select(Subscription).where(Subscription.subscribe_key == request.key)
    ).one_or_none()
    if known is not None:
        return view(session, known)
    plan = plan_row(session, request.plan)
    if not plan.active:
        raise SubscriptionConflict(f"订阅计划 {plan.name} 已下架 (plan {plan.code} is off sale)")
    if not profiles.exists(session, request.customer_id):
        raise SubscriptionRefused(f"没有这位顾客 (no customer {request.customer_id})")
    if request.prepay and plan.cycles is None:
        raise SubscriptionRefused(
            "只有固定期数的计划可以预付 (only a fixed-term plan can be prepaid)"
        )
    today = local_day(at, tz)
    if request.first_on < today:
        raise SubscriptionRefused("首期日期不能早于今天 (the first cycle cannot be in the past)")
    if (request.first_on - today).days > MAX_AHEAD_DAYS:
        raise SubscriptionRefused("首期日期最多一年内 (the first cycle must be within a year)")
    inserted = session.execute(
        dialect_insert(session)(Subscription)
        .values(
            subscribe_key=request.key,
            customer_id=profiles.survivor_of(session, request.customer_id),
            plan_id=plan.id,
            state=SubscriptionState.ACTIVE,
            address=dict(request.address),
            channel=request.channel,
            anchor_on=request.first_on,
            anchor_cycle=1,
            next_cycle=1,
            next_on=request.first_on,
            delivered_cycles=0,
            reminded_cycle=0,
            refunded=Decimal("0"),
            prepaid_cycles=0,
            created_at=at,
            updated_at=at,
        )
        .on_conflict_do_nothing(index_elements=["subscribe_key"])
        .returning(Subscription.id)
    ).scalar()
    sub = session.scalars(
        select(Subscription).where(Subscription.subscribe_key == request.key)
    ).one()
    if inserted is not None and request.prepay and plan.cycles is not None:
        sub.prepaid_order_no = ordering.prepay_order_no(sub.id)
        sub.prepaid_cycles = plan.cycles
        session.flush()
        ordering.place(
            session,
            order_no=sub.prepaid_order_no,
            customer_id=sub.customer_id,
            sku=plan.sku,
            quantity=plan.quantity * plan.cycles,
            unit_price=unit_price(plan),
            address=sub.address or {},
            channel=sub.channel,
            at=at,
            source=source,
            attributes={"subscription_id": sub.id, "prepaid_cycles": plan.cycles},
        )
    if inserted is not None:
        events.subscription_started(
            session,
            at=at,
            source=source,
            customer_id=sub.customer_id,
            subscription_id=sub.id,
            plan=plan.code,
            plan_name=plan.name,
            first_on=request.first_on,
        )
    return view(session, sub, created=inserted is not None)


def row(session: Session, subscription_id: int, *, lock: bool = False) -> Subscription:
    query = select(Subscription).where(Subscription.id == subscription_id)
    sub = session.scalars(for_update(session, query) if lock else query).one_or_none()
    if sub is None:
        raise UnknownSubscription(f"没有这个订阅 (no subscription {subscription_id})")
    return sub


def _move(session: Session, sub: Subscription, frm: tuple[str, ...], **values: Any) -> bool:
    """The guarded state move; False when another request moved it first."""
    moved = affected(
        session.execute(
            update(Subscription)
            .where(Subscription.id == sub.id, Subscription.state.in_(frm))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    )
    session.refresh(sub)
    return bool(moved)


def _taken(session: Session, subscription_id: int, after: int) -> set[int]:
    """The cycle numbers from ``after`` on that already have a row (skipped or opened)."""
    return set(
        session.scalars(
            select(SubscriptionCycle.number).where(
                SubscriptionCycle.subscription_id == subscription_id,
                SubscriptionCycle.number >= after,
            )
        )
    )


def next_free(session: Session, subscription_id: int, after: int) -> int:
    """The first cycle number from ``after`` on with no row yet: the next one to come due."""
    taken = _taken(session, subscription_id, after)
    number = after
    while number in taken:
        number += 1
    return number


def skip(
    session: Session,
    subscription_id: int,
    *,
    cycle: int | None,
    at: datetime,
    tz: ZoneInfo,
) -> SubscriptionView:
    """Skip a cycle not yet due (default: the next); skipping it again changes nothing. A
    skipped cycle costs nothing and does not count towards a fixed-term plan's cycles."""
    sub = row(session, subscription_id, lock=True)
    if sub.state not in (SubscriptionState.ACTIVE, SubscriptionState.PAUSED):
        raise SubscriptionConflict(f"订阅已{_STATE_WORDS[sub.state]}，不能跳过 (it is {sub.state})")
    plan = session.get_one(SubscriptionPlan, sub.plan_id)
    number = sub.next_cycle if cycle is None else cycle
    already = session.scalars(
        select(SubscriptionCycle.status).where(
            SubscriptionCycle.subscription_id == sub.id, SubscriptionCycle.number == number
        )
    ).one_or_none()
    if already == CycleStatus.SKIPPED:
        return view(session, sub)
    if number < sub.next_cycle:
        raise SubscriptionConflict(f"第{number}期已到期，不能跳过 (cycle {number} is already due)")
    if number > sub.next_cycle + 52:
        raise SubscriptionRefused("只能跳过一年内的期数 (only cycles within a year can be skipped)")
    existing = session.scalars(
        select(SubscriptionCycle).where(
            SubscriptionCycle.subscription_id == sub.id, SubscriptionCycle.number == number
        )
    ).one_or_none()
    if existing is None:
        session.add(
            SubscriptionCycle(
                subscription_id=sub.id,
                number=number,
                due_on=schedule_of(sub, plan).date_of(number),
                status=CycleStatus.SKIPPED,
                amount=Decimal("0"),
                created_at=at,
                updated_at=at,
            )
        )
        session.flush()
    if number == sub.next_cycle:
        following = next_free(session, sub.id, number)
        sub.next_cycle, sub.next_on = following, schedule_of(sub, plan).date_of(following)
        session.flush()
    return view(session, sub)


def pause(
    session: Session,
    subscription_id: int,
    *,
    at: datetime,
    tz: ZoneInfo,
    reason: PauseReason = PauseReason.CUSTOMER,
) -> SubscriptionView:
    """Pause an active subscription: no cycle comes due until it is resumed. Pausing a paused
    one changes nothing."""
    sub = row(session, subscription_id)
    if sub.state == SubscriptionState.PAUSED:
        return view(session, sub)
    if not _move(
        session,
        sub,
        (SubscriptionState.ACTIVE,),
        state=SubscriptionState.PAUSED,
        paused_on=local_day(at, tz),
        pause_reason=reason,
        updated_at=at,
    ):
        raise SubscriptionConflict(f"订阅已{_STATE_WORDS[sub.state]}，不能暂停 (it is {sub.state})")
    return view(session, sub)


def resume(
    session: Session, subscription_id: int, *, at: datetime, tz: ZoneInfo
) -> SubscriptionView:
    """Resume a paused subscription: every cycle not yet due moves by the days it was paused
    (never to before today). Resuming an active one changes nothing."""
    sub = row(session, subscription_id, lock=True)
    if sub.state == SubscriptionState.ACTIVE:
        return view(session, sub)
    if sub.state != SubscriptionState.PAUSED or sub.paused_on is None:
        raise SubscriptionConflict(f"订阅已{_STATE_WORDS[sub.state]}，不能恢复 (it is {sub.state})")
    plan = session.get_one(SubscriptionPlan, sub.plan_id)
    today = local_day(at, tz)
    moved = schedule_of(sub, plan).resumed(sub.next_cycle, sub.paused_on, today)
    if not _move(
        session,
        sub,
        (SubscriptionState.PAUSED,),
        state=SubscriptionState.ACTIVE,
        paused_on=None,
        pause_reason=None,
        anchor_on=moved.anchor_on,
        anchor_cycle=moved.anchor_cycle,
        next_on=moved.date_of(sub.next_cycle),
        updated_at=at,
    ):
        raise SubscriptionConflict("订阅状态已变化，请刷新 (the subscription changed meanwhile)")
    # Skipped cycles ahead keep their numbers and move with the schedule.
    for cycle in session.scalars(
        select(SubscriptionCycle).where(
            SubscriptionCycle.subscription_id == sub.id,
            SubscriptionCycle.number >= sub.next_cycle,
        )
    ):
        cycle.due_on = moved.date_of(cycle.number)
    session.flush()
    return view(session, sub)


def change_address(
    session: Session, subscription_id: int, address: Mapping[str, Any], *, at: datetime
) -> SubscriptionView:
    """The address every cycle not yet ordered goes to."""
    sub = row(session, subscription_id)
    if sub.state not in (SubscriptionState.ACTIVE, SubscriptionState.PAUSED):
        raise SubscriptionConflict(
            f"订阅已{_STATE_WORDS[sub.state]}，不能改地址 (it is {sub.state})"
        )
    sub.address, sub.updated_at = dict(address), at
    session.flush()
    return view(session, sub)


def cancel(
    session: Session,
    subscription_id: int,
    *,
    reason: str,
    at: datetime,
    source: str,
) -> SubscriptionView:
    """Cancel: no further cycle; a cycle awaiting payment is withdrawn (its order cancelled);
    each paid cycle whose goods have not left is refunded in full (one refund number per
    cycle, so a retried refund never pays twice). Cancelling twice changes nothing."""
    sub = row(session, subscription_id, lock=True)
    if sub.state == SubscriptionState.CANCELLED:
        return view(session, sub)
    if not _move(
        session,
        sub,
        (SubscriptionState.ACTIVE, SubscriptionState.PAUSED),
        state=SubscriptionState.CANCELLED,
        cancelled_at=at,
        cancel_reason=reason,
        updated_at=at,
    ):
        raise SubscriptionConflict(f"订阅已{_STATE_WORDS[sub.state]}，不能取消 (it is {sub.state})")
    refunded, count, delivered_prepaid = Decimal("0"), 0, 0
    for cycle in session.scalars(
        select(SubscriptionCycle)
        .where(
            SubscriptionCycle.subscription_id == sub.id,
            SubscriptionCycle.status.in_([CycleStatus.AWAITING_PAYMENT, CycleStatus.PAID]),
        )
        .order_by(SubscriptionCycle.number)
    ):
        if cycle.order_no is None:
            continue
        if cycle.status == CycleStatus.AWAITING_PAYMENT:
            cycle.status, cycle.next_attempt_at = CycleStatus.CANCELLED, None
            ordering.cancel(session, cycle.order_no, at=at, reason=reason, source=source)
        elif ordering.cancel(session, cycle.order_no, at=at, reason=reason, source=source):
            # Paid and not shipped: commerce cancels it (so it never ships) and refunds it in
            # full under the order's own number (nothing, for a prepaid cycle's ¥0 order).
            cycle.status = CycleStatus.REFUNDED
            cycle.refund_no = cycle.order_no
            if cycle.amount > 0:
                refunded += cycle.amount
                count += 1
        elif cycle.amount == 0:
            delivered_prepaid += 1  # a prepaid cycle whose goods have left
    if sub.prepaid_order_no is not None:
        if sub.prepaid_at is None:
            ordering.cancel(session, sub.prepaid_order_no, at=at, reason=reason, source=source)
        else:
            # The prepay back pro rata to the prepaid cycles not delivered, exact to the fen.
            paid = ordering.order_total(session, sub.prepaid_order_no) or Decimal("0")
            back = unused_refund(paid, sub.prepaid_cycles, delivered_prepaid)
            if back > 0:
                ordering.refund(
                    session,
                    sub.prepaid_order_no,
                    refund_no=f"{sub.prepaid_order_no}-R",
                    amount=back,
                    reason=reason,
                    at=at,
                    source=source,
                )
            refunded += back
            count += sub.prepaid_cycles - delivered_prepaid
    sub.refunded = to_money(sub.refunded + refunded)
    session.flush()
    events.subscription_cancelled(
        session,
        at=at,
        source=source,
        customer_id=sub.customer_id,
        subscription_id=sub.id,
        reason=reason,
        refunded=sub.refunded,
        cycles_refunded=count,
    )
    return view(session, sub)


_STATE_WORDS: dict[str, str] = {
    SubscriptionState.ACTIVE: "生效",
    SubscriptionState.PAUSED: "暂停",
    SubscriptionState.CANCELLED: "取消",
    SubscriptionState.ENDED: "结束",
}


def cycle_view(cycle: SubscriptionCycle) -> CycleView:
    return CycleView(
        cycle.number,
        cycle.due_on,
        cycle.status,
        cycle.order_no,
        cycle.amount,
        cycle.attempts,
        cycle.next_attempt_at,
        cycle.last_failure,
        cycle.paid_at,
        cycle.refund_no,
    )


def opened(session: Session, subscription_id: int) -> int:
    """The cycles that count towards a fixed term: opened and not failed or withdrawn."""
    return len(
        list(
            session.scalars(
                select(SubscriptionCycle.id).where(
                    SubscriptionCycle.subscription_id == subscription_id,
                    SubscriptionCycle.status.in_(
                        [CycleStatus.AWAITING_PAYMENT, CycleStatus.PAID, CycleStatus.REFUNDED]
                    ),
                )
            )
        )
    )


def view(
    session: Session,
    sub: Subscription,
    *,
    created: bool = False,
    with_cycles: bool = True,
    oneid: str | None = None,
) -> SubscriptionView:
    plan = session.get_one(SubscriptionPlan, sub.plan_id)
    live = sub.state in (SubscriptionState.ACTIVE, SubscriptionState.PAUSED)
    finished = plan.cycles is not None and opened(session, sub.id) >= plan.cycles
    upcoming: list[date] = []
    if live and not finished:
        skipped = _taken(session, sub.id, sub.next_cycle)
        schedule = schedule_of(sub, plan)
        number = sub.next_cycle
        left = None if plan.cycles is None else plan.cycles - opened(session, sub.id)
        while len(upcoming) < min(UPCOMING, left if left is not None else UPCOMING):
            if number not in skipped:
                upcoming.append(schedule.date_of(number))
            number += 1
    cycles: tuple[CycleView, ...] = ()
    if with_cycles:
        cycles = tuple(
            cycle_view(c)
            for c in session.scalars(
                select(SubscriptionCycle)
                .where(SubscriptionCycle.subscription_id == sub.id)
                .order_by(SubscriptionCycle.number)
            )
        )
    if oneid is None:
        oneid = profiles.oneids_of(session, [sub.customer_id]).get(sub.customer_id)
    return SubscriptionView(
        id=sub.id,
        customer_id=sub.customer_id,
        oneid=oneid,
        plan=plan.code,
        plan_name=plan.name,
        price=plan.price,
        cadence=plan.cadence,
        state=sub.state,
        address=dict(sub.address or {}),
        next_cycle=sub.next_cycle,
        next_on=sub.next_on if live and not finished else None,
        delivered_cycles=sub.delivered_cycles,
        plan_cycles=plan.cycles,
        paused_on=sub.paused_on,
        pause_reason=sub.pause_reason,
        refunded=sub.refunded,
        prepaid_order_no=sub.prepaid_order_no,
        prepaid_cycles=sub.prepaid_cycles,
        prepaid_at=sub.prepaid_at,
        created_at=sub.created_at,
        cancelled_at=sub.cancelled_at,
        upcoming=tuple(upcoming),
        cycles=cycles,
        created=created,
    )
