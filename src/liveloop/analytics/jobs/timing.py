"""Time arithmetic in SQL that DuckDB and Spark answer identically.

DuckDB's ``date_diff`` counts unit boundaries crossed, Spark's counts whole units elapsed, and
``epoch`` keeps fractions where Spark's ``unix_timestamp`` drops them; on timestamps cut to
whole seconds all of these agree. So jobs measure elapsed time only through these helpers.
"""

from __future__ import annotations

from liveloop.analytics.jobs.base import RunContext


def seconds_between(start: str, end: str) -> str:
    """Whole seconds from ``start`` to ``end`` (SQL expressions of naive UTC timestamps)."""
    return f"date_diff('second', date_trunc('second', {start}), date_trunc('second', {end}))"


def days_between(start: str, end: str) -> str:
    """Fractional days from ``start`` to ``end``."""
    return f"({seconds_between(start, end)} / 86400.0)"


def days_ago(column: str, context: RunContext) -> str:
    """Fractional days from ``column`` to the run's ``as_of``."""
    return days_between(column, context.as_of_sql)


def local_date(column: str, context: RunContext) -> str:
    """The calendar day of ``column`` on the brand's clock."""
    return f"CAST({column} + INTERVAL {int(context.utc_offset_hours)} HOUR AS DATE)"


def local_month(column: str, context: RunContext) -> str:
    """The month (1–12) of ``column`` on the brand's clock."""
    offset = int(context.utc_offset_hours)
    return f"CAST(EXTRACT(MONTH FROM {column} + INTERVAL {offset} HOUR) AS INTEGER)"


def half_life_weight(column: str, context: RunContext) -> str:
    """1 for an interaction now, ½ for one a half-life (``interest_half_life_days``) ago."""
    half_life = float(context.interest_half_life_days)
    return f"POWER(0.5, GREATEST({days_ago(column, context)}, 0.0) / {half_life})"
