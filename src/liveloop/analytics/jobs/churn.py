"""Churn risk per person: 低 / 中 / 高, from three signals.

- **P(alive)** from the CLV job (``scores_clv.p_alive``, BG/NBD). It says little about people
  with a single purchase (BG/NBD gives them 1), so it is not the only signal.
- **Overdue**: how far past their own cycle a person is. With repurchase predictions, the
  staple they keep best: min over their SKUs of (days since their last trip of it ÷ its
  interval). Without: days since their last counted order ÷ their own mean gap between order
  days; with a single order day, ÷ the median predicted interval over everyone (30 days when
  there are no predictions).
- **Fading interaction**: fewer than half as many events in the last 30 days as the 30-day
  average of the 60 days before, with at least ``MIN_EARLIER_EVENTS`` then.

The rule (first that holds):

- 高: P(alive) < ``HIGH_P_ALIVE`` (0.3), or overdue ≥ ``HIGH_OVERDUE`` (3 cycles missed);
- 中: P(alive) < ``MEDIUM_P_ALIVE`` (0.6), or overdue ≥ ``MEDIUM_OVERDUE`` (1.5), or interaction
  fading while overdue ≥ 1;
- 低: otherwise.

People who never bought get NULL: they cannot churn from a habit they never had (operators
reach them through acquisition journeys, not win-back). A missing P(alive) leaves the other
signals to decide.
"""

from __future__ import annotations

from typing import ClassVar

from liveloop.analytics.engine import Engine
from liveloop.analytics.jobs.base import JobOutput, RunContext
from liveloop.analytics.jobs.timing import days_ago, days_between, local_date

HIGH_P_ALIVE = 0.3
MEDIUM_P_ALIVE = 0.6
HIGH_OVERDUE = 3.0
MEDIUM_OVERDUE = 1.5
FADING_OVERDUE = 1.0
MIN_EARLIER_EVENTS = 2
DEFAULT_CYCLE_DAYS = 30.0
LEVELS = ("低", "中", "高")


class ChurnJob:
    name: ClassVar[str] = "churn"
    after: ClassVar[tuple[str, ...]] = ("clv", "repurchase")
    score_columns: ClassVar[tuple[str, ...]] = ("churn_risk",)

    def run(self, engine: Engine, context: RunContext) -> JobOutput:
        engine.create("churn_signals", _signals_query(context))
        engine.create(
            "scores_churn",
            f"""
            SELECT customer_id,
                   CASE
                       WHEN last_order_at IS NULL THEN NULL
                       WHEN p_alive < {HIGH_P_ALIVE} OR overdue >= {HIGH_OVERDUE} THEN '高'
                       WHEN p_alive < {MEDIUM_P_ALIVE} OR overdue >= {MEDIUM_OVERDUE}
                            OR (fading AND overdue >= {FADING_OVERDUE}) THEN '中'
                       ELSE '低'
                   END AS churn_risk
            FROM churn_signals
            """,
        )
        counts = dict(
            engine.rows(
                "SELECT COALESCE(churn_risk, 'never bought'), COUNT(*) FROM scores_churn "
                "GROUP BY COALESCE(churn_risk, 'never bought')"
            )
        )
        engine.drop("churn_signals")
        return JobOutput(
            scores="scores_churn",
            diagnostics={"people": {level: counts.get(level, 0) for level in counts}},
        )


def _signals_query(context: RunContext) -> str:
    as_of = context.as_of_sql
    return f"""
        WITH trips AS (
            SELECT customer_id, MIN(placed_at) AS first_at, MAX(placed_at) AS last_at,
                   COUNT(DISTINCT {local_date("placed_at", context)}) AS order_days
            FROM orders WHERE counted AND placed_at <= {as_of}
            GROUP BY customer_id
        ), staples AS (
            SELECT customer_id,
                   MIN({days_ago("last_purchase_at", context)} / interval_days) AS overdue
            FROM repurchase WHERE interval_days > 0
            GROUP BY customer_id
        ), population AS (
            SELECT COALESCE(MEDIAN(interval_days), {DEFAULT_CYCLE_DAYS}) AS cycle_days
            FROM repurchase WHERE interval_days > 0
        ), touches AS (
            SELECT customer_id,
                   SUM(CASE WHEN {days_ago("timestamp", context)} < 30 THEN 1 ELSE 0 END)
                       AS recent,
                   SUM(CASE WHEN {days_ago("timestamp", context)} >= 30 THEN 1 ELSE 0 END)
                       AS earlier
            FROM events
            WHERE customer_id IS NOT NULL AND timestamp <= {as_of}
              AND {days_ago("timestamp", context)} < 90
            GROUP BY customer_id
        )
        SELECT c.customer_id, t.last_at AS last_order_at, v.p_alive,
               COALESCE(
                   s.overdue,
                   {days_ago("t.last_at", context)} / CASE
                       WHEN t.order_days >= 2
                       THEN GREATEST({days_between("t.first_at", "t.last_at")}
                                     / (t.order_days - 1), 1.0)
                       ELSE p.cycle_days
                   END
               ) AS overdue,
               COALESCE(e.earlier >= {MIN_EARLIER_EVENTS} AND e.recent * 4 < e.earlier,
                        FALSE) AS fading
        FROM customers c
        CROSS JOIN population p
        LEFT JOIN trips t ON t.customer_id = c.customer_id
        LEFT JOIN staples s ON s.customer_id = c.customer_id
        LEFT JOIN scores_clv v ON v.customer_id = c.customer_id
        LEFT JOIN touches e ON e.customer_id = c.customer_id
    """


JOB = ChurnJob()
