"""BG/NBD at a million customers: liveloop's fit against the ``lifetimes`` package's
BetaGeoFitter on the same summary, in the same run (issue 5 asks for ≥ 10× and a log-likelihood
at least as good).

The summary comes from the simulator's 1M-people orders (cached by bench.identity_recompute):
per person, repeat purchases, recency and age in weeks, counted in whole days.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from bench.identity_recompute import simulation
from liveloop.analytics.clv.models import BetaGeo
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


def main(people: int = 1_000_000) -> dict[str, float]:
    summary = summary_of(people)
    started = time.perf_counter()
    ours = BetaGeo().fit(summary)
    ours_s = time.perf_counter() - started

    import pandas as pd
    from lifetimes import BetaGeoFitter

    frame = pd.DataFrame(
        {"frequency": summary.frequency, "recency": summary.recency, "T": summary.T}
    )
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = BetaGeoFitter().fit(frame["frequency"], frame["recency"], frame["T"])
    peer_s = time.perf_counter() - started
    peer_params = np.array([peer.params_[k] for k in ("r", "alpha", "a", "b")])
    peer_ll = -ours._negative_ll(peer_params, summary)
    result = {
        "customers": float(len(summary.frequency)),
        "liveloop_seconds": ours_s,
        "lifetimes_seconds": peer_s,
        "speedup": peer_s / ours_s,
        "liveloop_ll": ours.log_likelihood_,
        "lifetimes_ll": float(peer_ll),
    }
    print(
        f"BG/NBD on {len(summary.frequency):,} customers: liveloop {ours_s:.2f} s "
        f"(LL {ours.log_likelihood_:,.1f}), lifetimes {peer_s:.2f} s (LL {peer_ll:,.1f}); "
        f"{peer_s / ours_s:.1f}x faster; params {ours.params_}"
    )
    return result


if __name__ == "__main__":
    main()
