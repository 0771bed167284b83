"""Opening a group and joining one: the concurrency core of group-buy.

A join, in ONE transaction:
1. the slot — ``UPDATE groupbuy_groups SET member_count = member_count + 1 WHERE id = :g AND
   status = 'open' AND member_count < max_size AND closes_at > :at RETURNING member_count``.
   On PostgreSQL concurrent joiners queue on the group's row lock and each re-checks the WHERE
   on the row the one before it committed, so of 500 joiners for the last slot exactly one gets
   a row back; the rest are told the group is full. On SQLite the writer holds the database
   from BEGIN IMMEDIATE, so the same statement is trivially serial. The member row's
   UNIQUE (group, slot) would refuse a second holder of a slot even if the guard were wrong;
2. the per-person limit — the buyer's join count rises by the same kind of guarded UPDATE
   (``… WHERE joins < per_person_limit``), after the group's row lock, in the same transaction
   (the close takes the group, then the buyers: one lock order, no deadlock);
3. the order of one unit at the top price, placed and paid (``checkout.pay_join``);
4. ``Group Joined``; the last slot closes the group at once (``closing.close``).

Anything refused raises and rolls back all of it: no slot is ever held without a paid order,
no order without its slot ("no virtual members"). The same order number joining the same group
again is a replay and returns the member as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from liveloop.groupbuy import checkout, closing, events
from liveloop.groupbuy.campaigns import campaign_row, ladder_of
from liveloop.groupbuy.contracts import (
    GroupBuyConflict,
    GroupBuyRefused,
    GroupStatus,
    UnknownGroup,
)
from liveloop.groupbuy.models import (
    GroupBuyBuyer,
    GroupBuyCampaign,
    GroupBuyGroup,
    GroupBuyMember,
)
from liveloop.groupbuy.tiers import top_price
from liveloop.store.engine import dialect_insert


@dataclass(frozen=True)
class Joined:
    """A member's slot as the join left it; ``replayed`` when the order had joined before."""

    group: str
    slot: int
    customer_id: int
    order_no: str
    paid: Decimal
    group_status: GroupStatus
    member_count: int
    replayed: bool = False
    # A prepaid order whose join was refused: why, and the refund that gives it all back.
    refused: str | None = None
    refund_no: str | None = None


def open_group(
    session: Session,
    campaign_code: str,
    *,
    leader_id: int,
    order_no: str,
    transaction_id: str | None,
    at: datetime,
    source: str,
) -> Joined:
    """A leader opens a group of the campaign and takes its first slot with a paid order
    (``transaction_id`` None: the order was paid before, through payments; see ``_prepaid``)."""
    known = _member_by_order(session, order_no)
    if known is not None:
        group = session.get_one(GroupBuyGroup, known.group_id)
        if known.slot != 1 or known.customer_id != leader_id:
            raise GroupBuyConflict(f"订单号 {order_no} 已用于其他拼团 (order number taken)")
        return _joined(group, known, replayed=True)
    campaign = campaign_row(session, campaign_code)
    if transaction_id is None:
        return _prepaid(
            session,
            order_no,
            at,
            source,
            lambda: open_group(
                session,
                campaign_code,
                leader_id=leader_id,
                order_no=order_no,
                transaction_id=_PREPAID,
                at=at,
                source=source,
            ),
        )
    if not campaign.starts_at <= at < campaign.ends_at:
        raise GroupBuyConflict(
            f"活动「{campaign.name}」不在开团时间内 (the campaign is not open for new groups)"
        )
    ladder = ladder_of(session, campaign.id)
    closes_at = min(at + timedelta(hours=campaign.window_hours), campaign.ends_at)
    group = GroupBuyGroup(
        code=f"{campaign.code}-new-{order_no}"[:48],
        campaign_id=campaign.id,
        leader_id=leader_id,
        status=GroupStatus.OPEN,
        member_count=0,
        max_size=campaign.max_size,
        top_price=top_price(ladder),
        opened_at=at,
        closes_at=closes_at,
    )
    session.add(group)
    session.flush()
    group.code = f"{campaign.code}-{group.id}"
    session.flush()
    events.group_opened(
        session,
        at=at,
        source=source,
        group=group.code,
        campaign=campaign.code,
        sku=campaign.sku,
        leader_id=leader_id,
        closes_at=closes_at,
        top_price=group.top_price,
    )
    return _join(session, campaign, group, leader_id, order_no, transaction_id, at, source)


