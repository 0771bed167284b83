"""The CLV models reproduce their papers' published estimates on the public CDNOW data (which
ships inside the `lifetimes` package, read here as a file), and refuse bad summaries clearly."""

import csv
from importlib.metadata import distribution

import numpy as np
import pytest

from liveloop.analytics.clv.bgnbd import BetaGeo
from liveloop.analytics.clv.gamma_gamma import GammaGamma
from liveloop.analytics.clv.summary import Summary, SummaryError


def _cdnow(name: str) -> list[dict[str, str]]:
    path = distribution("lifetimes").locate_file(f"lifetimes/datasets/{name}")
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def sig3(value: float) -> str:
    return f"{value:.3g}"


@pytest.fixture(scope="module")
def cdnow() -> Summary:
    rows = _cdnow("cdnow_customers_summary_with_transactions.csv")
    return Summary.of(
        [r["x"] for r in rows],
        [r["t_x"] for r in rows],
        [r["T"] for r in rows],
        [r["zbar"] for r in rows],
    )


def test_bg_nbd_reproduces_fader_hardie_lee_2005_on_cdnow(cdnow):
    model = BetaGeo().fit(cdnow)
    # Fader, Hardie & Lee (2005), sec. 5: r 0.243, α 4.414, a 0.793, b 2.426, LL −9582.4
    assert {k: sig3(v) for k, v in model.params_.items()} == {
        "r": "0.243",
        "alpha": "4.41",
        "a": "0.793",
        "b": "2.43",
    }
    assert round(model.log_likelihood_, 1) == -9582.4
    assert all(
        0 < e < v
        for e, v in zip(model.standard_errors_.values(), model.params_.values(), strict=True)
    )


def test_gamma_gamma_reproduces_fader_hardie_2013_on_cdnow(cdnow):
    model = GammaGamma().fit(cdnow)
    # Fader & Hardie (2013), The Gamma-Gamma Model of Monetary Value: p 6.25, q 3.74, γ 15.44
    assert {k: sig3(v) for k, v in model.params_.items()} == {
        "p": "6.25",
        "q": "3.74",
        "gamma": "15.4",
    }
    spend = model.expected_spend(cdnow)
    assert np.isfinite(spend).all() and (spend > 0).all()


def test_predictions_are_probabilities_and_counts_without_nan(cdnow):
    model = BetaGeo().fit(cdnow)
    alive = model.p_alive(cdnow)
    assert np.isfinite(alive).all() and ((alive >= 0) & (alive <= 1)).all()
    assert (alive[cdnow.frequency == 0] == 1).all()
    expected = model.expected_purchases(cdnow, 39)
    assert np.isfinite(expected).all() and (expected >= 0).all()
    # FHL (2005), sec. 5's worked example: x = 2, t_x = 30.43, T = 38.86 → 1.226 in 39 weeks
    assert (cdnow.frequency[0], cdnow.recency[0], cdnow.T[0]) == (2, 30.43, 38.86)
    assert round(float(expected[0]), 3) == 1.226


def test_bad_summaries_are_refused_with_the_row_named():
    with pytest.raises(SummaryError, match="row 2: recency is greater than T"):
        Summary.of([1, 2], [1, 9], [5, 5])
    with pytest.raises(SummaryError, match="row 1: frequency is negative"):
        Summary.of([-1], [0], [5])
    with pytest.raises(SummaryError, match="not a number"):
        Summary.of([1], [float("nan")], [5])
    with pytest.raises(SummaryError, match="no customers"):
        Summary.of([], [], [])
    with pytest.raises(SummaryError, match="nobody bought more than once"):
        BetaGeo().fit(Summary.of([0, 0], [0, 0], [5, 3]))
    with pytest.raises(SummaryError, match="needs monetary_value"):
        GammaGamma().fit(Summary.of([1], [1], [5]))


def test_pareto_nbd_reproduces_fader_hardie_2005_on_cdnow(cdnow):
    from liveloop.analytics.clv.pareto_nbd import ParetoNBD

    model = ParetoNBD().fit(cdnow)
    # Fader & Hardie (2005), Pareto/NBD note: r 0.553, α 10.578, s 0.606, β 11.669, LL −9595.0
    assert {k: sig3(v) for k, v in model.params_.items()} == {
        "r": "0.553",
        "alpha": "10.6",
        "s": "0.606",
        "beta": "11.7",
    }
    assert round(model.log_likelihood_, 1) == -9595.0


def test_fit_clv_cli_prints_json_and_refuses_bad_files(tmp_path):
    import json

    from typer.testing import CliRunner

    from liveloop.cli import app

    rows = _cdnow("cdnow_customers_summary.csv")
    path = tmp_path / "summary.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["frequency", "recency", "T"])
        writer.writerows([r["frequency"], r["recency"], r["T"]] for r in rows)
    runner = CliRunner()
    result = runner.invoke(app, ["analytics", "fit-clv", "--summary", str(path)])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert sig3(body["params"]["r"]) == "0.243" and body["customers"] == 2357
    assert (
        runner.invoke(
            app, ["analytics", "fit-clv", "--summary", str(path), "--model", "gammagamma"]
        ).exit_code
        == 2
    )
    path.write_text("frequency,recency,T\n1,abc,3\n")
    bad = runner.invoke(app, ["analytics", "fit-clv", "--summary", str(path)])
    assert bad.exit_code == 2 and "line 2: recency 'abc' is not a number" in bad.output


def test_folding_identical_rows_changes_nothing_but_the_work(cdnow):
    doubled = Summary.of(
        np.concatenate([cdnow.frequency, cdnow.frequency]),
        np.concatenate([cdnow.recency, cdnow.recency]),
        np.concatenate([cdnow.T, cdnow.T]),
    )
    folded = doubled.compressed()
    assert folded.weights.sum() == 2 * len(cdnow.frequency) and len(folded.frequency) < len(
        cdnow.frequency
    )
    once, twice = BetaGeo().fit(cdnow), BetaGeo().fit(doubled)
    assert round(twice.log_likelihood_, 3) == round(2 * once.log_likelihood_, 3)
    assert {k: sig3(v) for k, v in twice.params_.items()} == {
        k: sig3(v) for k, v in once.params_.items()
    }
