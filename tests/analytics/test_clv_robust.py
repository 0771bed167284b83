"""What the nightly analytics job meets (summary → fit → per-person predictions): thin or odd
summaries either fit to something finite or fail with NotEnoughData and a message; predictions
are never NaN or infinite; the fits are exact where it matters (analytic derivatives)."""

import csv
from importlib.metadata import distribution

import numpy as np
import pytest

from liveloop.analytics.clv.bgnbd import BetaGeo, _bg_data, _bg_terms
from liveloop.analytics.clv.gamma_gamma import GammaGamma
from liveloop.analytics.clv.likelihood import jacobian
from liveloop.analytics.clv.predict import predict
from liveloop.analytics.clv.summary import NotEnoughData, Summary, SummaryError


@pytest.fixture(scope="module")
def cdnow() -> Summary:
    path = distribution("lifetimes").locate_file(
        "lifetimes/datasets/cdnow_customers_summary_with_transactions.csv"
    )
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return Summary.of(*([r[c] for r in rows] for c in ("x", "t_x", "T", "zbar")))


@pytest.fixture(scope="module")
def fitted(cdnow):
    return BetaGeo().fit(cdnow), GammaGamma().fit(cdnow)


def _all_finite(predictions) -> bool:
    return all(v is None or np.isfinite(v).all() for v in vars(predictions).values())


def test_bg_nbd_gradient_and_hessian_match_finite_differences():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 8, 400).astype(float)
    T = rng.uniform(0.5, 60, 400)
    t_x = np.where(x > 0, T * rng.uniform(0, 1, 400), 0)
    data = _bg_data(Summary.of(x, t_x, T), 1.0)
    params = np.array([0.4, 3.0, 0.7, 2.5])
    _, gradient, hessian = _bg_terms(params, data, 2)
    for i in range(4):
        step = np.zeros(4)
        step[i] = 1e-6 * params[i]
        numeric = (_bg_terms(params + step, data, 0)[0] - _bg_terms(params - step, data, 0)[0]) / (
            2 * step[i]
        )
        assert gradient[i] == pytest.approx(numeric, rel=1e-6, abs=1e-9)
    numeric_hessian = jacobian(lambda p: _bg_terms(p, data, 1)[1], params)
    assert np.allclose(hessian, numeric_hessian, rtol=1e-5, atol=1e-8)
    # the weighted path (a folded summary) gives the same value and derivatives
    doubled = Summary.of(np.r_[x, x], np.r_[t_x, t_x], np.r_[T, T]).compressed()
    folded = _bg_terms(params, _bg_data(doubled, 1.0), 2)
    assert folded[0] == pytest.approx(_bg_terms(params, data, 0)[0], rel=1e-12)
    assert np.allclose(folded[1], gradient, rtol=1e-10) and np.allclose(folded[2], hessian)


def test_gamma_gamma_gradient_matches_finite_differences(cdnow):
    model = GammaGamma()
    data = model._prepare(cdnow, 35.0)
    params = np.array([5.0, 3.0, 0.4])
    gradient = model._gradient(params, data)
    for i in range(3):
        step = np.zeros(3)
        step[i] = 1e-6 * params[i]
        numeric = (model._value(params + step, data) - model._value(params - step, data)) / (
            2 * step[i]
        )
        assert gradient[i] == pytest.approx(numeric, rel=1e-6)


def test_time_unit_changes_only_alpha_and_a_constant_in_the_likelihood(cdnow):
    # the same customers timed in hundredths of a week: α × 100, r, a, b unchanged, and
    # LL shifts by −Σx·log(100) (a density over a finer time scale)
    weeks = BetaGeo().fit(cdnow)
    fine = BetaGeo().fit(Summary.of(cdnow.frequency, cdnow.recency * 100, cdnow.T * 100))
    assert fine.params_["alpha"] == pytest.approx(weeks.params_["alpha"] * 100, rel=1e-5)
    for name in ("r", "a", "b"):
        assert fine.params_[name] == pytest.approx(weeks.params_[name], rel=1e-5)
    shift = cdnow.frequency.sum() * np.log(100)
    assert fine.log_likelihood_ == pytest.approx(weeks.log_likelihood_ - shift, abs=1e-3)


def test_empty_summary_and_no_repeat_buyers_are_not_enough_data():
    with pytest.raises(SummaryError, match="no customers"):
        Summary.of([], [], [])
    empty = Summary(np.zeros(0), np.zeros(0), np.zeros(0))
    with pytest.raises(NotEnoughData, match="no customers"):
        BetaGeo().fit(empty)
    single_purchases = Summary.of([0, 0, 0], [0, 0, 0], [5, 3, 9], [0, 0, 0])
    for model in (BetaGeo(), GammaGamma()):
        with pytest.raises(NotEnoughData, match="nobody bought more than once"):
            model.fit(single_purchases)


