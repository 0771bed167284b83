"""Issuing a coupon to a person, and voiding one issued by mistake."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveloop.commerce import events
from liveloop.commerce.contracts import CouponStatus
from liveloop.commerce.coupons.errors import (
    CouponAlreadyUsed,
    CouponError,
    IdempotencyConflict,
    PerPersonLimitReached,
    ScopeRefused,
    TemplateEnded,
    TemplateInactive,
    TotalLimitReached,
    UnknownCoupon,
    UnknownCustomer,
)
from liveloop.commerce.coupons.templates import MAX_VALID_HOURS, find_template
from liveloop.commerce.models import Coupon, CouponKind, CouponScope, CouponTemplate, Product
from liveloop.profiles import service as profiles
from liveloop.profiles.service import survivor_of


@dataclass(frozen=True)
class IssuedCoupon:
    """A coupon as issue_coupon hands it back (also on a repeated idempotency key)."""

    id: int
    code: str
    template_code: str
    customer_id: int
    valid_from: datetime
    valid_until: datetime
    skus: tuple[str, ...] | None
    created: bool  # False when the idempotency key had already issued it


def new_coupon_code() -> str:
    """16 characters of base32 from 80 random bits: not guessable, easy to read out."""
    return base64.b32encode(secrets.token_bytes(10)).decode()


def _value(template: CouponTemplate) -> str:
    if template.kind == CouponKind.FIXED:
        text = f"减{template.amount}"
    else:
        rate = Decimal(template.pay_percent or 0) / 10
        text = f"{rate.normalize():f}折" + (f" 最高减{template.cap}" if template.cap else "")
    return (f"满{template.threshold}" if template.threshold else "") + text


def _check_override(session: Session, template: CouponTemplate, skus: Sequence[str]) -> list[str]:
    wanted = list(dict.fromkeys(skus))
    if not wanted or len(wanted) > 100:
        raise ScopeRefused("per-issue skus must name 1-100 SKUs")
    rows = dict(
        session.execute(select(Product.sku, Product.category).where(Product.sku.in_(wanted))).all()
    )
    unknown = [s for s in wanted if s not in rows]
    if unknown:
        raise ScopeRefused(f"unknown SKU {', '.join(unknown)}")
    allowed = set(template.scope_values or ())
    if template.scope == CouponScope.SKUS:
        outside = [s for s in wanted if s not in allowed]
    elif template.scope == CouponScope.CATEGORIES:
        outside = [s for s in wanted if rows[s] not in allowed]
    else:
        outside = []
    if outside:
        raise ScopeRefused(
            f"{', '.join(outside)} outside template {template.code}'s scope "
            f"({template.scope}: {', '.join(template.scope_values)})"
        )
    return wanted


def issue_coupon(
    session: Session,
    template_code: str,
    customer_id: int,
    now: datetime,
    *,
    idempotency_key: str,
    skus: Sequence[str] | None = None,
    valid_hours: int | None = None,
    source: str,
) -> IssuedCoupon:
    """Issue one coupon of ``template_code`` to ``customer_id`` (the person OneID has merged
    them into, if any) in the caller's transaction and log ``Coupon Issued``.

    Idempotent on ``idempotency_key``: a repeated key returns the coupon it issued (``created``
    False) — even when the template has since been switched off or filled up. ``skus`` narrows
    this coupon to those SKUs (within the template's scope); ``valid_hours`` makes it valid for
    that many hours from ``now`` (never past a fixed template's end). Raises ``IssueRefused``
    subclasses when the template is off, ended or at a limit."""
    if not idempotency_key or len(idempotency_key) > 128:
        raise CouponError("idempotency_key must be 1-128 characters")
    if valid_hours is not None and not 1 <= valid_hours <= MAX_VALID_HOURS:
        raise CouponError(f"valid_hours must be 1-{MAX_VALID_HOURS}")
    # The template row is the lock every issuer of this template queues on (see the package doc).
    template = find_template(session, template_code, lock=True)
    if not profiles.exists(session, customer_id):
        raise UnknownCustomer(f"no customer {customer_id}")
    person = survivor_of(session, customer_id)
    existing = session.scalars(
        select(Coupon).where(Coupon.idempotency_key == idempotency_key)
    ).one_or_none()
    if existing is not None:
        if (
            existing.template_id != template.id
            or survivor_of(session, existing.customer_id) != person
        ):
            raise IdempotencyConflict(
                f"idempotency key {idempotency_key!r} already issued coupon {existing.code} "
                "of another template or to another person"
            )
        return _issued(existing, template.code, created=False)
    if not template.active:
        raise TemplateInactive(f"coupon template {template.code} is switched off")
    if template.ends_at is not None and template.ends_at <= now:
        raise TemplateEnded(f"coupon template {template.code} ended at {template.ends_at}")
    if template.per_person_limit is not None:
        held = session.scalar(
            select(func.count())
            .select_from(Coupon)
            .where(
                Coupon.template_id == template.id,
                Coupon.customer_id.in_(profiles.merged_into(session, person)),
            )
        )
        if (held or 0) >= template.per_person_limit:
            raise PerPersonLimitReached(
                f"customer already holds {held} of {template.code} "
                f"(limit {template.per_person_limit} per person)"
            )
    override = _check_override(session, template, skus) if skus is not None else None
    valid_from, valid_until = _window(template, now, valid_hours)
    coupon = Coupon(
        code=new_coupon_code(),
        template_id=template.id,
        customer_id=person,
        issued_at=now,
        valid_from=valid_from,
        valid_until=valid_until,
        status=CouponStatus.ISSUED,
        skus=override,
        source=source[:64],
        idempotency_key=idempotency_key,
        updated_at=now,
    )
    try:
        # Counter and coupon in one savepoint: a caller that catches our error and carries on
        # never keeps a count without its coupon.
        with session.begin_nested():
            counted = session.execute(
                update(CouponTemplate)
                .where(
                    CouponTemplate.id == template.id,
                    or_(
                        CouponTemplate.total_limit.is_(None),
                        CouponTemplate.issued_count < CouponTemplate.total_limit,
                    ),
                )
                .values(issued_count=CouponTemplate.issued_count + 1)
                .execution_options(synchronize_session=False)
            )
            if counted.rowcount != 1:  # type: ignore[attr-defined]
                raise TotalLimitReached(
                    f"coupon template {template.code} has issued all {template.total_limit}"
                )
            session.add(coupon)
            session.flush()
    except IntegrityError:
        # Only a concurrent issuer of another template can have taken this key meanwhile.
        raise IdempotencyConflict(
            f"idempotency key {idempotency_key!r} was just used by another issue"
        ) from None
    session.expire(template, ["issued_count"])
    events.coupon_issued(
        session,
        at=now,
        source=source,
        customer_id=person,
        coupon_code=coupon.code,
        coupon_name=template.name,
        template=template.code,
        value=_value(template),
        kind=template.kind,
        amount=template.amount,
        pay_percent=template.pay_percent,
        cap=template.cap,
        threshold=template.threshold,
        skus=override,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    return _issued(coupon, template.code, created=True)


def _window(
    template: CouponTemplate, now: datetime, valid_hours: int | None
) -> tuple[datetime, datetime]:
    if template.starts_at is not None and template.ends_at is not None:
        start, end = max(template.starts_at, now), template.ends_at
        if valid_hours is not None:
            end = min(end, start + timedelta(hours=valid_hours))
        return (template.starts_at if valid_hours is None else start), end
    if valid_hours is not None:
        return now, now + timedelta(hours=valid_hours)
    if template.valid_days is not None:
        return now, now + timedelta(days=template.valid_days)
    return now, now + timedelta(hours=template.valid_hours or 0)


def _issued(coupon: Coupon, template_code: str, *, created: bool) -> IssuedCoupon:
    return IssuedCoupon(
        id=coupon.id,
        code=coupon.code,
        template_code=template_code,
        customer_id=coupon.customer_id,
        valid_from=coupon.valid_from,
        valid_until=coupon.valid_until,
        skus=tuple(coupon.skus) if coupon.skus is not None else None,
        created=created,
    )


def void_coupon(session: Session, code: str, now: datetime, *, reason: str, source: str) -> None:
    """Withdraw an unused coupon (issued by mistake); a redeemed one cannot be voided."""
    coupon = _coupon(session, code)
    taken = session.execute(
        update(Coupon)
        .where(Coupon.id == coupon.id, Coupon.status == CouponStatus.ISSUED)
        .values(status=CouponStatus.VOID, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(coupon)
        raise CouponAlreadyUsed(
            f"coupon {code} is {coupon.status}; only issued coupons can be voided"
        )
    events.coupon_voided(
        session,
        at=now,
        source=source,
        customer_id=coupon.customer_id,
        coupon_code=code,
        reason=reason,
    )


def _coupon(session: Session, code: str) -> Coupon:
    coupon = session.scalars(select(Coupon).where(Coupon.code == code)).one_or_none()
    if coupon is None:
        raise UnknownCoupon(f"no coupon {code}")
    return coupon
