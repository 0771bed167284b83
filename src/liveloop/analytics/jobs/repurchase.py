"""Repurchase: per person and SKU, how long a staple lasts them, when it runs out, when to remind.

Evidence comes from counted order lines. A *trip* is a person's first purchase of a SKU on a
local day (two orders of milk on one day are one trip); the *gaps* between a person's trips of a
SKU are what we learn from. Everything is fitted in log space: paces are multiplicative (a
household of two eats half as fast), so a geometric mean is the natural average.

1. **Which SKUs have a cycle.** A SKU's cycle is *known* when at least ``MIN_HABITS`` people
   have two or more gaps of it and those gaps are regular: the median over them of the standard
   deviation of their log gaps is at most ``MAX_IRREGULARITY`` (a typical gap within about ±40 %
   of the person's own). On the simulator staples sit at 0.1–0.2, add-ons that ride along with a
   staple (蚝油 with 酱油) at 0.3–0.4, impulse items at 0.6–2. A SKU whose trips fall
   ``FESTIVAL_SHARE`` or more into its three busiest months is *festival-only* (粽子, 月饼: bought
   again next season, not on a cycle) — unless the shop's own trips are as concentrated (a
   young shop). A SKU with too few regular buyers to judge is *new*.
2. **Season.** Fresh food and dairy run out faster in summer. Per category and local month, the
   mean log ratio of the gaps starting that month to their person's own mean gap (over cyclic
   SKUs), shrunk toward 0 with ``SEASON_PSEUDO_GAPS`` pseudo-gaps and centred over the twelve
   months, is the month's log factor; gaps are divided by the factor of the month they start in.
   The person's mean is itself deseasonalised by the previous round's factors (backfitting,
   ``SEASON_ROUNDS`` rounds): a person seen only in summer would otherwise hide the season.
3. **Population interval.** A cyclic SKU's is the median of its regular buyers' own intervals; a
   new SKU falls back to min(shelf life, ``FALLBACK_CYCLE_DAYS``) — a staple is used up before
   it spoils, and shelf-stable rice (365 days) says nothing about a cycle.
4. **Shrinkage.** A person's interval is their own mean log gap over n gaps, weighted
   n / (n + k) against the population's. k = σ²/τ²: the within-person variance of one log gap
   over the between-person variance of true paces (normal–normal empirical Bayes), estimated per
   SKU by the method of moments with robust moments (median variance, MAD), clipped to
   [``MIN_K``, ``MAX_K``], ``DEFAULT_K`` when a SKU has too few people. On the simulator k ≈ 0.3:
   people keep their own pace, so their own gaps dominate from the first one on.
5. **Dates.** The next interval is the deseasonalised interval times the factor of the month of
   the last trip; run-out = last trip + interval; reminder = run-out − ``reminder_lead_days``.

Who gets a prediction: everyone who bought a cyclic SKU (a first-time buyer gets the population
interval: the reminder that turns a trial into a habit), and people with two or more trips of a
new SKU. Nobody for festival-only or irregular SKUs: a reminder on a random interval is noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from liveloop.analytics.engine import Engine, arrow_schema
from liveloop.analytics.jobs.base import JobOutput, RunContext
from liveloop.analytics.jobs.timing import days_between, local_date, local_month

MIN_HABITS = 5  # people with ≥ 2 gaps before a SKU's cycle counts as known
MAX_IRREGULARITY = 0.4  # median within-person sd of log gaps for a cyclic SKU
FESTIVAL_SHARE = 0.75  # share of trips in the busiest 3 months (uniform buying: 0.25)
FESTIVAL_MIN_TRIPS = 10  # fewer trips than this cannot show a season
SHOP_SEASON_SHARE = 0.5  # ... while the shop's trips in those months stay under this share
SEASON_PSEUDO_GAPS = 30.0
SEASON_ROUNDS = 4
FALLBACK_CYCLE_DAYS = 30.0
DEFAULT_K, MIN_K, MAX_K = 1.0, 0.25, 10.0
MIN_GAP_DAYS = 1.0  # trips are on different local days, however close in hours

COLUMNS = (
    ("customer_id", "BIGINT"),
    ("sku", "VARCHAR"),
    ("purchases", "INTEGER"),
    ("interval_days", "DOUBLE"),
    ("last_purchase_at", "TIMESTAMP"),
    ("runout_at", "TIMESTAMP"),
    ("remind_at", "TIMESTAMP"),
)
SEASON_COLUMNS = (("category", "VARCHAR"), ("month", "INTEGER"), ("log_factor", "DOUBLE"))
# Per category and month: gaps of regular buyers of cyclic SKUs against their person's own
# deseasonalised mean (by the current factors); a few rounds of this backfitting converge.
SEASON_RATIOS = """
    SELECT g.category, g.month, SUM(g.log_gap - p.mean_log) AS ratio, COUNT(*) AS gaps
    FROM repurchase_gaps g
    JOIN (
        SELECT d.customer_id, d.sku, AVG(d.log_gap - COALESCE(s.log_factor, 0.0)) AS mean_log
        FROM repurchase_gaps d
        LEFT JOIN repurchase_seasons s ON s.category = d.category AND s.month = d.month
        GROUP BY d.customer_id, d.sku HAVING COUNT(*) >= 2
    ) p ON p.customer_id = g.customer_id AND p.sku = g.sku
    JOIN repurchase_cyclic c ON c.sku = g.sku
    GROUP BY g.category, g.month
