"""Group-buy campaigns: a 拼团 offer on one SKU with its price tiers (3 人 ¥59, 5 人 ¥49, 10 人
¥39), the hours a group may gather members, the most members a group may have, how many joins
one person may hold, and when groups may be opened."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.groupbuy.contracts import GroupBuyConflict, GroupBuyRefused, UnknownCampaign
from liveloop.groupbuy.models import GroupBuyCampaign, GroupBuyTier
from liveloop.groupbuy.tiers import Tier, check_tiers

CODE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
TEXT = re.compile(NO_CONTROL_CHARS)
MAX_WINDOW_HOURS = 24 * 30


@dataclass(frozen=True)
class CampaignSpec:
    code: str
    name: str
    sku: str
    tiers: Sequence[Tier]
    window_hours: int
    max_size: int
    per_person_limit: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class CampaignView:
    id: int
    code: str
    name: str
    sku: str
    product_name: str
    tiers: tuple[Tier, ...]
    window_hours: int
    max_size: int
    per_person_limit: int
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
    created_by: str

    def on_at(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


def create_campaign(session: Session, spec: CampaignSpec, *, at: datetime, by: str) -> CampaignView:
    """A new campaign; refuses terms that cannot mean one thing and a code already taken."""
    if not CODE.fullmatch(spec.code):
        raise GroupBuyRefused(
            f"活动编号 {spec.code!r} 只能用 1-32 个字母、数字、_ . - "
            "(a campaign code is 1-32 letters, digits, _ . -)"
        )
    if not spec.name.strip() or len(spec.name) > 64 or not TEXT.fullmatch(spec.name):
        raise GroupBuyRefused("活动名称需 1-64 个字 (a name of 1-64 characters)")
    if commerce.product(session, spec.sku) is None:
        raise GroupBuyRefused(f"没有商品 {spec.sku} (unknown SKU)")
    if not 1 <= spec.window_hours <= MAX_WINDOW_HOURS:
        raise GroupBuyRefused(
            f"成团时限应为 1-{MAX_WINDOW_HOURS} 小时 (the join window is 1-{MAX_WINDOW_HOURS} h)"
        )
    if not 1 <= spec.per_person_limit <= 100:
        raise GroupBuyRefused("每人限参团 1-100 次 (the per-person limit is 1-100)")
    if spec.starts_at.tzinfo is None or spec.ends_at.tzinfo is None:
        raise GroupBuyRefused("开始与结束时间需带时区 (times need a time zone)")
    if spec.ends_at <= spec.starts_at:
        raise GroupBuyRefused("结束时间应晚于开始时间 (the campaign must end after it starts)")
    ladder = check_tiers(spec.tiers, spec.max_size)
    if session.scalar(select(GroupBuyCampaign.id).where(GroupBuyCampaign.code == spec.code)):
        raise GroupBuyConflict(f"活动编号 {spec.code} 已被使用 (the code is taken)")
    row = GroupBuyCampaign(
        code=spec.code,
        name=spec.name.strip(),
        sku=spec.sku,
        window_hours=spec.window_hours,
        max_size=spec.max_size,
        per_person_limit=spec.per_person_limit,
        starts_at=spec.starts_at,
        ends_at=spec.ends_at,
        created_at=at,
        created_by=by,
    )
    session.add(row)
    session.flush()
    session.add_all(GroupBuyTier(campaign_id=row.id, size=t.size, price=t.price) for t in ladder)
    session.flush()
    return _view(session, row)


def campaign_row(session: Session, code: str) -> GroupBuyCampaign:
    row = session.scalars(select(GroupBuyCampaign).where(GroupBuyCampaign.code == code)).first()
    if row is None:
        raise UnknownCampaign(f"没有拼团活动 {code} (no such campaign)")
    return row


def ladder_of(session: Session, campaign_id: int) -> tuple[Tier, ...]:
    rows = session.scalars(
        select(GroupBuyTier)
        .where(GroupBuyTier.campaign_id == campaign_id)
        .order_by(GroupBuyTier.size)
    )
    return tuple(Tier(t.size, t.price) for t in rows)


def get_campaign(session: Session, code: str) -> CampaignView:
    return _view(session, campaign_row(session, code))


def list_campaigns(session: Session) -> list[CampaignView]:
    """Every campaign, newest first."""
    rows = session.scalars(select(GroupBuyCampaign).order_by(GroupBuyCampaign.id.desc()))
    return [_view(session, row) for row in rows]


def _view(session: Session, row: GroupBuyCampaign) -> CampaignView:
    product = commerce.product(session, row.sku)
    return CampaignView(
        id=row.id,
        code=row.code,
        name=row.name,
        sku=row.sku,
        product_name=product.name if product is not None else row.sku,
        tiers=ladder_of(session, row.id),
        window_hours=row.window_hours,
        max_size=row.max_size,
        per_person_limit=row.per_person_limit,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        created_at=row.created_at,
        created_by=row.created_by,
    )
