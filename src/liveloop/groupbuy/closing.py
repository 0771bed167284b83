"""Closing a group: full (its last slot taken), or its window ended.

- At least the smallest tier reached: the group **succeeded**; everyone pays the price of the
  size reached, and what each paid above it (the top price less that price, exact to the fen)
  is refunded to them — a partial refund of their order.
- Below the smallest tier: the group **failed**; every member is refunded everything they paid,
  and their joins are given back to the per-person limit.

The close itself is one transaction: a guarded UPDATE moves the group out of ``open`` (so a
join racing it, whose own guard needs ``open``, either got in before or finds it closed, and
two closers cannot both close it), and one ``groupbuy_refunds`` row per member owed money is
written, due at once. Handing each refund to commerce and watching it settle is
``groupbuy.refunds``' work, retried until done.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from liveloop.groupbuy import checkout, events
from liveloop.groupbuy.campaigns import ladder_of
from liveloop.groupbuy.contracts import GroupStatus, RefundKind, RefundState
from liveloop.groupbuy.models import (
    GroupBuyBuyer,
    GroupBuyCampaign,
    GroupBuyGroup,
    GroupBuyMember,
    GroupBuyRefund,
)
from liveloop.groupbuy.tiers import price_at

ZERO = Decimal("0.00")


def close(session: Session, group: GroupBuyGroup, *, at: datetime, source: str) -> bool:
    """Close ``group`` as its member count stands; False when it was closed already."""
    campaign = session.get_one(GroupBuyCampaign, group.campaign_id)
    ladder = ladder_of(session, campaign.id)
    size = group.member_count
    price = price_at(ladder, size)
    status = GroupStatus.SUCCEEDED if price is not None else GroupStatus.FAILED
    moved = session.execute(
        update(GroupBuyGroup)
        .where(
            GroupBuyGroup.id == group.id,
            GroupBuyGroup.status == GroupStatus.OPEN,
            GroupBuyGroup.member_count == size,
        )
        .values(status=status, closed_at=at, size_reached=size, final_price=price)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return False
    members = list(
        session.scalars(
            select(GroupBuyMember)
            .where(GroupBuyMember.group_id == group.id)
            .order_by(GroupBuyMember.slot)
        )
    )
    owed: list[tuple[GroupBuyMember, Decimal]] = []
    if price is not None:
        kind, reason = RefundKind.DIFFERENCE, f"拼团成功 {size}人团 ¥{price}，退还差价"
        owed = [(m, m.paid - price) for m in members if m.paid > price]
    else:
        kind, reason = RefundKind.FULL, f"拼团失败（{size}/{ladder[0].size}人），全额退款"
        owed = [(m, m.paid) for m in members if m.paid > 0]
        _give_back_joins(session, campaign.id, [m.customer_id for m in members])
    for member, amount in owed:
        session.add(
            GroupBuyRefund(
                group_id=group.id,
                member_id=member.id,
                order_no=member.order_no,
                refund_no=checkout.refund_no(group.code, member.order_no),
                kind=kind,
                amount=amount,
                state=RefundState.DUE,
                reason=reason,
                attempts=0,
                next_attempt_at=at,
                decided_at=at,
            )
        )
    if not owed:
        session.execute(
            update(GroupBuyGroup)
            .where(GroupBuyGroup.id == group.id)
            .values(refunds_settled_at=at)
            .execution_options(synchronize_session=False)
        )
    session.flush()
    if price is not None:
        events.group_succeeded(
            session,
            at=at,
            source=source,
            group=group.code,
            campaign=campaign.code,
            leader_id=group.leader_id,
            size=size,
            price=price,
            refund_each=max(group.top_price - price, ZERO),
        )
    else:
        events.group_failed(
            session,
            at=at,
            source=source,
            group=group.code,
            campaign=campaign.code,
            leader_id=group.leader_id,
            size=size,
            needed=ladder[0].size,
            refund_total=sum((amount for _, amount in owed), ZERO),
        )
    return True


def due_groups(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """Open groups whose window has ended, oldest first."""
    return list(
        session.scalars(
            select(GroupBuyGroup.id)
            .where(GroupBuyGroup.status == GroupStatus.OPEN, GroupBuyGroup.closes_at <= now)
            .order_by(GroupBuyGroup.closes_at, GroupBuyGroup.id)
            .limit(limit)
        )
    )


def close_due(session: Session, group_id: int, now: datetime, source: str) -> bool:
    """Close one group whose window has ended (False when it was closed meanwhile)."""
    group = session.get(GroupBuyGroup, group_id)
    if group is None or group.status != GroupStatus.OPEN or group.closes_at > now:
        return False
    return close(session, group, at=group.closes_at, source=source)


def _give_back_joins(session: Session, campaign_id: int, customers: list[int]) -> None:
    if not customers:
        return
    session.execute(
        update(GroupBuyBuyer)
        .where(
            GroupBuyBuyer.campaign_id == campaign_id,
            GroupBuyBuyer.customer_id.in_(sorted(customers)),
            GroupBuyBuyer.joins > 0,
        )
        .values(joins=GroupBuyBuyer.joins - 1)
        .execution_options(synchronize_session=False)
    )