"""
SCRATCH = ("repurchase_trips", "repurchase_gaps", "repurchase_seasons", "repurchase_habits")


@dataclass(frozen=True)
class SkuCycle:
    """What we know of one SKU's cycle. ``state``: cyclic | new | irregular | festival."""

    sku: str
    state: str
    population_days: float | None
    k: float
    regular_buyers: int


class RepurchaseJob:
    name: ClassVar[str] = "repurchase"
    after: ClassVar[tuple[str, ...]] = ()
    score_columns: ClassVar[tuple[str, ...]] = ()

    def run(self, engine: Engine, context: RunContext) -> JobOutput:
        _trips_and_gaps(engine, context)
        states = classify_skus(
            engine.arrow(
                "SELECT sku, COUNT(*) AS gaps, STDDEV_SAMP(log_gap) AS spread "
                "FROM repurchase_gaps GROUP BY customer_id, sku HAVING COUNT(*) >= 2"
            ),
            engine.arrow(
                f"SELECT sku, {local_month('bought_at', context)} AS month, COUNT(*) AS trips "
                f"FROM repurchase_trips GROUP BY sku, {local_month('bought_at', context)}"
            ),
        )
        engine.load_arrow("repurchase_cyclic", _sku_list([s for s, v in states.items() if v]))
        seasons = arrow_schema(SEASON_COLUMNS).empty_table()
        for _ in range(SEASON_ROUNDS):
            engine.load_arrow("repurchase_seasons", seasons)
            seasons = fit_seasons(engine.arrow(SEASON_RATIOS))
        engine.load_arrow("repurchase_seasons", seasons)
        engine.create("repurchase_habits", _habits_query(context))
        cycles = fit_cycles(
            engine.arrow(
                "SELECT sku, gaps, own_log, spread_log FROM repurchase_habits WHERE gaps >= 2"
            ),
            engine.arrow("SELECT sku, shelf_life_days FROM products"),
            states,
        )
        habits = engine.arrow(
            "SELECT customer_id, sku, category, purchases, gaps, own_log, last_purchase_at, "
            "last_month FROM repurchase_habits"
        )
        predictions = predict(habits, cycles, seasons, context)
        engine.load_arrow("repurchase", predictions)
        engine.drop(*SCRATCH, "repurchase_cyclic")
        return JobOutput(
            repurchase="repurchase", diagnostics=_diagnostics(predictions, cycles, seasons)
        )


