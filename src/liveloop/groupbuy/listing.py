"""Reading groups: one group with its members, the groups of a campaign or in a state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.groupbuy.campaigns import ladder_of
from liveloop.groupbuy.contracts import GroupStatus, RefundState, UnknownGroup
from liveloop.groupbuy.models import GroupBuyCampaign, GroupBuyGroup, GroupBuyMember, GroupBuyRefund
from liveloop.groupbuy.tiers import Tier, price_at
from liveloop.profiles import service as profiles


@dataclass(frozen=True)
class MemberView:
    slot: int
    customer_id: int
    oneid: str | None
    order_no: str
    paid: Decimal
    joined_at: datetime
    refund_no: str | None
    refund_amount: Decimal | None
    refund_state: RefundState | None


@dataclass(frozen=True)
class GroupView:
    code: str
    campaign: str
    campaign_name: str
    sku: str
    leader_id: int
    status: GroupStatus
    member_count: int
    max_size: int
    top_price: Decimal
    price_now: Decimal | None  # what everyone would pay if it closed now (None: below a tier)
    next_tier: Tier | None  # the next tier up, when there is one
    opened_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    final_price: Decimal | None
    refunds_settled_at: datetime | None
    members: tuple[MemberView, ...]


def get_group(session: Session, code: str) -> GroupView:
    row = session.scalars(select(GroupBuyGroup).where(GroupBuyGroup.code == code)).first()
    if row is None:
        raise UnknownGroup(f"没有拼团 {code} (no such group)")
    return _view(session, row)


def list_groups(
    session: Session,
    *,
    campaign: str | None = None,
    status: GroupStatus | None = None,
    limit: int = 100,
) -> list[GroupView]:
    """Groups newest first, of one campaign and/or in one state."""
    query = select(GroupBuyGroup).order_by(GroupBuyGroup.id.desc()).limit(limit)
    if campaign is not None:
        query = query.join(GroupBuyCampaign, GroupBuyCampaign.id == GroupBuyGroup.campaign_id)
        query = query.where(GroupBuyCampaign.code == campaign)
    if status is not None:
        query = query.where(GroupBuyGroup.status == status)
    return [_view(session, row) for row in session.scalars(query)]


def _view(session: Session, row: GroupBuyGroup) -> GroupView:
    campaign = session.get_one(GroupBuyCampaign, row.campaign_id)
    ladder = ladder_of(session, campaign.id)
    members = list(
        session.scalars(
            select(GroupBuyMember)
            .where(GroupBuyMember.group_id == row.id)
            .order_by(GroupBuyMember.slot)
        )
    )
    refunds = {
        r.member_id: r
        for r in session.scalars(select(GroupBuyRefund).where(GroupBuyRefund.group_id == row.id))
    }
    oneids = profiles.oneids_of(session, [m.customer_id for m in members])
    upcoming = [tier for tier in ladder if tier.size > row.member_count]
    return GroupView(
        code=row.code,
        campaign=campaign.code,
        campaign_name=campaign.name,
        sku=campaign.sku,
        leader_id=row.leader_id,
        status=GroupStatus(row.status),
        member_count=row.member_count,
        max_size=row.max_size,
        top_price=row.top_price,
        price_now=price_at(ladder, row.member_count),
        next_tier=upcoming[0] if upcoming else None,
        opened_at=row.opened_at,
        closes_at=row.closes_at,
        closed_at=row.closed_at,
        final_price=row.final_price,
        refunds_settled_at=row.refunds_settled_at,
        members=tuple(
            MemberView(
                slot=m.slot,
                customer_id=m.customer_id,
                oneid=oneids.get(m.customer_id),
                order_no=m.order_no,
                paid=m.paid,
                joined_at=m.joined_at,
                refund_no=refunds[m.id].refund_no if m.id in refunds else None,
                refund_amount=refunds[m.id].amount if m.id in refunds else None,
                refund_state=RefundState(refunds[m.id].state) if m.id in refunds else None,
            )
            for m in members
        ),
    )
