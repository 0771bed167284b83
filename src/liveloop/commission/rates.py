"""The operator's commission rates: per level (1 own sales, 2 the recruiter's override — never
a third), on a SKU, a category or by default, each in [0, 0.3], in ten-thousandths.

A change is a new row from its ``effective_from`` (now or later, never back-dated: an order
keeps the rates in force when it was paid, which a back-dated row would rewrite), so the rows
are the audit. For a line paid at ``t`` the rate is, of the rows in force at ``t``, the SKU's
latest, else the category's, else the default's; none is no commission.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.commission.allocation import RATE_UNITS
from liveloop.commission.contracts import (
    MAX_LEVEL,
    MAX_RATE,
    RATE_PLACES,
    THIRD_LEVEL_REASON,
    CommissionRefused,
    Level,
    RateScope,
    RateView,
)
from liveloop.commission.models import CommissionRate


def to_bp(rate: Decimal) -> int:
    return int(rate * RATE_UNITS)


def of_bp(rate_bp: int) -> Decimal:
    return (Decimal(rate_bp) / RATE_UNITS).quantize(RATE_PLACES)


def check_level(level: int) -> Level:
    if level > MAX_LEVEL:
        raise CommissionRefused(THIRD_LEVEL_REASON)
    if level < 1:
        raise CommissionRefused("佣金层级只能是 1 或 2 (the level is 1 or 2)")
    return Level(level)


def check_rate(rate: Decimal) -> Decimal:
    try:
        exact = Decimal(rate)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise CommissionRefused("佣金比例不是数字 (the rate is not a number)") from exc
    if not exact.is_finite() or not Decimal(0) <= exact <= MAX_RATE:
        raise CommissionRefused(
            f"佣金比例须在 0 到 {MAX_RATE} 之间 (a rate is a share in [0, {MAX_RATE}])"
        )
    if exact != exact.quantize(RATE_PLACES):
        raise CommissionRefused("佣金比例最多四位小数 (a rate has at most four places)")
    return exact.quantize(RATE_PLACES)


def set_rate(
    session: Session,
    *,
    level: int,
    scope: RateScope,
    target: str | None,
    rate: Decimal,
    effective_from: datetime | None,
    by: str,
    at: datetime,
    note: str = "",
) -> RateView:
    """Put a rate in force from ``effective_from`` (default: ``at``). Refused: a third level,
    a rate outside [0, 0.3] or with more than four places, a SKU or category scope without a
    target, a default with one, a time before ``at``."""
    checked = check_level(level)
    exact = check_rate(rate)
    target = (target or "").strip()
    if scope == RateScope.DEFAULT and target:
        raise CommissionRefused("默认比例不针对商品或品类 (a default rate names no target)")
    if scope != RateScope.DEFAULT and not target:
        raise CommissionRefused("请填写商品编码或品类 (a SKU or category rate names its target)")
    starts = effective_from or at
    if starts < at:
        raise CommissionRefused(
            "生效时间不能早于现在:已支付的订单按支付时的比例计算 "
            "(a rate cannot take effect in the past: paid orders keep their rates)"
        )
    found = session.scalar(
        select(CommissionRate).where(
            CommissionRate.level == int(checked),
            CommissionRate.scope == scope.value,
            CommissionRate.target == target,
            CommissionRate.effective_from == starts,
        )
    )
    if found is None:
        found = CommissionRate(
            level=int(checked),
            scope=scope.value,
            target=target,
            effective_from=starts,
            set_at=at,
        )
        session.add(found)
    found.rate_bp, found.set_by, found.note = to_bp(exact), by[:64], note[:200]
    session.flush()
    return view(found)


def view(row: CommissionRate) -> RateView:
    return RateView(
        level=row.level,
        scope=RateScope(row.scope),
        target=row.target,
        rate=of_bp(row.rate_bp),
        effective_from=row.effective_from,
        set_by=row.set_by,
        set_at=row.set_at,
        note=row.note,
    )


def list_rates(session: Session) -> list[RateView]:
    """Every rate row, the history included: by level, scope, target, newest first."""
    rows = session.scalars(
        select(CommissionRate).order_by(
            CommissionRate.level,
            CommissionRate.scope,
            CommissionRate.target,
            CommissionRate.effective_from.desc(),
        )
    )
    return [view(row) for row in rows]


@dataclass
class RateBook:
    """Every rate in memory, for resolving many lines at once."""

    # (level, scope, target) → sorted [(effective_from, rate_bp)]
    rows: dict[tuple[int, str, str], list[tuple[datetime, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    @classmethod
    def load(cls, session: Session) -> RateBook:
        book = cls()
        for row in session.execute(
            select(
                CommissionRate.level,
                CommissionRate.scope,
                CommissionRate.target,
                CommissionRate.effective_from,
                CommissionRate.rate_bp,
            ).order_by(CommissionRate.effective_from)
        ):
            book.rows[(row.level, row.scope, row.target)].append((row.effective_from, row.rate_bp))
        return book

    def _at(self, key: tuple[int, str, str], at: datetime) -> int | None:
        history = self.rows.get(key)
        if not history:
            return None
        i = bisect.bisect_right(history, at, key=lambda item: item[0])
        return history[i - 1][1] if i else None

    def rate_bp(self, level: int, sku: str, category: str, at: datetime) -> int | None:
        """The rate in force for a line at ``at``: the SKU's, else the category's, else the
        default; None when none is."""
        for key in (
            (level, RateScope.SKU.value, sku),
            (level, RateScope.CATEGORY.value, category),
            (level, RateScope.DEFAULT.value, ""),
        ):
            found = self._at(key, at)
            if found is not None:
                return found
        return None