def join_group(
    session: Session,
    group_code: str,
    *,
    customer_id: int,
    order_no: str,
    transaction_id: str | None,
    at: datetime,
    source: str,
) -> Joined:
    """A person takes the next slot of an open group with a paid order (see the module;
    ``transaction_id`` None: the order was paid before, through payments — ``_prepaid``)."""
    group = session.scalars(select(GroupBuyGroup).where(GroupBuyGroup.code == group_code)).first()
    if group is None:
        raise UnknownGroup(f"没有拼团 {group_code} (no such group)")
    known = _member_by_order(session, order_no)
    if known is not None:
        if known.group_id != group.id or known.customer_id != customer_id:
            raise GroupBuyConflict(f"订单号 {order_no} 已用于其他拼团 (order number taken)")
        return _joined(group, known, replayed=True)
    if transaction_id is None:
        return _prepaid(
            session,
            order_no,
            at,
            source,
            lambda: join_group(
                session,
                group_code,
                customer_id=customer_id,
                order_no=order_no,
                transaction_id=_PREPAID,
                at=at,
                source=source,
            ),
        )
    campaign = session.get_one(GroupBuyCampaign, group.campaign_id)
    return _join(session, campaign, group, customer_id, order_no, transaction_id, at, source)


def _join(
    session: Session,
    campaign: GroupBuyCampaign,
    group: GroupBuyGroup,
    customer_id: int,
    order_no: str,
    transaction_id: str,
    at: datetime,
    source: str,
) -> Joined:
    slot = session.scalar(
        update(GroupBuyGroup)
        .where(
            GroupBuyGroup.id == group.id,
            GroupBuyGroup.status == GroupStatus.OPEN,
            GroupBuyGroup.member_count < GroupBuyGroup.max_size,
            GroupBuyGroup.closes_at > at,
        )
        .values(member_count=GroupBuyGroup.member_count + 1)
        .returning(GroupBuyGroup.member_count)
        .execution_options(synchronize_session=False)
    )
    if slot is None:
        session.refresh(group)
        if group.status != GroupStatus.OPEN or group.closes_at <= at:
            raise GroupBuyConflict(f"拼团 {group.code} 已结束 (the group is closed)")
        raise GroupBuyConflict(f"拼团 {group.code} 已满员 (the group is full)")
    already = session.scalar(
        select(GroupBuyMember.slot).where(
            GroupBuyMember.group_id == group.id, GroupBuyMember.customer_id == customer_id
        )
    )
    if already is not None:
        raise GroupBuyConflict(f"您已在拼团 {group.code} 中 (already a member of this group)")
    _count_join(session, campaign, customer_id)
    if transaction_id == _PREPAID:
        prepaid = checkout.paid_order(
            session,
            order_no=order_no,
            customer_id=customer_id,
            sku=campaign.sku,
            price=group.top_price,
        )
        if prepaid is None:
            raise GroupBuyRefused(
                f"订单 {order_no} 不是该顾客已付款的一件 ¥{group.top_price} 拼团订单 "
                "(not a paid join order of this buyer at the group's price)"
            )
        paid = prepaid
    else:
        paid = checkout.pay_join(
            session,
            order_no=order_no,
            customer_id=customer_id,
            sku=campaign.sku,
            price=group.top_price,
            transaction_id=transaction_id,
            group_code=group.code,
            at=at,
            source=source,
        )
    member = GroupBuyMember(
        group_id=group.id,
        slot=slot,
        customer_id=customer_id,
        order_no=order_no,
        paid=paid,
        joined_at=at,
    )
    session.add(member)
    session.flush()
    events.group_joined(
        session,
        at=at,
        source=source,
        group=group.code,
        campaign=campaign.code,
        sku=campaign.sku,
        customer_id=customer_id,
        slot=slot,
        order_no=order_no,
        paid=paid,
        leader=slot == 1,
    )
    session.refresh(group)
    if group.member_count >= group.max_size:
        closing.close(session, group, at=at, source=source)
        session.refresh(group)
    return _joined(group, member)


