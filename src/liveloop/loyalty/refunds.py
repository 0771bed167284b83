"""Refunds on the points ledger: a refunded order's earned points clawed back and the points
spent on it returned, each pro rata to what has been refunded so far.

A claw-back is never skipped: what the order's frozen lot no longer holds comes from the
available balance, which may go below zero — the member then owes it, and later points pay the
debt first (``points.settle_lots``). Pro rata is cumulative (what the order's refunds so far
call for, less what earlier refunds took), so partial refunds never drift by rounding and a
full refund takes it all. Source keys: ``refund:{refund_no}:clawback`` and
``refund:{refund_no}:return``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveloop.loyalty import events
from liveloop.loyalty.contracts import AccountKind, PostingKind
from liveloop.loyalty.ledger import Leg, brand, find_posting, post
from liveloop.loyalty.models import LotStatus, PointsLot, PointsPosting
from liveloop.loyalty.points import A, F, expiry_of, new_lot, settle_lots, state, whole
from liveloop.loyalty.rules import points_rules


@dataclass(frozen=True)
class RefundOutcome:
    clawed_back: int
    returned: int


def _share(points: int, refunded: Decimal, total: Decimal, full: bool) -> int:
    """The part of ``points`` that ``refunded`` of ``total`` calls for (all, when full)."""
    if full or total <= 0 or refunded >= total:
        return points
    return whole(Decimal(points) * refunded / total)


def on_refund(
    session: Session,
    *,
    customer_id: int,
    order_no: str,
    refund_no: str,
    refunded_before: Decimal,
    refunded_after: Decimal,
    order_total: Decimal,
    full: bool,
    at: datetime,
    tz: ZoneInfo,
) -> RefundOutcome:
    """A refund of ``order_no``: its earned points clawed back and the points spent on it
    returned, each pro rata to what has been refunded so far."""
    clawed = _claw_back(
        session,
        customer_id,
        order_no,
        refund_no,
        refunded_before,
        refunded_after,
        order_total,
        full,
        at,
    )
    returned = _return_spent(
        session,
        customer_id,
        order_no,
        refund_no,
        refunded_before,
        refunded_after,
        order_total,
        full,
        at,
        tz,
    )
    return RefundOutcome(clawed, returned)


def _claw_back(
    session: Session,
    customer_id: int,
    order_no: str,
    refund_no: str,
    before: Decimal,
    after: Decimal,
    total: Decimal,
    full: bool,
    at: datetime,
) -> int:
    earned = find_posting(session, f"order:{order_no}:earn")
    if earned is None:
        return 0
    owner = customer_id  # the person who stands for the buyer now (balances follow merges)
    points = _share(earned.points, after, total, full) - _share(earned.points, before, total, False)
    if points <= 0:
        return 0
    lot = session.scalar(select(PointsLot).where(PointsLot.posting_id == earned.id))
    from_frozen = (
        min(points, lot.remaining) if lot is not None and lot.status == LotStatus.FROZEN else 0
    )
    from_available = points - from_frozen
    legs = [brand(AccountKind.CLAWED_BACK, points)]
    if from_frozen:
        legs.append(Leg(F, owner, -from_frozen))
    if from_available:
        legs.append(Leg(A, owner, -from_available, may_go_negative=True))
    source_key = f"refund:{refund_no}:clawback"
    posted = post(
        session,
        source_key=source_key,
        kind=PostingKind.CLAWBACK,
        customer_id=owner,
        at=at,
        legs=legs,
        memo=f"订单 {order_no} 退款追回 {points} 积分",
        order_no=order_no,
        details={
            "refund_no": refund_no,
            "from_frozen": from_frozen,
            "from_available": from_available,
        },
    )
    if not posted.new:
        return 0
    if lot is not None and from_frozen:
        lot.remaining -= from_frozen
        if lot.remaining == 0:
            lot.status = LotStatus.CLOSED
    session.flush()
    settle_lots(session, owner)
    available, frozen = state(session, owner)
    events.points_clawed_back(
        session,
        at=at,
        customer_id=owner,
        source_key=source_key,
        points=points,
        available=available,
        frozen=frozen,
        order_no=order_no,
        refund_no=refund_no,
        owed=max(-available, 0),
    )
    return points


def _return_spent(
    session: Session,
    customer_id: int,
    order_no: str,
    refund_no: str,
    before: Decimal,
    after: Decimal,
    total: Decimal,
    full: bool,
    at: datetime,
    tz: ZoneInfo,
) -> int:
    spent = list(
        session.execute(
            select(PointsPosting.id, PointsPosting.points).where(
                PointsPosting.order_no == order_no, PointsPosting.kind == PostingKind.SPEND
            )
        )
    )
    if not spent:
        return 0
    owner, total_spent = customer_id, sum(p for _, p in spent)
    points = _share(total_spent, after, total, full) - _share(total_spent, before, total, False)
    if points <= 0:
        return 0
    return _give_back(
        session,
        owner,
        points,
        order_no,
        refund_no,
        f"refund:{refund_no}:return",
        f"订单 {order_no} 退款退回抵扣的 {points} 积分",
        at,
        tz,
    )


def _give_back(
    session: Session,
    owner: int,
    points: int,
    order_no: str,
    refund_no: str | None,
    source_key: str,
    memo: str,
    at: datetime,
    tz: ZoneInfo,
) -> int:
    """Spent points handed back as a new lot, once per ``source_key``; how many moved."""
    posted = post(
        session,
        source_key=source_key,
        kind=PostingKind.RETURN,
        customer_id=owner,
        at=at,
        legs=[brand(AccountKind.REDEEMED, -points), Leg(A, owner, points)],
        memo=memo,
        order_no=order_no,
        details={"refund_no": refund_no} if refund_no else {"cancelled": True},
    )
    if not posted.new:
        return 0
    new_lot(session, posted, owner, points, at, expiry_of(at, points_rules(session), tz))
    settle_lots(session, owner)
    available, frozen = state(session, owner)
    events.points_returned(
        session,
        at=at,
        customer_id=owner,
        source_key=source_key,
        points=points,
        available=available,
        frozen=frozen,
        order_no=order_no,
        refund_no=refund_no,
    )
    return points


def on_cancel(session: Session, customer_id: int, order_no: str, at: datetime, tz: ZoneInfo) -> int:
    """An unpaid order cancelled: every point spent on it goes back (a paid one's come back
    with its refund). Once per order, whatever replays."""
    spent = session.scalar(
        select(func.coalesce(func.sum(PointsPosting.points), 0)).where(
            PointsPosting.order_no == order_no, PointsPosting.kind == PostingKind.SPEND
        )
    )
    points = int(spent or 0)
    if points <= 0:
        return 0
    return _give_back(
        session,
        customer_id,
        points,
        order_no,
        None,
        f"cancel:{order_no}:return",
        f"订单 {order_no} 取消,退回抵扣的 {points} 积分",
        at,
        tz,
    )
