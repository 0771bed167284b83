"""Write a simulation to a directory of Parquet files, plus ``truth/`` and ``truth.json``.

    DIR/catalog.parquet  live_sessions.parquet  leaders.parquet  groups.parquet
        warehouses.parquet  stock.parquet                      (the brand's fixed world)
    DIR/customers.parquet  orders.parquet  order_items.parquet  events.parquet
        group_members.parquet                                  (what its systems export)
    DIR/truth/people.parquet  identifiers.parquet  staples.parquet  orders.parquet
        comments.parquet                                       (what was planted)
    DIR/truth.json                                             (config, rules, rates, counts)

Tables are streamed in row groups of about 128k rows, so memory stays flat. Parquet files carry
no wall-clock metadata, so the same config gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from liveloop.sim.catalog import BASKET_RULES, CATALOG, FESTIVAL_WINDOWS, season_factor
from liveloop.sim.config import SimConfig
from liveloop.sim.generate import simulate, world_for
from liveloop.sim.identities import PLACEHOLDER_DEVICES, PLACEHOLDER_PHONES, SHARED_TABLETS
from liveloop.sim.tables import MONEY, SCHEMAS, TS
from liveloop.sim.world import World

TRUTH_TABLES = {
    "truth_people": "truth/people",
    "truth_identifiers": "truth/identifiers",
    "truth_staples": "truth/staples",
    "truth_orders": "truth/orders",
    "truth_comments": "truth/comments",
}


def _path(out: Path, table: str) -> Path:
    return out / f"{TRUTH_TABLES.get(table, table)}.parquet"


def write_files(
    config: SimConfig,
    out: Path,
    *,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Simulate into ``out``; returns row counts per table."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(exist_ok=True)
    world = world_for(config)
    counts = _write_world(world, out)
    writers = {
        name: _RowGroupWriter(pq.ParquetWriter(_path(out, name), schema, compression="zstd"))
        for name, schema in SCHEMAS.items()
    }
    counts.update(dict.fromkeys(SCHEMAS, 0))
    try:
        for chunk in simulate(config, workers=workers):
            for name, rows in chunk.tables().items():
                writers[name].add(chunk.arrow(name))
                counts[name] += len(rows)
            if progress:
                progress(min(config.customers, chunk.first_person + config.chunk_size))
        shared = _shared_identifiers()
        writers["truth_identifiers"].add(shared)
        counts["truth_identifiers"] += shared.num_rows
    finally:
        for writer in writers.values():
            writer.close()
    (out / "truth.json").write_text(
        json.dumps(truth_summary(config, counts), ensure_ascii=False, indent=2, sort_keys=True)
    )
    return counts


class _RowGroupWriter:
    """Buffers chunks into row groups of ``ROW_GROUP`` rows: few, large row groups read fast
    in DuckDB and Spark, and the footer stays small however many chunks there are."""

    ROW_GROUP = 128_000

    def __init__(self, writer: pq.ParquetWriter) -> None:
        self.writer = writer
        self.pending: list[pa.Table] = []
        self.rows = 0

    def add(self, table: pa.Table) -> None:
        self.pending.append(table)
        self.rows += table.num_rows
        if self.rows >= self.ROW_GROUP:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.writer.write_table(pa.concat_tables(self.pending), row_group_size=self.rows)
        self.pending, self.rows = [], 0

    def close(self) -> None:
        self.flush()
        self.writer.close()


def _shared_identifiers() -> pa.Table:
    """Values that belong to nobody (placeholders) or to many (the store tablets)."""
    shared = (
        [("phone", v, "placeholder") for v in PLACEHOLDER_PHONES]
        + [("device_id", v, "placeholder") for v in PLACEHOLDER_DEVICES]
        + [("device_id", v, "shared_device") for v in SHARED_TABLETS]
    )
    rows = [
        {
            "type": kind,
            "value": value,
            "person_id": None,
            "valid_from": None,
            "valid_to": None,
            "trap": trap,
        }
        for kind, value, trap in shared
    ]
    return pa.Table.from_pylist(rows, schema=SCHEMAS["truth_identifiers"])


def _write(table: pa.Table, path: Path) -> int:
    pq.write_table(table, path, compression="zstd")
    return table.num_rows


def _write_world(world: World, out: Path) -> dict[str, int]:
    catalog = pa.Table.from_pylist(
        [
            {
                "sku": s.sku,
                "name": s.name,
                "category": s.category,
                "price": s.price,
                "shelf_life_days": s.shelf_life_days,
                "cold_chain": s.cold_chain,
                "regions": list(s.regions),
                "cycle_days": s.cycle_days,
                "festival": s.festival,
            }
            for s in CATALOG
        ],
        schema=pa.schema(
            [
                ("sku", pa.string()),
                ("name", pa.string()),
                ("category", pa.string()),
                ("price", MONEY),
                ("shelf_life_days", pa.int32()),
                ("cold_chain", pa.bool_()),
                ("regions", pa.list_(pa.string())),
                ("cycle_days", pa.int32()),
                ("festival", pa.string()),
            ]
        ),
    )
    lives = pa.Table.from_pylist(
        [
            {
                "session_id": v.session_id,
                "room": v.room,
                "title": v.title,
                "host": v.host,
                "platform": v.platform,
                "starts_at": v.starts_at,
                "duration_min": v.duration_min,
                "featured": list(v.featured),
                "live_prices": [str(p) for p in v.live_prices],
            }
            for v in world.lives
        ],
        schema=pa.schema(
            [
                ("session_id", pa.int32()),
                ("room", pa.string()),
                ("title", pa.string()),
                ("host", pa.string()),
                ("platform", pa.string()),
                ("starts_at", TS),
                ("duration_min", pa.int32()),
                ("featured", pa.list_(pa.string())),
                ("live_prices", pa.list_(pa.string())),
            ]
        ),
    )
    leaders = pa.Table.from_pylist(
        [
            {
                "leader_id": v.leader_id,
                "name": v.name,
                "province": v.city.province,
                "city": v.city.city,
                "pickup_id": v.pickup_id,
                "pickup_name": v.pickup_name,
                "lat": v.lat,
                "lon": v.lon,
                "parent_id": v.parent_id,
                "joined_on": v.joined_on,
            }
            for v in world.leaders
        ]
    )
    groups = pa.Table.from_pylist(
        [
            {"group_id": g.group_id, "name": g.name, "kind": g.kind, "leader_id": g.leader_id}
            for g in world.groups
        ],
        schema=pa.schema(
            [
                ("group_id", pa.int32()),
                ("name", pa.string()),
                ("kind", pa.string()),
                ("leader_id", pa.int32()),
            ]
        ),
    )
    warehouses = pa.Table.from_pylist(
        [
            {
                "warehouse_id": w.warehouse_id,
                "name": w.name,
                "city": w.city.city,
                "lat": w.city.lat,
                "lon": w.city.lon,
                "cold_chain": w.cold_chain,
            }
            for w in world.warehouses
        ]
    )
    stock = pa.Table.from_pylist(
        [{"warehouse_id": w, "sku": s, "units": u} for w, s, u in world.stock]
    )
    return {
        "catalog": _write(catalog, out / "catalog.parquet"),
        "live_sessions": _write(lives, out / "live_sessions.parquet"),
        "leaders": _write(leaders, out / "leaders.parquet"),
        "groups": _write(groups, out / "groups.parquet"),
        "warehouses": _write(warehouses, out / "warehouses.parquet"),
        "stock": _write(stock, out / "stock.parquet"),
    }


def truth_summary(config: SimConfig, counts: dict[str, int]) -> dict:
    world = world_for(config)
    return {
        "config": config.as_dict(),
        "counts": counts,
        "basket_rules": [asdict(rule) for rule in BASKET_RULES],
        "sku_cycles_days": {s.sku: s.cycle_days for s in CATALOG if s.cycle_days},
        "season_factor": {
            category: [round(season_factor(category, m), 4) for m in range(1, 13)]
            for category in ("乳品", "生鲜蛋品")
        },
        "festival_windows": {k: [list(w) for w in v] for k, v in FESTIVAL_WINDOWS.items()},
        "live_funnel": {
            "click_given_view": config.funnel_click,
            "cart_given_click": config.funnel_cart,
            "checkout_given_cart": config.funnel_checkout,
            "pay_given_checkout": config.funnel_pay,
            "applies_to": "views by buyers between their first order and dropping out; the "
            "product is a featured SKU of the viewer's regional pool that is not one of their "
            "staples (a view with no such SKU never clicks)",
        },
        "live_drop_minutes": {str(v.session_id): v.drop_minute for v in world.lives},
        "live_drop_share": config.live_drop_share,
        "identity_traps": {
            "placeholder_phones": list(PLACEHOLDER_PHONES),
            "placeholder_devices": list(PLACEHOLDER_DEVICES),
            "shared_devices": list(SHARED_TABLETS),
            "reassigned_phone": "person 2k gives up a number that person 2k+1 owns after valid_to",
            "typo": "a CRM phone whose 3-digit prefix is mistyped (a number nobody is issued); "
            "the truth gives it to the member on that row",
        },
        "dropout": {
            "share_never_buy": config.share_never_buy,
            "share_one_off": config.share_one_off,
            "one_off_beta": list(config.one_off_dropout),
            "loyal_beta": list(config.loyal_dropout),
        },
    }
