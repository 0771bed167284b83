"""SQL pieces the report jobs share: which orders count as of the run, shares, money.

Reports are read by people and exported to CSV/Excel, so a share with nothing under it is NULL
(never NaN or a division error) and money is rounded to the fen.
"""

from __future__ import annotations

from liveloop.analytics.jobs.base import RunContext


def counted_orders(context: RunContext) -> str:
    """Purchases that stand (paid or completed), placed by the run's ``as_of``."""
    return f"SELECT * FROM orders WHERE counted AND placed_at <= {context.as_of_sql}"


def placed_orders(context: RunContext) -> str:
    """Every order placed by ``as_of``, whatever became of it (refunds included)."""
    return f"SELECT * FROM orders WHERE placed_at <= {context.as_of_sql}"


def share(part: str, whole: str) -> str:
    """``part / whole`` as DOUBLE, NULL when ``whole`` is zero or NULL."""
    return f"CASE WHEN {whole} > 0 THEN CAST({part} AS DOUBLE) / {whole} END"


def money(amount: str) -> str:
    """Yuan to the fen; nothing summed is 0."""
    return f"ROUND(COALESCE({amount}, 0.0), 2)"


def exact_money(amount: str) -> str:
    """``money`` as an exact decimal (DECIMAL(18, 2)), for amounts a rule computes on."""
    return f"CAST({money(amount)} AS DECIMAL(18, 2))"