def _trips_and_gaps(engine: Engine, context: RunContext) -> None:
    engine.create(
        "repurchase_trips",
        f"""
        SELECT l.customer_id, l.sku, MIN(l.category) AS category, MIN(l.placed_at) AS bought_at
        FROM order_lines l JOIN customers c ON c.customer_id = l.customer_id
        WHERE l.counted AND l.sku IS NOT NULL AND l.placed_at <= {context.as_of_sql}
        GROUP BY l.customer_id, l.sku, {local_date("l.placed_at", context)}
        """,
    )
    engine.create(
        "repurchase_gaps",
        f"""
        SELECT customer_id, sku, category, {local_month("previous_at", context)} AS month,
               LN(GREATEST({days_between("previous_at", "bought_at")}, {MIN_GAP_DAYS}))
                   AS log_gap
        FROM (
            SELECT customer_id, sku, category, bought_at,
                   LAG(bought_at) OVER (PARTITION BY customer_id, sku ORDER BY bought_at)
                       AS previous_at
            FROM repurchase_trips
        ) t
        WHERE previous_at IS NOT NULL
        """,
    )


def _habits_query(context: RunContext) -> str:
    """Per person and SKU: trips, the last one, and the deseasonalised log gaps' mean/spread."""
    return f"""
        SELECT t.customer_id, t.sku, t.category, t.purchases, t.last_purchase_at,
               {local_month("t.last_purchase_at", context)} AS last_month,
               COALESCE(g.gaps, 0) AS gaps, g.own_log, g.spread_log
        FROM (
            SELECT customer_id, sku, MIN(category) AS category, COUNT(*) AS purchases,
                   MAX(bought_at) AS last_purchase_at
            FROM repurchase_trips GROUP BY customer_id, sku
        ) t
        LEFT JOIN (
            SELECT g.customer_id, g.sku, COUNT(*) AS gaps,
                   AVG(g.log_gap - COALESCE(s.log_factor, 0.0)) AS own_log,
                   STDDEV_SAMP(g.log_gap - COALESCE(s.log_factor, 0.0)) AS spread_log
            FROM repurchase_gaps g
            LEFT JOIN repurchase_seasons s ON s.category = g.category AND s.month = g.month
            GROUP BY g.customer_id, g.sku
        ) g ON g.customer_id = t.customer_id AND g.sku = t.sku
    """


def classify_skus(spreads: pa.Table, months: pa.Table) -> dict[str, bool | str]:
    """SKU → True (cyclic), False (new), or "irregular" / "festival" (no predictions).

    ``spreads``: one row per person with ≥ 2 gaps of a SKU (sku, spread = sd of log gaps);
    ``months``: trips per SKU and local month."""
    festival = _festival_skus(months)
    states: dict[str, bool | str] = {}
    for sku, rows in _by_sku(spreads).items():
        spread = np.asarray(rows["spread"], dtype=float)
        if len(spread) >= MIN_HABITS:
            states[sku] = bool(np.median(spread) <= MAX_IRREGULARITY) or "irregular"
    for sku in festival:
        states[sku] = "festival"
    return states


def _festival_skus(months: pa.Table) -> set[str]:
    """SKUs bought mostly in their three busiest months, when the shop as a whole is not
    (a young shop with two months of history has no festivals to show yet)."""
    shop = np.zeros(12)
    by_sku = _by_sku(months)
    for rows in by_sku.values():
        np.add.at(shop, rows["month"].astype(int) - 1, rows["trips"].astype(float))
    festival = set()
    for sku, rows in by_sku.items():
        trips = np.zeros(12)
        np.add.at(trips, rows["month"].astype(int) - 1, rows["trips"].astype(float))
        busiest = np.argsort(-trips, kind="stable")[:3]
        if (
            trips.sum() >= FESTIVAL_MIN_TRIPS
            and trips[busiest].sum() / trips.sum() >= FESTIVAL_SHARE
            and shop[busiest].sum() / shop.sum() <= SHOP_SEASON_SHARE
        ):
            festival.add(sku)
    return festival


