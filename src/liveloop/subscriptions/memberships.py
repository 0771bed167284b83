"""Paid memberships (醋文化会员 199 元/年, 4 deliveries) as an entitlement ledger.

Every change is a ledger line unique on its business fact (``source_key``):
- ``order:{order_no}`` — bought (the customer's first) or renewed (any later) by a paid order
  of the plan's SKU: +deliveries, +the money paid, the term extended;
- ``delivery:{membership}:{n}`` — the n-th delivery used: its ¥0 order of the delivery SKU;
- ``refund:{membership}:{k}`` — the k-th refund: the money of the deliveries not used.

So a replayed ``Order Completed`` never grants twice, and two requests for the same delivery
number place one order. The membership row keeps the ledger's sums beside it, changed in the
same transaction as each line.

Refunds are pro rata to the deliveries not used, exact to the fen, grant by grant: deliveries
are used oldest grant first, and each grant's unused deliveries are worth their
``prorata.shares`` of what that grant's order paid — 199 with 4 deliveries is 49.75 each, so
3 unused refund 149.25.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.profiles import service as profiles
from liveloop.store.base import to_money
from liveloop.store.engine import dialect_insert, for_update
from liveloop.subscriptions import events, ordering
from liveloop.subscriptions.contracts import (
    DELIVERY_ORDER_PREFIX,
    EntryKind,
    MembershipStatus,
    SubscriptionConflict,
    UnknownMembership,
)
from liveloop.subscriptions.guards import affected
from liveloop.subscriptions.models import Membership, MembershipEntry, MembershipPlan
from liveloop.subscriptions.plans import membership_plan_row
from liveloop.subscriptions.prorata import unused_refund
from liveloop.subscriptions.views import EntryView, MembershipView


@dataclass(frozen=True)
class PaidLine:
    """A line of a paid order, as ``Order Completed`` tells it."""

    sku: str
    quantity: int
    amount: Decimal  # what the line cost (price × quantity, before any order discount)


def grant_from_order(
    session: Session,
    *,
    order_no: str,
    customer_id: int,
    lines: Sequence[PaidLine],
    at: datetime,
    source: str,
) -> list[MembershipView]:
    """A paid order's lines of membership SKUs buy (or renew) those memberships; an order
    already granted grants nothing (its ledger line is there)."""
    if not lines:
        return []
    plans = {
        p.sku: p
        for p in session.scalars(
            select(MembershipPlan).where(MembershipPlan.sku.in_({line.sku for line in lines}))
        )
    }
    if not plans:
        return []
    # What the customer paid for the line (after the order's coupon and points), from the
    # order itself when commerce has it: the refund is pro rata to that, not to the list price.
    order = commerce.get_order(session, order_no)
    paid: dict[str, Decimal] = {}
    for view in order.lines if order is not None else ():
        paid[view.sku] = paid.get(view.sku, Decimal("0")) + view.paid_amount
    granted = []
    for line in lines:
        plan = plans.get(line.sku)
        if plan is None or line.quantity <= 0:
            continue
        if line.sku in paid:
            line = PaidLine(line.sku, line.quantity, paid[line.sku])
        granted.append(_grant(session, plan, order_no, customer_id, line, at, source))
    return granted


def _grant(
    session: Session,
    plan: MembershipPlan,
    order_no: str,
    customer_id: int,
    line: PaidLine,
    at: datetime,
    source: str,
) -> MembershipView:
    customer_id = profiles.survivor_of(session, customer_id)
    session.execute(
        dialect_insert(session)(Membership)
        .values(
            customer_id=customer_id,
            plan_id=plan.id,
            status=MembershipStatus.ACTIVE,
            started_at=at,
            ends_at=at,
            deliveries_granted=0,
            deliveries_used=0,
            paid=Decimal("0"),
            refunded=Decimal("0"),
            updated_at=at,
        )
        .on_conflict_do_nothing(index_elements=["customer_id", "plan_id"])
    )
    membership = session.scalars(
        for_update(
            session,
            select(Membership).where(
                Membership.customer_id == customer_id, Membership.plan_id == plan.id
            ),
        )
    ).one()
    first = membership.deliveries_granted == 0 and membership.paid == 0
    deliveries = plan.deliveries * line.quantity
    posted = _post(
        session,
        membership,
        EntryKind.BOUGHT if first else EntryKind.RENEWED,
        f"order:{order_no}",
        at,
        deliveries=deliveries,
        amount=to_money(line.amount),
        order_no=order_no,
        detail={"plan": plan.code, "quantity": line.quantity},
    )
    if not posted:
        return view(session, membership)
    start = at if first or membership.status != MembershipStatus.ACTIVE else membership.ends_at
    start = max(start, at)
    membership.ends_at = start + timedelta(days=plan.term_days * line.quantity)
    if first:
        membership.started_at = at
    membership.status = MembershipStatus.ACTIVE
    membership.deliveries_granted += deliveries
    membership.paid = to_money(membership.paid + line.amount)
    membership.updated_at = at
    session.flush()
    announce = events.membership_bought if first else events.membership_renewed
    announce(
        session,
        at=at,
        source=source,
        customer_id=membership.customer_id,
        membership_id=membership.id,
        plan=plan.code,
        order_no=order_no,
        amount=to_money(line.amount),
        deliveries=deliveries,
        ends_at=membership.ends_at,
    )
    return view(session, membership, changed=True)


def _post(
    session: Session,
    membership: Membership,
    kind: EntryKind,
    source_key: str,
    at: datetime,
    *,
    deliveries: int = 0,
    amount: Decimal = Decimal("0"),
    order_no: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> bool:
    """One ledger line, unless its business fact is there already (then False)."""
    # RETURNING, not the row count: psycopg reports -1 rows for ON CONFLICT DO NOTHING.
    posted = session.execute(
        dialect_insert(session)(MembershipEntry)
        .values(
            membership_id=membership.id,
            kind=kind,
            source_key=source_key,
            deliveries=deliveries,
            amount=amount,
            order_no=order_no,
            at=at,
            detail=dict(detail or {}),
        )
        .on_conflict_do_nothing(index_elements=["source_key"])
        .returning(MembershipEntry.id)
    ).scalar()
    return posted is not None


def row(session: Session, membership_id: int, *, lock: bool = False) -> Membership:
    query = select(Membership).where(Membership.id == membership_id)
    found = session.scalars(for_update(session, query) if lock else query).one_or_none()
    if found is None:
        raise UnknownMembership(f"没有这个付费会员 (no membership {membership_id})")
    return found


def use_delivery(
    session: Session,
    membership_id: int,
    *,
    address: Mapping[str, Any],
    at: datetime,
    source: str,
    channel: str = "membership",
) -> MembershipView:
    """Use the next delivery: its ¥0 order of the plan's delivery SKU, linked by the ledger
    line. Refused when none is left, the term is over or the membership was refunded."""
    membership = row(session, membership_id, lock=True)
    plan = session.get_one(MembershipPlan, membership.plan_id)
    if membership.status == MembershipStatus.REFUNDED:
        raise SubscriptionConflict("会员已退款，不能再使用权益 (the membership was refunded)")
    if membership.status == MembershipStatus.EXPIRED or membership.ends_at <= at:
        raise SubscriptionConflict("会员已到期，请续费 (the membership's term is over)")
    if membership.deliveries_used >= membership.deliveries_granted:
        raise SubscriptionConflict("本期权益次数已用完 (no delivery left)")
    number = membership.deliveries_used + 1
    moved = affected(
        session.execute(
            update(Membership)
            .where(Membership.id == membership.id, Membership.deliveries_used == number - 1)
            .values(deliveries_used=number, updated_at=at)
            .execution_options(synchronize_session=False)
        )
    )
    if not moved:
        raise SubscriptionConflict("权益正被使用，请刷新 (another delivery was used meanwhile)")
    session.refresh(membership)
    order_no = ordering.delivery_order_no(membership.id, number)
    _post(
        session,
        membership,
        EntryKind.DELIVERY_USED,
        f"delivery:{membership.id}:{number}",
        at,
        deliveries=-1,
        order_no=order_no,
        detail={"sku": plan.delivery_sku, "quantity": plan.delivery_quantity},
    )
    ordering.place(
        session,
        order_no=order_no,
        customer_id=membership.customer_id,
        sku=plan.delivery_sku,
        quantity=plan.delivery_quantity,
        unit_price=Decimal("0"),
        address=address,
        channel=channel,
        at=at,
        source=source,
        attributes={"membership_id": membership.id, "delivery": number},
    )
    # A ¥0 order: paid at once, so it is fulfilled like any other.
    ordering.pay(
        session,
        order_no,
        amount=Decimal("0"),
        transaction_id=f"membership:{order_no}",
        at=at,
        source=source,
    )
    events.membership_delivery_used(
        session,
        at=at,
        source=source,
        customer_id=membership.customer_id,
        membership_id=membership.id,
        delivery=number,
        order_no=order_no,
        left=membership.deliveries_granted - number,
    )
    return view(session, membership, changed=True)


@dataclass(frozen=True)
class GrantRefund:
    entry_id: int
    order_no: str
    refund_no: str
    amount: Decimal
    used: int
    unused: int


def _grants(session: Session, membership_id: int) -> list[MembershipEntry]:
    return list(
        session.scalars(
            select(MembershipEntry)
            .where(
                MembershipEntry.membership_id == membership_id,
                MembershipEntry.kind.in_([EntryKind.BOUGHT, EntryKind.RENEWED]),
            )
            .order_by(MembershipEntry.id)
        )
    )


def _refunds_made(session: Session, membership_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(MembershipEntry.id)).where(
                MembershipEntry.membership_id == membership_id,
                MembershipEntry.kind == EntryKind.REFUNDED,
            )
        )
        or 0
    )


def refund_plan(session: Session, membership: Membership) -> list[GrantRefund]:
    """What a refund now would pay back, grant by grant: the deliveries used are taken from
    the oldest open grant first; a grant an earlier refund closed keeps what it used then."""
    grants = _grants(session, membership.id)
    closed = [g for g in grants if g.detail.get("closed")]
    used = membership.deliveries_used - sum(int(g.detail.get("used", 0)) for g in closed)
    number = _refunds_made(session, membership.id) + 1
    owed = []
    for grant in grants:
        if grant.detail.get("closed") or grant.order_no is None:
            continue
        in_grant = min(used, grant.deliveries)
        used -= in_grant
        owed.append(
            GrantRefund(
                grant.id,
                grant.order_no,
                f"{grant.order_no}-R{number}",
                unused_refund(grant.amount, grant.deliveries, in_grant),
                in_grant,
                grant.deliveries - in_grant,
            )
        )
    return owed


def refund(
    session: Session, membership_id: int, *, reason: str, at: datetime, source: str
) -> MembershipView:
    """Refund the deliveries not used, pro rata and exact to the fen, and close the
    membership (its open grants closed with what they used). Refunding a refunded membership
    changes nothing; buying again later opens a new grant."""
    membership = row(session, membership_id, lock=True)
    if membership.status == MembershipStatus.REFUNDED:
        return view(session, membership)
    owed = refund_plan(session, membership)
    total = to_money(sum((g.amount for g in owed), Decimal("0")))
    unused = max(0, membership.deliveries_granted - membership.deliveries_used)
    number = _refunds_made(session, membership.id) + 1
    refund_no = f"{DELIVERY_ORDER_PREFIX}{membership.id}-R{number}"
    if not _post(
        session,
        membership,
        EntryKind.REFUNDED,
        f"refund:{membership.id}:{number}",
        at,
        deliveries=-unused,
        amount=-total,
        detail={
            "reason": reason,
            "refunds": [
                {"order_no": g.order_no, "refund_no": g.refund_no, "amount": str(g.amount)}
                for g in owed
            ],
        },
    ):
        return view(session, membership)
    for grant in owed:
        if grant.amount > 0:
            ordering.refund(
                session,
                grant.order_no,
                refund_no=grant.refund_no,
                amount=grant.amount,
                reason=reason,
                at=at,
                source=source,
            )
        entry = session.get_one(MembershipEntry, grant.entry_id)
        entry.detail = {**entry.detail, "closed": True, "used": grant.used}
    membership.status = MembershipStatus.REFUNDED
    membership.deliveries_granted = membership.deliveries_used
    membership.refunded = to_money(membership.refunded + total)
    membership.updated_at = at
    session.flush()
    events.membership_refunded(
        session,
        at=at,
        source=source,
        customer_id=membership.customer_id,
        membership_id=membership.id,
        refund_no=refund_no,
        amount=total,
        deliveries_unused=unused,
        reason=reason,
    )
    return view(session, membership, changed=True)


def expire(session: Session, *, at: datetime) -> int:
    """Memberships whose term ended are expired (their deliveries left are lost)."""
    return affected(
        session.execute(
            update(Membership)
            .where(Membership.status == MembershipStatus.ACTIVE, Membership.ends_at <= at)
            .values(status=MembershipStatus.EXPIRED, updated_at=at)
            .execution_options(synchronize_session=False)
        )
    )


def view(
    session: Session,
    membership: Membership,
    *,
    changed: bool = False,
    with_entries: bool = True,
    oneid: str | None = None,
) -> MembershipView:
    plan = session.get_one(MembershipPlan, membership.plan_id)
    entries: tuple[EntryView, ...] = ()
    if with_entries:
        entries = tuple(
            EntryView(e.kind, e.source_key, e.deliveries, e.amount, e.order_no, e.at)
            for e in session.scalars(
                select(MembershipEntry)
                .where(MembershipEntry.membership_id == membership.id)
                .order_by(MembershipEntry.id)
            )
        )
    if oneid is None:
        oneid = profiles.oneids_of(session, [membership.customer_id]).get(membership.customer_id)
    return MembershipView(
        id=membership.id,
        customer_id=membership.customer_id,
        oneid=oneid,
        plan=plan.code,
        plan_name=plan.name,
        status=membership.status,
        started_at=membership.started_at,
        ends_at=membership.ends_at,
        deliveries_granted=membership.deliveries_granted,
        deliveries_used=membership.deliveries_used,
        deliveries_left=max(0, membership.deliveries_granted - membership.deliveries_used),
        paid=membership.paid,
        refunded=membership.refunded,
        entries=entries,
        changed=changed,
    )


def membership_for(session: Session, customer_id: int, plan_code: str) -> MembershipView | None:
    plan = membership_plan_row(session, plan_code)
    found = session.scalars(
        select(Membership).where(
            Membership.customer_id == profiles.survivor_of(session, customer_id),
            Membership.plan_id == plan.id,
        )
    ).one_or_none()
    return view(session, found) if found is not None else None
