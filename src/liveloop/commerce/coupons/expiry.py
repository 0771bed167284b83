"""Expiry: issued coupons whose window has closed are marked expired."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from liveloop.commerce import events
from liveloop.commerce.contracts import CouponStatus
from liveloop.commerce.models import Coupon


def expire_coupons(session: Session, now: datetime, *, batch: int = 5000) -> int:
    """Mark issued coupons whose window closed by ``now`` expired, logging ``Coupon Expired``
    for each; returns how many. Safe to run from several workers at once: a coupon is taken
    by one guarded UPDATE, and an expired coupon can never be redeemed anyway."""
    ids = list(
        session.scalars(
            select(Coupon.id)
            .where(Coupon.status == CouponStatus.ISSUED, Coupon.valid_until <= now)
            .order_by(Coupon.id)
            .limit(batch)
        )
    )
    if not ids:
        return 0
    rows = session.execute(
        update(Coupon)
        .where(Coupon.id.in_(ids), Coupon.status == CouponStatus.ISSUED)
        .values(status=CouponStatus.EXPIRED, updated_at=now)
        .returning(Coupon.code, Coupon.customer_id, Coupon.valid_until)
        .execution_options(synchronize_session=False)
    ).all()
    for code, customer_id, valid_until in rows:
        events.coupon_expired(
            session,
            at=now,
            source="coupons",
            customer_id=customer_id,
            coupon_code=code,
            valid_until=valid_until,
        )
    return len(rows)