def fit_seasons(ratios: pa.Table) -> pa.Table:
    """Per category and month, the shrunk, centred log factor (see the module docstring).

    ``ratios``: category, month, ratio (sum of log gap − person's mean log gap), gaps."""
    rows = []
    for category, data in _by_key(ratios, "category").items():
        factor = np.zeros(12)
        for month, ratio, gaps in zip(data["month"], data["ratio"], data["gaps"], strict=True):
            factor[int(month) - 1] = float(ratio) / (float(gaps) + SEASON_PSEUDO_GAPS)
        factor -= factor.mean()
        rows += [
            {"category": category, "month": m + 1, "log_factor": round(float(f), 6)}
            for m, f in enumerate(factor)
        ]
    return pa.Table.from_pylist(rows, schema=arrow_schema(SEASON_COLUMNS))


def fit_cycles(
    habits: pa.Table, products: pa.Table, states: dict[str, bool | str]
) -> dict[str, SkuCycle]:
    """Per SKU: population interval and shrinkage k from its regular buyers.

    ``habits``: one row per person with ≥ 2 gaps (sku, gaps, own_log, spread_log), gaps
    deseasonalised; ``products``: sku, shelf_life_days."""
    by_sku = _by_sku(habits)
    shelf = dict(
        zip(
            products.column("sku").to_pylist(),
            products.column("shelf_life_days").to_pylist(),
            strict=True,
        )
    )
    cycles = {}
    for sku in sorted(set(shelf) | set(states) | set(by_sku)):
        state = states.get(sku, False)
        label = "cyclic" if state is True else "new" if state is False else str(state)
        rows = by_sku.get(sku)
        if label == "cyclic" and rows is not None:
            own = np.asarray(rows["own_log"], dtype=float)
            population = math.exp(float(np.median(own)))
            k = _shrinkage(own, np.asarray(rows["spread_log"], float), np.asarray(rows["gaps"]))
            buyers = len(own)
        else:
            life = shelf.get(sku)
            population = min(float(life), FALLBACK_CYCLE_DAYS) if life else FALLBACK_CYCLE_DAYS
            k, buyers = DEFAULT_K, 0 if rows is None else len(rows["own_log"])
        cycles[sku] = SkuCycle(sku, label, round(population, 4), round(k, 4), buyers)
    return cycles


def _shrinkage(own: np.ndarray, spread: np.ndarray, gaps: np.ndarray) -> float:
    """k = σ²/τ² by robust moments: σ² the median within-person variance of a log gap,
    τ² the (MAD) variance of people's own means less the part their noise explains."""
    if len(own) < MIN_HABITS:
        return DEFAULT_K
    within = float(np.median(spread**2))
    total = (1.4826 * float(np.median(np.abs(own - np.median(own))))) ** 2
    between = total - within * float(np.median(1.0 / gaps))
    if between <= 0:
        return MAX_K
    return min(MAX_K, max(MIN_K, within / between))


