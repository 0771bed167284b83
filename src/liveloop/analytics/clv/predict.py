"""Per-person predictions for the analytics job: P(alive), expected purchases in the next 30 and
90 days, and 12-month customer lifetime value, as arrays aligned with the summary's rows.

Time is in **weeks** (the models' unit; the job builds its summary with days / 7). A month is
52/12 weeks, so "12 months" is exactly 52 weeks. Every array is finite: the models' expressions
are written to stay finite for T = 0, huge T, and large frequencies (see ``BetaGeo``), and a
non-finite value here is a bug, so it raises instead of reaching a profile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from liveloop.analytics.clv.bgnbd import BetaGeo
from liveloop.analytics.clv.gamma_gamma import GammaGamma
from liveloop.analytics.clv.likelihood import Vector
from liveloop.analytics.clv.summary import Summary, SummaryError

DAYS_PER_WEEK = 7.0
WEEKS_PER_MONTH = 52 / 12


@dataclass(frozen=True)
class Predictions:
    """Per-person predictions, each aligned with the summary's rows."""

    p_alive: Vector
    purchases_30d: Vector
    purchases_90d: Vector
    # Gamma-Gamma's expected spend per purchase; population mean for people without repeats
    spend_per_purchase: Vector | None
    # expected purchases over the next 12 months (discounted monthly) × spend_per_purchase
    clv_12m: Vector | None


def predict(
    purchases: BetaGeo,
    summary: Summary,
    *,
    spend: GammaGamma | None = None,
    monthly_discount: float = 0.0,
) -> Predictions:
    """Predictions for every row of ``summary`` (time in weeks) from a fitted BG/NBD model and,
    for CLV, a fitted Gamma-Gamma model (then ``summary.monetary`` is needed for repeat buyers).

    12-month CLV = Σ over months m = 1…12 of E[purchases in month m] / (1 + d)^m × E[spend per
    purchase]; with d = 0 it is E[purchases in 52 weeks] × E[spend per purchase].
    """
    if not (math.isfinite(monthly_discount) and monthly_discount >= 0):
        raise ValueError(f"monthly_discount must be a finite rate ≥ 0, not {monthly_discount!r}")
    if spend is not None and summary.monetary is None:
        raise SummaryError("CLV needs monetary_value (mean spend of each repeat buyer's purchases)")
    p_alive = purchases.p_alive(summary)
    months = np.arange(13) * WEEKS_PER_MONTH
    horizons = [30 / DAYS_PER_WEEK, 90 / DAYS_PER_WEEK]
    if spend is not None:
        horizons += list(months[1:])
    expected = purchases.expected_purchases_over(summary, horizons)
    in_30, in_90 = expected[0], expected[1]
    spend_per_purchase = clv = None
    if spend is not None:
        spend_per_purchase = spend.expected_spend(summary)
        cumulative = np.vstack([np.zeros(len(summary.frequency)), expected[2:]])
        # E[X(t)] rises with t; tiny decreases from hypergeometric round-off are clipped
        by_month = np.maximum(np.diff(cumulative, axis=0), 0.0)
        discount = (1 + monthly_discount) ** -np.arange(1, 13, dtype=float)
        clv = (discount @ by_month) * spend_per_purchase
    result = Predictions(p_alive, in_30, in_90, spend_per_purchase, clv)
    for name, values in vars(result).items():
        if values is not None and not np.isfinite(values).all():
            raise ArithmeticError(f"{name}: non-finite prediction for params {purchases.params_}")
    return result
