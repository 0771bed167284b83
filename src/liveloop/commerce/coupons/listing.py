"""Reading coupons: one by its code, or a page of them with their holders' OneIDs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveloop.commerce.contracts import CouponStatus
from liveloop.commerce.coupons.errors import UnknownCoupon
from liveloop.commerce.models import Coupon, CouponTemplate
from liveloop.profiles import service as profiles
from liveloop.profiles.service import survivor_of


@dataclass(frozen=True)
class CouponView:
    id: int
    code: str
    template_code: str
    template_name: str
    customer_id: int
    oneid: str
    status: str
    issued_at: datetime
    valid_from: datetime
    valid_until: datetime
    skus: tuple[str, ...] | None
    order_no: str | None
    discount: Decimal | None
    redeemed_at: datetime | None
    source: str


@dataclass(frozen=True)
class CouponPage:
    total: int
    rows: list[CouponView]


def _views(session: Session, query: Any) -> list[CouponView]:
    found = session.execute(query).all()
    oneids = profiles.oneids_of(session, {c.customer_id for c, _ in found})
    return [
        CouponView(
            id=c.id,
            code=c.code,
            template_code=t.code,
            template_name=t.name,
            customer_id=c.customer_id,
            oneid=oneids[c.customer_id],
            status=c.status,
            issued_at=c.issued_at,
            valid_from=c.valid_from,
            valid_until=c.valid_until,
            skus=tuple(c.skus) if c.skus is not None else None,
            order_no=c.order_no,
            discount=c.discount,
            redeemed_at=c.redeemed_at,
            source=c.source,
        )
        for c, t in found
    ]


def _listing() -> Any:
    return select(Coupon, CouponTemplate).join(
        CouponTemplate, CouponTemplate.id == Coupon.template_id
    )


def get_coupon(session: Session, code: str) -> CouponView:
    found = _views(session, _listing().where(Coupon.code == code))
    if not found:
        raise UnknownCoupon(f"no coupon {code}")
    return found[0]


def list_coupons(
    session: Session,
    *,
    customer_id: int | None = None,
    status: CouponStatus | None = None,
    template_code: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> CouponPage:
    """Coupons newest first; ``customer_id`` includes the coupons of people merged into them."""
    conditions: list[Any] = []
    if customer_id is not None:
        conditions.append(
            Coupon.customer_id.in_(profiles.merged_into(session, survivor_of(session, customer_id)))
        )
    if status is not None:
        conditions.append(Coupon.status == status)
    if template_code is not None:
        conditions.append(CouponTemplate.code == template_code)
    total = session.scalar(
        select(func.count())
        .select_from(Coupon)
        .join(CouponTemplate, CouponTemplate.id == Coupon.template_id)
        .where(*conditions)
    )
    rows = _views(
        session,
        _listing().where(*conditions).order_by(Coupon.id.desc()).limit(limit).offset(offset),
    )
    return CouponPage(total or 0, rows)