# Marks a join whose order was paid before it (the transaction id is the order's own).
_PREPAID = "\x00prepaid"


def _prepaid(
    session: Session, order_no: str, at: datetime, source: str, attempt: Callable[[], Joined]
) -> Joined:
    """A join with an order paid before it (through payments' WeChat Pay): the join runs in a
    savepoint; if the slot is refused — the group filled or closed, or the limit was reached,
    while the buyer paid — the savepoint is undone and the order refunded in full at once (one
    refund, sent by payments until done), and the answer says so (``refused``, ``refund_no``).
    An order that is not such a paid order is refused outright."""
    try:
        with session.begin_nested():
            return attempt()
    except GroupBuyConflict as exc:
        if checkout.paid_order_exists(session, order_no):
            number = checkout.refund_refused(
                session,
                order_no=order_no,
                reason=f"拼团未成功加入，全额退款：{exc}"[:200],
                at=at,
                source=source,
            )
            return Joined(
                group="",
                slot=0,
                customer_id=0,
                order_no=order_no,
                paid=Decimal("0.00"),
                group_status=GroupStatus.OPEN,
                member_count=0,
                refused=str(exc),
                refund_no=number,
            )
        raise


def _count_join(session: Session, campaign: GroupBuyCampaign, customer_id: int) -> None:
    """One more join for the person in the campaign, refused past its per-person limit."""
    session.execute(
        dialect_insert(session)(GroupBuyBuyer)
        .values(campaign_id=campaign.id, customer_id=customer_id, joins=0)
        .on_conflict_do_nothing(index_elements=["campaign_id", "customer_id"])
    )
    counted = session.execute(
        update(GroupBuyBuyer)
        .where(
            GroupBuyBuyer.campaign_id == campaign.id,
            GroupBuyBuyer.customer_id == customer_id,
            GroupBuyBuyer.joins < campaign.per_person_limit,
        )
        .values(joins=GroupBuyBuyer.joins + 1)
        .execution_options(synchronize_session=False)
    )
    if counted.rowcount != 1:  # type: ignore[attr-defined]
        raise GroupBuyConflict(
            f"每人限参加「{campaign.name}」{campaign.per_person_limit} 次，您已达上限 "
            "(the per-person limit is reached)"
        )


def _member_by_order(session: Session, order_no: str) -> GroupBuyMember | None:
    return session.scalars(
        select(GroupBuyMember).where(GroupBuyMember.order_no == order_no)
    ).first()


def _joined(group: GroupBuyGroup, member: GroupBuyMember, *, replayed: bool = False) -> Joined:
    return Joined(
        group=group.code,
        slot=member.slot,
        customer_id=member.customer_id,
        order_no=member.order_no,
        paid=member.paid,
        group_status=GroupStatus(group.status),
        member_count=group.member_count,
        replayed=replayed,
    )


@dataclass(frozen=True)
class JoinOrder:
    """A join's order placed unpaid: the buyer pays ``total`` through WeChat Pay, then joins
    (or opens) with ``order_no``."""

    order_no: str
    campaign: str
    sku: str
    total: Decimal
    status: str


def place_join_order(
    session: Session,
    campaign_code: str,
    *,
    customer_id: int,
    order_no: str,
    at: datetime,
    source: str,
) -> JoinOrder:
    """Place the order a buyer pays before opening or joining a group of the campaign: one
    unit of its SKU at the top price. Placing the same order number again changes nothing."""
    campaign = campaign_row(session, campaign_code)
    if not campaign.starts_at <= at < campaign.ends_at:
        raise GroupBuyConflict(f"活动「{campaign.name}」不在拼团时间内 (the campaign is not on)")
    price = top_price(ladder_of(session, campaign.id))
    order = checkout.place_unpaid(
        session,
        order_no=order_no,
        customer_id=customer_id,
        sku=campaign.sku,
        price=price,
        campaign_code=campaign.code,
        at=at,
        source=source,
    )
    return JoinOrder(order.order_no, campaign.code, campaign.sku, order.total, order.status)
