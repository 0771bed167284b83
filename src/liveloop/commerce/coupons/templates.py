"""Coupon templates: what a coupon is worth, when it is valid, how many may be issued.

``pay_percent`` is what the customer pays: 85 means 85折 (15 % off), never "85 % off".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveloop.commerce.coupons.errors import TemplateConflict, TemplateRefused, UnknownTemplate
from liveloop.commerce.models import Coupon, CouponKind, CouponScope, CouponTemplate, Product
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.store.base import to_money

MAX_VALID_HOURS = 24 * 366
ZERO = Decimal("0.00")


Code = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")


class TemplateSpec(BaseModel):
    """A coupon template as operators define it. Every combination that cannot mean one thing
    is refused with the reason (pydantic ``ValidationError``, a 422 over HTTP)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Code
    name: str = Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)
    kind: CouponKind
    amount: Decimal | None = Field(default=None, description="fixed: yuan off, e.g. 10.00")
    pay_percent: int | None = Field(
        default=None, description="percent: what the customer pays, 85 = 85折 (15 % off)"
    )
    cap: Decimal | None = Field(default=None, description="percent: most yuan taken off")
    threshold: Decimal = Field(default=ZERO, description="满X可用 on the eligible lines; 0 = none")
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    valid_days: int | None = None
    valid_hours: int | None = None
    per_person_limit: int | None = Field(default=1, description="None = unlimited")
    total_limit: int | None = Field(default=None, description="None = unlimited")
    scope: CouponScope = CouponScope.ALL
    scope_values: tuple[str, ...] = ()
    active: bool = True

    @field_validator("amount", "cap", "threshold")
    @classmethod
    def _money(cls, value: Decimal | None) -> Decimal | None:
        if value is None:
            return None
        if not value.is_finite():
            raise ValueError("money is a number of yuan, e.g. 10.00")
        if value < 0:
            raise ValueError("money cannot be negative")
        if value > Decimal("1000000"):  # first: quantizing 1E+30 to the fen overflows
            raise ValueError("more than ¥1,000,000 is not a coupon")
        if value != value.quantize(Decimal("0.01")):
            raise ValueError("money has at most 2 decimal places (yuan.fen)")
        return to_money(value)

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a timezone, e.g. 2026-12-01T00:00:00+08:00")
        return value

    @field_validator("scope_values")
    @classmethod
    def _values(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        if len(values) > 500:
            raise ValueError("at most 500 SKUs or categories")
        for value in values:
            if not value or len(value) > 32 or not value.strip() == value:
                raise ValueError(f"{value!r} is not a SKU or category (1-32 characters)")
        return tuple(dict.fromkeys(values))

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.kind == CouponKind.FIXED:
            if self.amount is None or self.amount <= 0:
                raise ValueError("a fixed coupon needs amount > 0 (yuan off)")
            if self.pay_percent is not None or self.cap is not None:
                raise ValueError("pay_percent and cap belong to percent coupons, not fixed ones")
            if self.threshold and self.amount > self.threshold:
                raise ValueError("amount exceeds the threshold: 满X减Y needs Y ≤ X")
        else:
            if self.amount is not None:
                raise ValueError("a percent coupon has no amount; give pay_percent (85 = 85折)")
            if self.pay_percent is None or not 1 <= self.pay_percent <= 99:
                raise ValueError(
                    "a percent coupon needs pay_percent 1-99: what the customer pays, 85 = 85折"
                )
            if self.cap is not None and self.cap <= 0:
                raise ValueError("cap must be positive (or left out for no cap)")
        fixed = self.starts_at is not None or self.ends_at is not None
        relative = self.valid_days is not None or self.valid_hours is not None
        if fixed and relative:
            raise ValueError("validity is fixed (starts_at/ends_at) or relative, not both")
        if fixed:
            if self.starts_at is None or self.ends_at is None:
                raise ValueError("fixed validity needs both starts_at and ends_at")
            if self.ends_at <= self.starts_at:
                raise ValueError("ends_at must be after starts_at")
        elif not relative:
            raise ValueError("give validity: starts_at+ends_at, or valid_days, or valid_hours")
        elif self.valid_days is not None and self.valid_hours is not None:
            raise ValueError("relative validity is valid_days or valid_hours, not both")
        elif self.valid_days is not None and not 1 <= self.valid_days <= 366:
            raise ValueError("valid_days must be 1-366")
        elif self.valid_hours is not None and not 1 <= self.valid_hours <= MAX_VALID_HOURS:
            raise ValueError(f"valid_hours must be 1-{MAX_VALID_HOURS}")
        for name in ("per_person_limit", "total_limit"):
            limit = getattr(self, name)
            if limit is not None and not 1 <= limit <= 100_000_000:
                raise ValueError(f"{name} must be at least 1 (or null for unlimited)")
        if (
            self.per_person_limit is not None
            and self.total_limit is not None
            and self.per_person_limit > self.total_limit
        ):
            raise ValueError("per_person_limit cannot exceed total_limit")
        if self.scope == CouponScope.ALL and self.scope_values:
            raise ValueError("scope 'all' takes no scope_values")
        if self.scope != CouponScope.ALL and not self.scope_values:
            raise ValueError(f"scope {self.scope.value!r} needs scope_values (the {self.scope})")
        return self

    def terms(self) -> dict[str, Any]:
        """What a coupon of this template is worth and where it applies (frozen once issued)."""
        return {
            "kind": self.kind.value,
            "amount": self.amount,
            "pay_percent": self.pay_percent,
            "cap": self.cap,
            "threshold": self.threshold,
            "scope": self.scope.value,
            "scope_values": list(self.scope_values),
        }


@dataclass(frozen=True)
class TemplateView:
    id: int
    code: str
    name: str
    kind: str
    amount: Decimal | None
    pay_percent: int | None
    cap: Decimal | None
    threshold: Decimal
    starts_at: datetime | None
    ends_at: datetime | None
    valid_days: int | None
    valid_hours: int | None
    per_person_limit: int | None
    total_limit: int | None
    issued_count: int
    scope: str
    scope_values: tuple[str, ...]
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: CouponTemplate) -> TemplateView:
        return cls(
            id=row.id,
            code=row.code,
            name=row.name,
            kind=row.kind,
            amount=row.amount,
            pay_percent=row.pay_percent,
            cap=row.cap,
            threshold=row.threshold,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            valid_days=row.valid_days,
            valid_hours=row.valid_hours,
            per_person_limit=row.per_person_limit,
            total_limit=row.total_limit,
            issued_count=row.issued_count,
            scope=row.scope,
            scope_values=tuple(row.scope_values or ()),
            active=row.active,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


def _spec_of(row: CouponTemplate) -> TemplateSpec:
    return TemplateSpec.model_validate(
        {
            "code": row.code,
            "name": row.name,
            "kind": row.kind,
            "amount": row.amount,
            "pay_percent": row.pay_percent,
            "cap": row.cap,
            "threshold": row.threshold,
            "starts_at": row.starts_at,
            "ends_at": row.ends_at,
            "valid_days": row.valid_days,
            "valid_hours": row.valid_hours,
            "per_person_limit": row.per_person_limit,
            "total_limit": row.total_limit,
            "scope": row.scope,
            "scope_values": tuple(row.scope_values or ()),
            "active": row.active,
        }
    )


def _check_scope_values(session: Session, spec: TemplateSpec) -> None:
    if spec.scope == CouponScope.SKUS:
        known = set(session.scalars(select(Product.sku).where(Product.sku.in_(spec.scope_values))))
        missing = [s for s in spec.scope_values if s not in known]
        if missing:
            raise TemplateRefused(f"unknown SKU in scope: {', '.join(missing)}")


def _write(row: CouponTemplate, spec: TemplateSpec) -> None:
    for name in (
        "name",
        "kind",
        "amount",
        "pay_percent",
        "cap",
        "threshold",
        "starts_at",
        "ends_at",
        "valid_days",
        "valid_hours",
        "per_person_limit",
        "total_limit",
        "active",
    ):
        setattr(row, name, getattr(spec, name))
    row.scope = spec.scope
    row.scope_values = list(spec.scope_values)


def create_template(session: Session, spec: TemplateSpec, now: datetime) -> TemplateView:
    if session.scalar(select(CouponTemplate.id).where(CouponTemplate.code == spec.code)):
        raise TemplateConflict(f"a coupon template {spec.code!r} already exists")
    _check_scope_values(session, spec)
    row = CouponTemplate(code=spec.code, issued_count=0, created_at=now, updated_at=now)
    _write(row, spec)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # created by a concurrent request meanwhile
        raise TemplateConflict(f"a coupon template {spec.code!r} already exists") from None
    return TemplateView.of(row)


def update_template(session: Session, code: str, spec: TemplateSpec, now: datetime) -> TemplateView:
    """Replace a template's definition. Once it has issued coupons, its money terms (kind,
    amount, pay_percent, cap, threshold, scope) are frozen — those coupons were promised on
    them; name, validity, limits and the active flag may still change."""
    row = find_template(session, code, lock=True)
    if spec.code != row.code:
        raise TemplateRefused("a template's code cannot change; create a new template")
    if row.issued_count and _spec_of(row).terms() != spec.terms():
        raise TemplateConflict(
            f"{code} has issued {row.issued_count} coupon(s); its value and scope are frozen, "
            "create a new template instead"
        )
    if spec.total_limit is not None and spec.total_limit < row.issued_count:
        raise TemplateConflict(
            f"total_limit {spec.total_limit} is below the {row.issued_count} already issued"
        )
    _check_scope_values(session, spec)
    _write(row, spec)
    row.updated_at = now
    session.flush()
    return TemplateView.of(row)


def delete_template(session: Session, code: str) -> None:
    """Delete a template that never issued a coupon; one that did is switched off instead."""
    row = find_template(session, code, lock=True)
    if row.issued_count or session.scalar(
        select(func.count()).select_from(Coupon).where(Coupon.template_id == row.id)
    ):
        raise TemplateConflict(
            f"{code} has issued coupons and cannot be deleted; set active to false instead"
        )
    session.delete(row)
    session.flush()


def get_template(session: Session, code: str) -> TemplateView:
    return TemplateView.of(find_template(session, code))


def list_templates(session: Session, *, active: bool | None = None) -> list[TemplateView]:
    query = select(CouponTemplate).order_by(CouponTemplate.id)
    if active is not None:
        query = query.where(CouponTemplate.active.is_(active))
    return [TemplateView.of(row) for row in session.scalars(query)]


def find_template(session: Session, code: str, *, lock: bool = False) -> CouponTemplate:
    query = select(CouponTemplate).where(CouponTemplate.code == code)
    if lock and session.get_bind().dialect.name == "postgresql":
        # Re-read the locked row even if this session holds it already: what we judge limits
        # and the active switch by must be what the lock protects.
        query = query.with_for_update().execution_options(populate_existing=True)
    row = session.scalars(query).one_or_none()
    if row is None:
        raise UnknownTemplate(f"no coupon template {code!r}")
    return row
