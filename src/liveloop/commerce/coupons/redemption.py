"""Redemption: what a coupon takes off an order, taking it, and giving it back on refund."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from liveloop.commerce import events
from liveloop.commerce.contracts import CouponStatus
from liveloop.commerce.coupons.errors import (
    CouponAlreadyUsed,
    CouponExpired,
    CouponNotApplicable,
    CouponNotOwned,
    CouponNotYetValid,
    ThresholdNotMet,
    UnknownCoupon,
)
from liveloop.commerce.models import Coupon, CouponKind, CouponScope, CouponTemplate
from liveloop.profiles.service import survivor_of
from liveloop.store.base import CENT

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Redemption:
    """A coupon applied to an order being recorded."""

    coupon_id: int
    code: str
    template_code: str
    template_name: str
    discount: Decimal
    eligible_subtotal: Decimal


@dataclass(frozen=True)
class PricedLine:
    """An order line as redemption judges it."""

    sku: str
    category: str
    amount: Decimal


def price_coupon(
    session: Session,
    code: str,
    *,
    customer_id: int,
    order_no: str,
    lines: Sequence[PricedLine],
    at: datetime,
) -> Redemption:
    """Check that coupon ``code`` may pay for this order placed ``at`` and what it takes off;
    writes nothing (``mark_redeemed`` does). Raises ``CouponNotUsable`` subclasses with the
    reason, ``UnknownCoupon`` for a code that does not exist."""
    found = session.execute(
        select(Coupon, CouponTemplate)
        .join(CouponTemplate, CouponTemplate.id == Coupon.template_id)
        .where(Coupon.code == code)
    ).one_or_none()
    if found is None:
        raise UnknownCoupon(f"{order_no}: no coupon {code}")
    coupon, template = found
    if survivor_of(session, coupon.customer_id) != survivor_of(session, customer_id):
        raise CouponNotOwned(f"{order_no}: coupon {code} belongs to another customer")
    if coupon.status in (CouponStatus.REDEEMED, CouponStatus.VOID):
        used = f" by order {coupon.order_no}" if coupon.order_no else ""
        raise CouponAlreadyUsed(f"{order_no}: coupon {code} is {coupon.status}{used}")
    if coupon.status == CouponStatus.EXPIRED or at >= coupon.valid_until:
        raise CouponExpired(f"{order_no}: coupon {code} expired at {coupon.valid_until}")
    if at < coupon.valid_from:
        raise CouponNotYetValid(f"{order_no}: coupon {code} is valid from {coupon.valid_from}")
    eligible = sum(
        (line.amount for line in lines if _in_scope(coupon, template, line)), Decimal("0")
    )
    if eligible <= 0:
        raise CouponNotApplicable(
            f"{order_no}: no product of the order is in coupon {code}'s scope"
        )
    if eligible < template.threshold:
        raise ThresholdNotMet(
            f"{order_no}: coupon {code} needs ¥{template.threshold} of eligible products, "
            f"the order has ¥{eligible}"
        )
    return Redemption(
        coupon.id, code, template.code, template.name, discount_for(template, eligible), eligible
    )


def mark_redeemed(session: Session, redemption: Redemption, order_no: str, at: datetime) -> None:
    """Take the coupon for ``order_no``; the guarded UPDATE loses to a concurrent order that
    took it first (``CouponAlreadyUsed``)."""
    taken = session.execute(
        update(Coupon)
        .where(Coupon.id == redemption.coupon_id, Coupon.status == CouponStatus.ISSUED)
        .values(
            status=CouponStatus.REDEEMED,
            order_no=order_no,
            discount=redemption.discount,
            redeemed_at=at,
            updated_at=at,
        )
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise CouponAlreadyUsed(
            f"{order_no}: coupon {redemption.code} was just used by another order"
        )


def _in_scope(coupon: Coupon, template: CouponTemplate, line: PricedLine) -> bool:
    if coupon.skus is not None:
        return line.sku in coupon.skus
    if template.scope == CouponScope.SKUS:
        return line.sku in (template.scope_values or ())
    if template.scope == CouponScope.CATEGORIES:
        return line.category in (template.scope_values or ())
    return True


def discount_for(template: CouponTemplate, eligible: Decimal) -> Decimal:
    """What the coupon takes off ``eligible`` yuan of products in its scope."""
    if template.kind == CouponKind.FIXED:
        return min(template.amount or Decimal("0"), eligible)
    off = (eligible * (HUNDRED - (template.pay_percent or 100)) / HUNDRED).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    return min(off, template.cap) if template.cap is not None else off


def restore_for_refund(session: Session, order_no: str, at: datetime, source: str) -> str | None:
    """The order ``order_no`` was refunded: its coupon goes back to its holder if still within
    its window (logged ``Coupon Restored``), else it is marked expired (``Coupon Expired``).
    Returns the coupon's new status, or None when the order used no coupon."""
    coupon = session.scalars(
        select(Coupon).where(Coupon.order_no == order_no, Coupon.status == CouponStatus.REDEEMED)
    ).one_or_none()
    if coupon is None:
        return None
    restored = at < coupon.valid_until
    coupon.status = CouponStatus.ISSUED if restored else CouponStatus.EXPIRED
    coupon.order_no, coupon.discount, coupon.redeemed_at = None, None, None
    coupon.updated_at = at
    if restored:
        events.coupon_restored(
            session,
            at=at,
            source=source,
            customer_id=coupon.customer_id,
            coupon_code=coupon.code,
            order_no=order_no,
            valid_until=coupon.valid_until,
        )
    else:
        events.coupon_expired(
            session,
            at=at,
            source=source,
            customer_id=coupon.customer_id,
            coupon_code=coupon.code,
            valid_until=coupon.valid_until,
            refunded_order_no=order_no,
        )
    return coupon.status
