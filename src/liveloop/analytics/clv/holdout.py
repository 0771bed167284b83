"""Holdout validation of BG/NBD: split per-person transactions at a calibration end date, fit on
the calibration period, and compare predicted with actual purchases in the holdout period — the
check of Fader, Hardie & Lee (2005), sec. 5 (total holdout purchases; their Fig. 5, conditional
expectations by calibration frequency).

A *purchase* is a customer's calendar day with at least one transaction (amounts on that day are
summed), as in the summaries the models read; time is in weeks (days / 7).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from liveloop.analytics.clv.bgnbd import BetaGeo
from liveloop.analytics.clv.summary import NotEnoughData, Summary, SummaryError

BUCKETS = ("0", "1", "2", "3", "4", "5", "6", "7+")

Day = dt.date | str | np.datetime64


@dataclass(frozen=True)
class CalibrationSplit:
    """Per-person calibration summary (weeks) and purchases in the holdout period."""

    customer_ids: np.ndarray
    summary: Summary
    holdout_purchases: np.ndarray
    holdout_weeks: float


@dataclass(frozen=True)
class FrequencyBucket:
    """Customers with a given number of calibration repeat purchases (FHL 2005, Fig. 5)."""

    frequency: str
    customers: int
    actual_mean: float | None
    predicted_mean: float | None


@dataclass(frozen=True)
class HoldoutReport:
    """Predicted against actual holdout purchases; JSON-ready (None where undefined)."""

    customers: int
    holdout_weeks: float
    params: dict[str, float]
    log_likelihood: float
    actual_total: float
    predicted_total: float
    mean_absolute_error: float
    correlation: float | None  # Pearson, per person; None when either side does not vary
    by_frequency: list[FrequencyBucket] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def split_transactions(
    customer_ids: ArrayLike,
    times: ArrayLike,
    amounts: ArrayLike | None = None,
    *,
    calibration_end: Day,
    holdout_end: Day,
) -> CalibrationSplit:
    """Per-person calibration summaries and holdout purchase counts from raw transactions.

    Calibration is every day up to and including ``calibration_end``; the holdout is the days
    after it up to and including ``holdout_end``. The cohort is everyone whose first purchase is
    in calibration; T = calibration_end − first purchase, recency = last − first calibration
    purchase, frequency = calibration purchases − 1; monetary = mean of the repeat purchases
    (Gamma-Gamma's convention: the first purchase is left out; 0 for people without repeats).
    """
    ids = np.asarray(customer_ids)
    days = np.asarray(times, dtype="datetime64[D]").astype(np.int64)
    money = np.ones(len(days)) if amounts is None else np.asarray(amounts, dtype=float)
    if not (len(ids) == len(days) == len(money)):
        raise SummaryError("customer ids, times and amounts differ in length")
    ends = np.asarray([calibration_end, holdout_end], dtype="datetime64[D]").astype(np.int64)
    cal_end, hold_end = int(ends[0]), int(ends[1])
    if hold_end <= cal_end:
        raise SummaryError("holdout_end must be after calibration_end")
    if not np.isfinite(money).all():
        raise SummaryError("an amount is not a number")
    keep = days <= hold_end
    ids, days, money = ids[keep], days[keep], money[keep]
    if len(ids) == 0:
        raise NotEnoughData("no transactions up to the end of the holdout period")
    people, person = np.unique(ids, return_inverse=True)
    person = person.ravel()
    # one purchase per person and day, amounts summed
    span = int(days.max() - days.min()) + 1
    key = person.astype(np.int64) * span + (days - days.min())
    purchases, which = np.unique(key, return_inverse=True)
    spent = np.bincount(which.ravel(), weights=money)
    p_person, p_day = np.divmod(purchases, span)
    p_day = p_day + days.min()
    calibration = p_day <= cal_end
    n = len(people)
    first = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first, p_person[calibration], p_day[calibration])
    last = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last, p_person[calibration], p_day[calibration])
    count = np.bincount(p_person[calibration], minlength=n)
    # purchases come sorted by (person, day), so a person's first calibration purchase is the
    # first of their run; repeat spend is everything after it
    is_first = calibration & (p_day == first[p_person])
    repeat_spend = np.bincount(p_person[calibration & ~is_first], spent[calibration & ~is_first], n)
    holdout = np.bincount(p_person[~calibration], minlength=n)
    cohort = count > 0
    if not cohort.any():
        raise NotEnoughData("nobody bought during the calibration period")
    frequency = (count - 1)[cohort].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        monetary = np.where(frequency > 0, repeat_spend[cohort] / frequency, 0.0)
    summary = Summary.of(
        frequency,
        (last - first)[cohort] / 7.0,
        (cal_end - first[cohort]) / 7.0,
        monetary,
    )
    return CalibrationSplit(
        people[cohort], summary, holdout[cohort].astype(float), (hold_end - cal_end) / 7.0
    )


def validate_holdout(
    calibration: Summary,
    holdout_purchases: ArrayLike,
    holdout_weeks: float,
    model: BetaGeo | None = None,
) -> HoldoutReport:
    """Fit BG/NBD on the calibration summaries (unless a fitted ``model`` is given) and compare
    E[X(holdout_weeks) | x, t_x, T] with each person's actual holdout purchases."""
    actual = np.asarray(holdout_purchases, dtype=float)
    if len(actual) != len(calibration.frequency):
        raise SummaryError("holdout purchases and calibration summaries differ in length")
    if not (math.isfinite(holdout_weeks) and holdout_weeks > 0):
        raise SummaryError("holdout_weeks must be positive")
    if not (np.isfinite(actual).all() and (actual >= 0).all()):
        raise SummaryError("holdout purchases must be counts ≥ 0")
    model = model if model is not None else BetaGeo().fit(calibration)
    predicted = model.expected_purchases(calibration, holdout_weeks)
    frequency = calibration.frequency
    buckets = []
    for number, label in enumerate(BUCKETS):
        members = frequency >= number if label.endswith("+") else frequency == number
        size = int(members.sum())
        buckets.append(
            FrequencyBucket(
                label,
                size,
                float(actual[members].mean()) if size else None,
                float(predicted[members].mean()) if size else None,
            )
        )
    correlation = None
    if len(actual) > 1 and actual.std() > 0 and predicted.std() > 0:
        correlation = float(np.corrcoef(actual, predicted)[0, 1])
    return HoldoutReport(
        customers=len(actual),
        holdout_weeks=float(holdout_weeks),
        params=dict(model.params_),
        log_likelihood=float(model.log_likelihood_),
        actual_total=float(actual.sum()),
        predicted_total=float(predicted.sum()),
        mean_absolute_error=float(np.abs(predicted - actual).mean()),
        correlation=correlation,
        by_frequency=buckets,
    )


def holdout_from_transactions(
    customer_ids: ArrayLike,
    times: ArrayLike,
    *,
    calibration_end: Day,
    holdout_end: Day,
) -> HoldoutReport:
    """``split_transactions`` then ``validate_holdout``: the whole check from raw purchases."""
    split = split_transactions(
        customer_ids, times, calibration_end=calibration_end, holdout_end=holdout_end
    )
    return validate_holdout(split.summary, split.holdout_purchases, split.holdout_weeks)
