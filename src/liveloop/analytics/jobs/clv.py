"""CLV per person: BG/NBD for purchases (P(alive), expected purchases in 30 and 90 days),
Gamma-Gamma for spend, 12-month CLV; and a holdout check of the purchase model.

A purchase is a customer's day (on the brand's clock) with counted orders (amounts that day
summed), time is in weeks, as in the models' papers. The holdout check refits on everything
before ``as_of − 13 weeks`` and compares predicted with actual purchases in those 13 weeks;
the report goes into the run's diagnostics with the fitted parameters, standard errors and
log-likelihoods.
When the data cannot support a model (no repeat buyers, a single customer) the job says so
in its diagnostics and leaves the columns empty rather than guessing.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from liveloop.analytics.clv.bgnbd import BetaGeo
from liveloop.analytics.clv.gamma_gamma import GammaGamma
from liveloop.analytics.clv.holdout import holdout_from_transactions
from liveloop.analytics.clv.predict import predict
from liveloop.analytics.clv.summary import Summary, SummaryError
from liveloop.analytics.engine import Engine
from liveloop.analytics.jobs.base import JobOutput, RunContext
from liveloop.analytics.jobs.timing import local_date

HOLDOUT_WEEKS = 13
COLUMNS = ("p_alive", "purchases_30d", "purchases_90d", "clv_12m")


class Clv:
    name: ClassVar[str] = "clv"
    after: ClassVar[tuple[str, ...]] = ()
    score_columns: ClassVar[tuple[str, ...]] = COLUMNS

    def run(self, engine: Engine, context: RunContext) -> JobOutput:
        as_of = context.as_of_sql
        day = local_date("placed_at", context)
        engine.create(
            "clv_days",
            f"""
            SELECT customer_id, {day} AS day, SUM(total) AS spent
            FROM orders WHERE counted AND placed_at <= {as_of}
            GROUP BY customer_id, {day}
            """,
        )
        data = engine.arrow(
            f"""
            WITH ranked AS (
                SELECT customer_id, day, spent,
                       ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY day) AS nth
                FROM clv_days
            )
            SELECT customer_id, COUNT(*) - 1 AS frequency,
                   DATE_DIFF('day', MIN(day), MAX(day)) AS recency_days,
                   DATE_DIFF('day', MIN(day), {local_date(as_of, context)}) AS age_days,
                   SUM(CASE WHEN nth > 1 THEN spent ELSE 0 END) AS repeat_spend
            FROM ranked JOIN customers USING (customer_id)
            GROUP BY customer_id
            ORDER BY customer_id
            """
        )
        diagnostics: dict[str, Any] = {"buyers": data.num_rows}
        predictions = _predict(data, diagnostics)
        diagnostics["holdout"] = self._holdout(engine, context)
        engine.load_arrow("clv_predictions", predictions)
        engine.create(
            "scores_clv",
            f"""
            SELECT c.customer_id, {", ".join(f"p.{column}" for column in COLUMNS)}
            FROM customers c LEFT JOIN clv_predictions p ON p.customer_id = c.customer_id
            """,
        )
        engine.drop("clv_days", "clv_predictions")
        return JobOutput(scores="scores_clv", diagnostics=diagnostics)

    def _holdout(self, engine: Engine, context: RunContext) -> dict[str, Any]:
        end = (context.as_of + timedelta(hours=context.utc_offset_hours)).date()
        calibration_end = end - timedelta(weeks=HOLDOUT_WEEKS)
        days = engine.arrow("SELECT customer_id, day FROM clv_days")
        try:
            report = holdout_from_transactions(
                days.column("customer_id").to_numpy(),
                days.column("day").to_numpy(),
                calibration_end=calibration_end,
                holdout_end=end,
            )
        except SummaryError as exc:
            return {"skipped": str(exc)}
        return asdict(report)


def _predict(data: pa.Table, diagnostics: dict[str, Any]) -> pa.Table:
    ids = data.column("customer_id").to_numpy()
    empty = pa.table(
        {"customer_id": pa.array(ids, pa.int64())}
        | {column: pa.nulls(len(ids), pa.float64()) for column in COLUMNS}
    )
    if len(ids) == 0:
        diagnostics["skipped"] = "no buyers yet"
        return empty
    frequency = data.column("frequency").to_numpy().astype(float)
    repeat_spend = data.column("repeat_spend").to_numpy().astype(float)
    monetary = np.divide(
        repeat_spend, frequency, out=np.zeros_like(repeat_spend), where=frequency > 0
    )
    summary = Summary.of(
        frequency,
        data.column("recency_days").to_numpy().astype(float) / 7,
        data.column("age_days").to_numpy().astype(float) / 7,
        monetary,
    )
    try:
        purchases = BetaGeo().fit(summary)
    except SummaryError as exc:
        diagnostics["skipped"] = str(exc)
        return empty
    diagnostics["bgnbd"] = _fit_report(purchases)
    spend: GammaGamma | None = None
    repeat = frequency > 0
    try:
        spend = GammaGamma().fit(
            Summary.of(
                frequency[repeat], summary.recency[repeat], summary.T[repeat], monetary[repeat]
            )
        )
        diagnostics["gamma_gamma"] = _fit_report(spend)
    except SummaryError as exc:
        diagnostics["gamma_gamma"] = {"skipped": str(exc)}
    result = predict(purchases, summary, spend=spend)
    return pa.table(
        {
            "customer_id": pa.array(ids, pa.int64()),
            "p_alive": result.p_alive,
            "purchases_30d": result.purchases_30d,
            "purchases_90d": result.purchases_90d,
            "clv_12m": (
                pa.nulls(len(ids), pa.float64())
                if result.clv_12m is None
                else np.round(result.clv_12m, 2)
            ),
        }
    )


def _fit_report(model: BetaGeo | GammaGamma) -> dict[str, Any]:
    return {
        "params": model.params_,
        "standard_errors": model.standard_errors_,
        "log_likelihood": model.log_likelihood_,
        "at_bound": list(model.at_bound_),
    }


JOB = Clv()
