"""BG/NBD at a million customers: liveloop's fit against the ``lifetimes`` package's
BetaGeoFitter on the same summary, in the same run (issue 5 asks for ≥ 10× and a log-likelihood
at least as good).

The summary comes from the simulator's 1M-people orders (cached by bench.identity_recompute):
per person, repeat purchases, recency and age in weeks, counted in whole days. Building it is
not timed; liveloop's fit is timed from the raw (unfolded) summary, so its preparation is in.

    python -m bench.clv_fit            # 1,000,000 people
    python -m bench.clv_fit 100000     # another scale
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from bench.identity_recompute import simulation
from liveloop.analytics.clv.bgnbd import BetaGeo
from liveloop.analytics.clv.predict import predict
from liveloop.analytics.clv.summary import Summary


def summary_of(people: int) -> Summary:
    import duckdb

    sim = simulation(people)
    rows = duckdb.sql(
        f"""
        WITH per AS (
            SELECT t.person_id, DATE_TRUNC('day', o.placed_at) AS day
            FROM read_parquet('{sim}/orders.parquet') o
            JOIN read_parquet('{sim}/truth/orders.parquet') t USING (order_no)
        ), end_day AS (SELECT MAX(day) + INTERVAL 1 DAY AS d FROM per)
        SELECT COUNT(DISTINCT day) - 1 AS frequency,
               DATE_DIFF('day', MIN(day), MAX(day)) / 7.0 AS recency,
               DATE_DIFF('day', MIN(day), (SELECT d FROM end_day)) / 7.0 AS T
        FROM per GROUP BY person_id
        """
    ).fetchnumpy()
    return Summary.of(rows["frequency"], rows["recency"], rows["T"])


def main(people: int = 1_000_000, repeats: int = 3) -> dict[str, Any]:
    summary = summary_of(people)
    # ours: the median of ``repeats`` fits (each a fresh model, nothing cached between them)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        ours = BetaGeo().fit(summary)
        times.append(time.perf_counter() - started)
    ours_s = float(np.median(times))
    started = time.perf_counter()
    predicted = predict(ours, summary)
    predict_s = time.perf_counter() - started
    assert np.isfinite(predicted.purchases_90d).all()

    import pandas as pd
    from lifetimes import BetaGeoFitter

    frame = pd.DataFrame(
        {"frequency": summary.frequency, "recency": summary.recency, "T": summary.T}
    )
    # the peer once (it takes seconds; its run-to-run spread is small next to the ratio)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = BetaGeoFitter().fit(frame["frequency"], frame["recency"], frame["T"])
    peer_s = time.perf_counter() - started
    peer_params = np.array([peer.params_[k] for k in ("r", "alpha", "a", "b")])
    # both log-likelihoods by the same code, on the same summary
    peer_ll = -ours._negative_ll(peer_params, summary)
    ours_ll = -ours._negative_ll(np.array(list(ours.params_.values())), summary)
    result: dict[str, Any] = {
        "customers": float(len(summary.frequency)),
        "repeat_buyers": float((summary.frequency > 0).sum()),
        "liveloop_seconds": ours_s,
        "liveloop_seconds_all": times,
        "predict_seconds": predict_s,
        "lifetimes_seconds": peer_s,
        "speedup": peer_s / ours_s,
        "liveloop_ll": ours_ll,
        "lifetimes_ll": float(peer_ll),
        "ll_difference": ours_ll - float(peer_ll),
    }
    print(
        f"BG/NBD on {len(summary.frequency):,} customers: liveloop {ours_s:.3f} s "
        f"(runs {', '.join(f'{t:.3f}' for t in times)}; LL {ours_ll:,.3f}), "
        f"lifetimes {peer_s:.2f} s (LL {peer_ll:,.3f}); {peer_s / ours_s:.1f}x faster; "
        f"LL difference {ours_ll - peer_ll:+.2e}; predict() {predict_s:.2f} s\n"
        f"liveloop {ours.params_}\nlifetimes {dict(peer.params_)}"
    )
    return result


if __name__ == "__main__":
    import sys

    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