def predict(
    habits: pa.Table, cycles: dict[str, SkuCycle], seasons: pa.Table, context: RunContext
) -> pa.Table:
    """The predictions table (``COLUMNS``) from per person × SKU habits."""
    schema = arrow_schema(COLUMNS)
    if habits.num_rows == 0:
        return schema.empty_table()
    skus = habits.column("sku").to_pylist()
    purchases = np.asarray(habits.column("purchases").to_numpy(zero_copy_only=False), int)
    gaps = np.asarray(habits.column("gaps").to_numpy(zero_copy_only=False), float)
    own = np.asarray(habits.column("own_log").fill_null(0.0).to_numpy(), float)
    unseen = SkuCycle("", "new", FALLBACK_CYCLE_DAYS, DEFAULT_K, 0)  # not in products
    known = [cycles.get(sku, unseen) for sku in skus]
    keep = np.array(
        [
            c.state == "cyclic" or (c.state == "new" and n >= 2)
            for c, n in zip(known, purchases, strict=True)
        ],
        dtype=bool,
    )
    population = np.log([c.population_days or FALLBACK_CYCLE_DAYS for c in known])
    k = np.array([c.k for c in known])
    weight = gaps / (gaps + k)
    season = _season_lookup(seasons)
    month_factor = np.array(
        [
            season.get((category, month), 0.0)
            for category, month in zip(
                habits.column("category").to_pylist(),
                habits.column("last_month").to_pylist(),
                strict=True,
            )
        ]
    )
    interval = np.round(np.exp(weight * own + (1 - weight) * population + month_factor), 3)
    last = pc.cast(habits.column("last_purchase_at"), pa.timestamp("us"))
    runout = _plus_days(last, interval)
    remind = _plus_days(runout, np.full(len(interval), -float(context.reminder_lead_days)))
    table = pa.table(
        {
            "customer_id": habits.column("customer_id"),
            "sku": habits.column("sku"),
            "purchases": pa.array(purchases, pa.int32()),
            "interval_days": pa.array(interval, pa.float64()),
            "last_purchase_at": last,
            "runout_at": runout,
            "remind_at": remind,
        }
    )
    return table.filter(pa.array(keep)).cast(schema)


def _plus_days(times: pa.ChunkedArray | pa.Array, days: np.ndarray) -> pa.Array:
    micros = np.round(days * 86_400).astype(np.int64) * 1_000_000
    base = pc.cast(times, pa.int64()).to_numpy(zero_copy_only=False)
    return pa.array(base + micros, pa.int64()).cast(pa.timestamp("us"))


def _season_lookup(seasons: pa.Table) -> dict[tuple[str, int], float]:
    return {
        (c, int(m)): float(f)
        for c, m, f in zip(
            seasons.column("category").to_pylist(),
            seasons.column("month").to_pylist(),
            seasons.column("log_factor").to_pylist(),
            strict=True,
        )
    }


def _sku_list(skus: list[str]) -> pa.Table:
    return pa.table({"sku": pa.array(sorted(skus), pa.string())})


def _by_sku(data: pa.Table) -> dict[str, dict[str, np.ndarray]]:
    return _by_key(data, "sku")


def _by_key(data: pa.Table, key: str) -> dict[str, dict[str, np.ndarray]]:
    """Rows grouped by ``key``: each group's other columns as arrays, rows in a stable (sorted)
    order, so both engines' row orders give the same fits."""
    if data.num_rows == 0:
        return {}
    data = data.sort_by([(name, "ascending") for name in data.column_names])
    keys = data.column(key).to_pylist()
    starts = [0] + [i for i in range(1, len(keys)) if keys[i] != keys[i - 1]]
    ends = [*starts[1:], len(keys)]
    columns = {
        name: data.column(name).to_numpy(zero_copy_only=False)
        for name in data.column_names
        if name != key
    }
    return {
        keys[start]: {name: values[start:end] for name, values in columns.items()}
        for start, end in zip(starts, ends, strict=True)
    }


def _diagnostics(
    predictions: pa.Table, cycles: dict[str, SkuCycle], seasons: pa.Table
) -> dict[str, Any]:
    factors: dict[str, list[float]] = {}
    for (category, _month), log_factor in sorted(_season_lookup(seasons).items()):
        factors.setdefault(category, []).append(round(math.exp(log_factor), 3))
    return {
        "predictions": predictions.num_rows,
        "people": len(set(predictions.column("customer_id").to_pylist())),
        "skus": {
            c.sku: {
                "state": c.state,
                "population_interval_days": c.population_days if c.state == "cyclic" else None,
                "k": c.k if c.state == "cyclic" else None,
                "regular_buyers": c.regular_buyers,
            }
            for c in cycles.values()
        },
        "season_factors": factors,  # category → interval multiplier for months 1–12
    }


JOB = RepurchaseJob()
