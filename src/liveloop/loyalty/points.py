"""Points by business fact: earned on a paid order (frozen for the after-sales window, then
released), rewarded for interactions and UGC (a daily cap per person and event), spent at
checkout, expired lot by lot, adjusted by an operator, moved on a OneID merge (refunds are in
``refunds``). Each is one posting on the ledger, unique on its source key:

    order:{no}:earn            lot:{id}:release     adjust:{client key}
    event:{message_id}:reward  lot:{id}:expire      merge:{merge_id}:transfer
    (the caller's key):spend

Lots: every credit is a lot that ends at the end of the N-th month after it was earned; what
is debited is taken from the lots ending soonest (``settle_lots``), and a member who owes
points pays the debt from the next lots first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from liveloop.loyalty import events
from liveloop.loyalty.contracts import AccountKind, PointsSpent, PostingKind
from liveloop.loyalty.errors import InsufficientPoints, PostingConflict, RulesRefused
from liveloop.loyalty.ledger import SHORT, Leg, Posted, balances_of, brand, find_posting, post
from liveloop.loyalty.models import LotStatus, PointsLot, PointsPosting
from liveloop.loyalty.rules import PointsRules, points_rules
from liveloop.loyalty.when import add_months, day_bounds, month_start

A, F = AccountKind.AVAILABLE, AccountKind.FROZEN


def expiry_of(earned_at: datetime, rules: PointsRules, tz: ZoneInfo) -> datetime:
    """Points earned at ``earned_at`` end with the N-th month after it (brand time): earned on
    15 March with N = 12, they are gone from 1 April next year."""
    return add_months(month_start(earned_at, tz), rules.expire_after_months + 1, tz)


def whole(points: Decimal) -> int:
    """Whole points, rounded down."""
    return int(points.to_integral_value(rounding=ROUND_DOWN))


def state(session: Session, customer_id: int) -> tuple[int, int]:
    balances = balances_of(session, customer_id)
    return balances[A.value], balances[F.value]


def new_lot(
    session: Session,
    posted: Posted,
    customer_id: int,
    points: int,
    at: datetime,
    expires_at: datetime,
    *,
    frozen_until: datetime | None = None,
    order_no: str | None = None,
) -> None:
    session.execute(
        insert(PointsLot),
        {
            "customer_id": customer_id,
            "posting_id": posted.posting_id,
            "order_no": order_no,
            "points": points,
            "remaining": points,
            "status": LotStatus.FROZEN if frozen_until is not None else LotStatus.AVAILABLE,
            "earned_at": at,
            "releases_at": frozen_until,
            "expires_at": expires_at,
        },
    )


def settle_lots(session: Session, customer_id: int) -> None:
    """Keep the invariant: a customer's open available lots hold exactly their available
    balance when it is positive, nothing when it is not — what was spent, clawed back or owed
    is taken from the lots ending soonest (FIFO by expiry)."""
    available = balances_of(session, customer_id)[A.value]
    lots = list(
        session.scalars(
            select(PointsLot)
            .where(PointsLot.customer_id == customer_id, PointsLot.status == LotStatus.AVAILABLE)
            .order_by(PointsLot.expires_at, PointsLot.id)
        )
    )
    excess = sum(lot.remaining for lot in lots) - max(available, 0)
    for lot in lots:
        if excess <= 0:
            break
        taken = min(lot.remaining, excess)
        lot.remaining -= taken
        excess -= taken
        if lot.remaining == 0:
            lot.status = LotStatus.CLOSED
    session.flush()


# ---- earning -----------------------------------------------------------------------------------


def earn_for_order(
    session: Session,
    *,
    customer_id: int,
    order_no: str,
    total: Decimal,
    at: datetime,
    after_sales_days: int,
    tz: ZoneInfo,
) -> int:
    """A paid order's points (``earn_per_yuan`` × total, whole points), frozen until its
    after-sales window closes. Returns the points (0: none, or posted before)."""
    rules = points_rules(session)
    points = whole(total * rules.earn_per_yuan)
    if points <= 0:
        return 0
    frozen_until = at + timedelta(days=after_sales_days)
    expires_at = expiry_of(at, rules, tz)
    posted = post(
        session,
        source_key=f"order:{order_no}:earn",
        kind=PostingKind.EARN,
        customer_id=customer_id,
        at=at,
        legs=[brand(AccountKind.ISSUED, -points), Leg(F, customer_id, points)],
        memo=f"订单 {order_no} 获得 {points} 积分,售后期后解冻",
        order_no=order_no,
        reason="order",
        details={"total": str(total), "frozen_until": frozen_until.isoformat()},
    )
    if not posted.new:
        return 0
    new_lot(
        session,
        posted,
        customer_id,
        points,
        at,
        expires_at,
        frozen_until=frozen_until,
        order_no=order_no,
    )
    available, frozen = state(session, customer_id)
    events.points_earned(
        session,
        at=at,
        customer_id=customer_id,
        source_key=f"order:{order_no}:earn",
        points=points,
        available=available,
        frozen=frozen,
        reason="order",
        order_no=order_no,
        frozen_until=frozen_until,
        expires_at=expires_at,
    )
    return points


def reward(
    session: Session,
    *,
    customer_id: int,
    event_name: str,
    message_id: str,
    at: datetime,
    tz: ZoneInfo,
) -> int:
    """An interaction's or UGC event's points by the rules, within the person's daily cap for
    that event (brand day). Returns the points given (0: no rule, the cap reached, a replay)."""
    rules = points_rules(session)
    rule = rules.interactions.get(event_name)
    if rule is None:
        return 0
    start, end = day_bounds(at, tz)
    today = session.scalar(
        select(func.coalesce(func.sum(PointsPosting.points), 0)).where(
            PointsPosting.customer_id == customer_id,
            PointsPosting.kind == PostingKind.REWARD,
            PointsPosting.reason == event_name,
            PointsPosting.at >= start,
            PointsPosting.at < end,
        )
    )
    points = min(rule.points, rule.daily_cap - int(today or 0))
    if points <= 0:
        return 0
    source_key = f"event:{message_id}:reward"
    posted = post(
        session,
        source_key=source_key,
        kind=PostingKind.REWARD,
        customer_id=customer_id,
        at=at,
        legs=[brand(AccountKind.ISSUED, -points), Leg(A, customer_id, points)],
        memo=f"{event_name} 奖励 {points} 积分",
        reason=event_name,
    )
    if not posted.new:
        return 0
    expires_at = expiry_of(at, rules, tz)
    new_lot(session, posted, customer_id, points, at, expires_at)
    settle_lots(session, customer_id)  # a member who owes pays the debt first
    available, frozen = state(session, customer_id)
    events.points_earned(
        session,
        at=at,
        customer_id=customer_id,
        source_key=source_key,
        points=points,
        available=available,
        frozen=frozen,
        reason=event_name,
        order_no=None,
        frozen_until=None,
        expires_at=expires_at,
    )
    return points


def release_due(session: Session, now: datetime, limit: int = 500) -> int:
    """Frozen lots whose after-sales window has closed become available. Returns lots moved."""
    due = list(
        session.scalars(
            select(PointsLot)
            .where(PointsLot.status == LotStatus.FROZEN, PointsLot.releases_at <= now)
            .order_by(PointsLot.releases_at, PointsLot.id)
            .limit(limit)
        )
    )
    for lot in due:
        at = lot.releases_at or now
        if lot.remaining <= 0:  # all of it clawed back while frozen
            lot.status = LotStatus.CLOSED
            continue
        source_key = f"lot:{lot.id}:release"
        post(
            session,
            source_key=source_key,
            kind=PostingKind.RELEASE,
            customer_id=lot.customer_id,
            at=at,
            legs=[Leg(F, lot.customer_id, -lot.remaining), Leg(A, lot.customer_id, lot.remaining)],
            memo=f"订单 {lot.order_no} 售后期结束,{lot.remaining} 积分解冻",
            order_no=lot.order_no,
        )
        points = lot.remaining
        lot.status = LotStatus.AVAILABLE
        session.flush()
        settle_lots(session, lot.customer_id)
        available, frozen = state(session, lot.customer_id)
        events.points_released(
            session,
            at=at,
            customer_id=lot.customer_id,
            source_key=source_key,
            points=points,
            available=available,
            frozen=frozen,
            order_no=lot.order_no,
        )
    session.flush()
    return len(due)


# ---- spending ----------------------------------------------------------------------------------


def value_of(points: int, rules: PointsRules) -> Decimal:
    """What ``points`` are worth at checkout, in yuan (to the fen, rounded down)."""
    return (Decimal(points) / rules.points_per_yuan).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def spend(
    session: Session,
    *,
    customer_id: int,
    points: int,
    source_key: str,
    at: datetime,
    order_no: str | None = None,
) -> PointsSpent:
    """Spend ``points`` of the customer's available balance; 409 积分不足 when it is short. The
    same ``source_key`` again answers the first spend (a retried checkout)."""
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise RulesRefused(f"抵扣积分须为正整数 (points must be a positive integer): {points!r}")
    rules = points_rules(session)
    known = find_posting(session, source_key)
    if known is not None:
        if known.kind != PostingKind.SPEND or known.customer_id != customer_id:
            raise PostingConflict(f"{source_key} 已用于另一笔记账 (key already posted)")
        if known.points != points:
            raise PostingConflict(
                f"{source_key} 已抵扣 {known.points} 积分,不能改为 {points} (key already posted)"
            )
        return PointsSpent(
            known.id,
            source_key,
            known.points,
            value_of(known.points, rules),
            state(session, customer_id)[0],
        )
    available = balances_of(session, customer_id)[A.value]
    if available < points:
        raise InsufficientPoints(f"{SHORT}:可用 {max(available, 0)},需要 {points}")
    value = value_of(points, rules)
    posted = post(
        session,
        source_key=source_key,
        kind=PostingKind.SPEND,
        customer_id=customer_id,
        at=at,
        legs=[Leg(A, customer_id, -points), brand(AccountKind.REDEEMED, points)],
        memo=f"订单 {order_no} 抵扣 {points} 积分(¥{value})" if order_no else f"抵扣 {points} 积分",
        order_no=order_no,
        details={"value": str(value)},
    )
    settle_lots(session, customer_id)
    after, frozen = state(session, customer_id)
    if posted.new:
        events.points_spent(
            session,
            at=at,
            customer_id=customer_id,
            source_key=source_key,
            points=points,
            available=after,
            frozen=frozen,
            order_no=order_no,
            value=str(value),
        )
    return PointsSpent(posted.posting_id, source_key, points, value, after)


# ---- expiry, adjustments, merges ----------------------------------------------------------------


def expire_due(session: Session, now: datetime, limit: int = 500) -> int:
    """Available lots past their end give up what is left of them. Returns lots closed."""
    due = list(
        session.scalars(
            select(PointsLot)
            .where(PointsLot.status == LotStatus.AVAILABLE, PointsLot.expires_at <= now)
            .order_by(PointsLot.expires_at, PointsLot.id)
            .limit(limit)
        )
    )
    for lot in due:
        points, lot.remaining, lot.status = lot.remaining, 0, LotStatus.CLOSED
        session.flush()
        if points <= 0:
            continue
        source_key = f"lot:{lot.id}:expire"
        post(
            session,
            source_key=source_key,
            kind=PostingKind.EXPIRE,
            customer_id=lot.customer_id,
            at=lot.expires_at,
            legs=[Leg(A, lot.customer_id, -points), brand(AccountKind.EXPIRED, points)],
            memo=f"{points} 积分到期",
            order_no=lot.order_no,
            details={"lot": lot.id},
        )
        settle_lots(session, lot.customer_id)
        available, frozen = state(session, lot.customer_id)
        events.points_expired(
            session,
            at=lot.expires_at,
            customer_id=lot.customer_id,
            source_key=source_key,
            points=points,
            available=available,
            frozen=frozen,
            expires_at=lot.expires_at,
        )
    return len(due)


def adjust(
    session: Session,
    *,
    customer_id: int,
    points: int,
    reason: str,
    key: str,
    at: datetime,
    by: str,
    tz: ZoneInfo,
) -> tuple[int, bool]:
    """An operator's correction: ``points`` credited (> 0) or debited (< 0, never below zero),
    unique on the client's ``key``. Returns the posting and whether it is new."""
    if points == 0:
        raise RulesRefused("调整积分不能为 0 (points must not be zero)")
    source_key = f"adjust:{key}"
    known = find_posting(session, source_key)
    if known is not None:
        signed = known.details.get("points")
        if known.customer_id != customer_id or signed != points:
            raise PostingConflict(f"调整编号 {key} 已用于另一笔调整 (key already used)")
        return known.id, False
    if points > 0:
        legs = [brand(AccountKind.ISSUED, -points), Leg(A, customer_id, points)]
    else:
        legs = [Leg(A, customer_id, points), brand(AccountKind.ISSUED, -points)]
    posted = post(
        session,
        source_key=source_key,
        kind=PostingKind.ADJUST,
        customer_id=customer_id,
        at=at,
        legs=legs,
        memo=f"人工调整 {points:+d}:{reason}",
        reason=reason,
        details={"points": points, "by": by},
    )
    if posted.new and points > 0:
        expires_at = expiry_of(at, points_rules(session), tz)
        new_lot(session, posted, customer_id, points, at, expires_at)
    settle_lots(session, customer_id)
    if posted.new and points > 0:
        available, frozen = state(session, customer_id)
        events.points_earned(
            session,
            at=at,
            customer_id=customer_id,
            source_key=source_key,
            points=points,
            available=available,
            frozen=frozen,
            reason="adjust",
            order_no=None,
            frozen_until=None,
            expires_at=expires_at,
        )
    return posted.posting_id, posted.new


def transfer_on_merge(
    session: Session, *, merged_id: int, survivor_id: int, merge_id: int, at: datetime
) -> None:
    """OneID merged ``merged_id`` into ``survivor_id``: their balances move to the survivor in
    one posting (a debt too), and their lots with them."""
    available, frozen = state(session, merged_id)
    legs = []
    if available:
        legs += [
            Leg(A, merged_id, -available, may_go_negative=True),
            Leg(A, survivor_id, available, may_go_negative=True),
        ]
    if frozen:
        legs += [Leg(F, merged_id, -frozen), Leg(F, survivor_id, frozen)]
    if legs:
        post(
            session,
            source_key=f"merge:{merge_id}:transfer",
            kind=PostingKind.TRANSFER,
            customer_id=survivor_id,
            at=at,
            legs=legs,
            memo=f"账号合并:转入 {available} 可用、{frozen} 冻结积分",
            details={"merged_customer_id": merged_id},
        )
    for lot in session.scalars(select(PointsLot).where(PointsLot.customer_id == merged_id)):
        lot.customer_id = survivor_id
    session.flush()
    settle_lots(session, survivor_id)
