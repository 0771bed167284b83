"""Coupons: issuing, redemption on an order, restoring on refund, expiry, voiding.

Templates (what a coupon is worth, limits, validity) live in ``coupon_templates``; the reasons a
coupon operation is refused in ``coupon_errors`` (re-exported here).

Money: a fixed coupon takes ``min(amount, eligible subtotal)`` off; a percent coupon with
``pay_percent`` = 85 (85折) takes ``eligible × 15 %`` off, rounded to the fen (half up) and capped
at ``cap``. Eligible lines are those in the coupon's scope (its per-issue SKUs when it has them,
else the template's scope); the threshold (满X) is met by the eligible lines only.

Invariants and where they are kept:
- a template never issues more than ``total_limit``: ``issued_count`` is raised by a guarded
  UPDATE in the issuing transaction;
- a person never holds more than ``per_person_limit`` of a template: issuers lock the template
  row first (``FOR UPDATE`` on PostgreSQL; SQLite has one writer at a time), so the count they
  read cannot change before they commit. Coupons count whatever their status, on everyone OneID
  has merged into the person;
- a coupon pays for at most one order: it leaves ``issued`` only through a guarded UPDATE.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveloop.commerce import events
from liveloop.commerce.contracts import CouponStatus
from liveloop.commerce.coupon_errors import (
    CouponAlreadyUsed,
    CouponError,
    CouponExpired,
    CouponNotApplicable,
    CouponNotOwned,
    CouponNotUsable,
    CouponNotYetValid,
    IdempotencyConflict,
    IssueRefused,
    PerPersonLimitReached,
    ScopeRefused,
    TemplateConflict,
    TemplateEnded,
    TemplateInactive,
    TemplateRefused,
    ThresholdNotMet,
    TotalLimitReached,
    UnknownCoupon,
    UnknownCustomer,
    UnknownTemplate,
)
from liveloop.commerce.coupon_templates import MAX_VALID_HOURS, find_template
from liveloop.commerce.models import (
    Coupon,
    CouponKind,
    CouponScope,
    CouponTemplate,
    Product,
)
from liveloop.profiles import service as profiles
from liveloop.profiles.service import survivor_of
from liveloop.store.base import CENT

__all__ = [
    "CouponAlreadyUsed",
    "CouponError",
    "CouponExpired",
    "CouponNotApplicable",
    "CouponNotOwned",
    "CouponNotUsable",
    "CouponNotYetValid",
    "CouponView",
    "IdempotencyConflict",
    "IssueRefused",
    "IssuedCoupon",
    "PerPersonLimitReached",
    "ScopeRefused",
    "TemplateConflict",
    "TemplateEnded",
    "TemplateInactive",
    "TemplateRefused",
    "ThresholdNotMet",
    "TotalLimitReached",
    "UnknownCoupon",
    "UnknownCustomer",
    "UnknownTemplate",
    "expire_coupons",
    "get_coupon",
    "issue_coupon",
    "list_coupons",
    "void_coupon",
]

HUNDRED = Decimal(100)


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


@dataclass(frozen=True)
class Redemption:
    """A coupon applied to an order being recorded."""

    coupon_id: int
    code: str
    template_code: str
    template_name: str
    discount: Decimal
    eligible_subtotal: Decimal


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
    # The template row is the lock every issuer of this template queues on (see module doc).
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


# ---------------------------------------------------------------- redemption


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


# ---------------------------------------------------------------- expiry, void, reading


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