def test_one_customer_fits_to_a_finite_limit_and_predicts(fitted):
    one = Summary.of([2], [5.0], [10.0], [30.0])
    model = BetaGeo().fit(one)
    assert model.at_bound_  # e.g. no heterogeneity or no dropout: a limit the data drives to
    assert all(np.isfinite(v) for v in model.params_.values())
    predictions = predict(model, one, spend=fitted[1])
    assert _all_finite(predictions)
    assert 0 < predictions.purchases_90d[0] < 10


def test_identical_customers_fit_and_predict_finite_values(fitted):
    same = Summary.of([3] * 500, [20.0] * 500, [30.0] * 500, [25.0] * 500)
    model = BetaGeo().fit(same)
    spend = GammaGamma().fit(same)
    predictions = predict(model, same, spend=spend)
    assert _all_finite(predictions)
    assert np.ptp(predictions.purchases_30d) == 0 and predictions.purchases_30d[0] > 0


def test_huge_and_zero_ages_give_finite_predictions(cdnow, fitted):
    purchases, spend = fitted
    odd = Summary.of(
        [0, 0, 5, 120, 40, 3],
        [0, 0, 1e6, 9e8, 1.0, 0.0],
        [0.0, 1e9, 1e6 + 1, 1e9, 1.0, 0.0],
        [0, 0, 10.0, 12.0, 7.0, 9.0],
    )
    result = predict(purchases, odd, spend=spend)
    assert _all_finite(result)
    assert ((result.p_alive >= 0) & (result.p_alive <= 1)).all()
    assert result.purchases_30d[1] < 1e-3  # first bought 1e9 weeks ago, never again
    assert result.p_alive[4] > 0.9 and result.purchases_30d[4] > 1  # 40 purchases in one week
    # and a fit on ages a million times longer than CDNOW's is the same fit, α rescaled
    stretched = BetaGeo().fit(Summary.of(cdnow.frequency, cdnow.recency * 1e6, cdnow.T * 1e6))
    assert stretched.params_["r"] == pytest.approx(purchases.params_["r"], rel=1e-5)


def test_predictions_for_cdnow(cdnow, fitted):
    purchases, spend = fitted
    result = predict(purchases, cdnow, spend=spend)
    assert _all_finite(result)
    assert (result.purchases_30d <= result.purchases_90d).all()
    # no discount: 12-month CLV is E[purchases in 52 weeks] × expected spend
    expected_52 = purchases.expected_purchases(cdnow, 52)
    assert np.allclose(result.clv_12m, expected_52 * result.spend_per_purchase)
    # people without repeat purchases are valued at the population mean spend pγ/(q−1)
    once = cdnow.frequency == 0
    assert np.allclose(result.spend_per_purchase[once], spend.population_spend())
    discounted = predict(purchases, cdnow, spend=spend, monthly_discount=0.01)
    assert (discounted.clv_12m < result.clv_12m).all()
    assert (discounted.clv_12m > result.clv_12m / 1.01**12).all()
    assert predict(purchases, cdnow).clv_12m is None
    with pytest.raises(ValueError, match="monthly_discount"):
        predict(purchases, cdnow, spend=spend, monthly_discount=-0.1)
    with pytest.raises(SummaryError, match="monetary_value"):
        predict(purchases, Summary.of([1], [1], [2]), spend=spend)


def test_unfitted_model_refuses_to_predict(cdnow):
    with pytest.raises(SummaryError, match="not fitted"):
        BetaGeo().p_alive(cdnow)


def test_small_random_summaries_never_predict_nan_or_infinity():
    # a shop's first weeks: a handful of customers, ages from hours to decades, some heavy buyers
    rng = np.random.default_rng(11)
    for _ in range(8):
        n = int(rng.integers(1, 30))
        T = np.round(rng.uniform(0, 1, n) * 10 ** rng.uniform(-2, 6), 2)
        x = rng.integers(0, 6, n) * (rng.random(n) < 0.6) * (T > 0) * rng.choice([1, 50])
        t_x = np.where(x > 0, np.round(T * rng.uniform(0, 1, n), 2), 0)
        summary = Summary.of(x, t_x, T, np.where(x > 0, rng.gamma(2, 20, n) + 0.01, 0))
        try:
            purchases = BetaGeo().fit(summary)
        except NotEnoughData:
            continue
        result = predict(purchases, summary, spend=GammaGamma().fit(summary))
        assert _all_finite(result)
        assert ((result.p_alive >= 0) & (result.p_alive <= 1)).all()
        assert (result.purchases_30d >= 0).all() and (result.clv_12m >= 0).all()
