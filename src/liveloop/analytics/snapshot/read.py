"""Open a snapshot on an engine as the tables every job reads.

- ``customers``: the people who stand now (not merged into someone else);
- ``customer_map``: every customer id ever exported → the person it stands for now;
- ``orders``: each order's newest version, its ``customer_id`` followed through merges;
- ``order_items``, ``order_lines`` (items with their order's person, time and status and the
  product's category, ``amount`` = quantity × unit price);
- ``events``: tracked and domain events, their ``customer_id`` followed through merges;
- ``products``, ``live_sessions``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from liveloop.analytics.engine import Engine
from liveloop.analytics.snapshot.files import Snapshot
from liveloop.analytics.snapshot.tables import TABLES, SnapshotTable


def open_snapshot(engine: Engine, snapshot: Snapshot) -> None:
    manifest = snapshot.manifest()
    for table in TABLES:
        paths = snapshot.paths(table, manifest)
        if paths:
            engine.register_files(f"raw_{table.name}", paths)
        else:
            engine.load_arrow(f"raw_{table.name}", table.schema.empty_table())
        # reference tables are read as they are; the others are shaped further below
        engine.create(table.name if table.mode == "full" else f"snap_{table.name}", _newest(table))
    engine.load_arrow(
        "customer_map",
        _people(engine.arrow("SELECT customer_id, merged_into_id FROM snap_customers")),
    )
    engine.create(
        "customers",
        "SELECT customer_id, created_at, province, city, member_tier FROM snap_customers "
        "WHERE merged_into_id IS NULL",
    )
    engine.create(
        "orders",
        """
        SELECT o.order_id, o.order_no, COALESCE(m.person_id, o.customer_id) AS customer_id,
               o.channel, o.status, o.counted, o.total, o.discount, o.coupon_code,
               o.live_session_id, o.leader_id, o.pickup_id, o.placed_at
        FROM snap_orders o LEFT JOIN customer_map m ON m.customer_id = o.customer_id
        """,
    )
    engine.create(
        "order_lines",
        """
        SELECT i.item_id, i.order_id, o.customer_id, o.placed_at, o.counted, o.channel,
               o.live_session_id, i.sku, COALESCE(p.category, '未分类') AS category,
               i.quantity, i.unit_price, i.quantity * i.unit_price AS amount
        FROM snap_order_items i
        JOIN orders o ON o.order_id = i.order_id
        LEFT JOIN products p ON p.sku = i.sku
        """,
    )
    engine.create(
        "events",
        """
        SELECT e.event_id, e.name, e.type, COALESCE(m.person_id, e.customer_id) AS customer_id,
               e.timestamp, e.channel, e.live_session_id, e.sku, e.watch_seconds
        FROM snap_events e LEFT JOIN customer_map m ON m.customer_id = e.customer_id
        """,
    )
    engine.drop(*(f"snap_{name}" for name in ("orders", "order_items", "events")))


def _newest(table: SnapshotTable) -> str:
    columns = ", ".join(name for name in table.schema.names if name != "month")
    if table.mode != "versioned":
        return f"SELECT {columns} FROM raw_{table.name}"
    return (
        f"SELECT {columns} FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY {table.key} "
        f"ORDER BY updated_at DESC) AS version_rank FROM raw_{table.name}) newest "
        "WHERE version_rank = 1"
    )


def _people(merges: pa.Table) -> pa.Table:
    """Follow ``merged_into_id`` chains to their end, by pointer jumping (log of the depth)."""
    ids = merges.column("customer_id").to_numpy()
    order = np.argsort(ids)
    ids = ids[order]
    into = merges.column("merged_into_id").fill_null(-1).to_numpy()[order]
    parent = np.arange(len(ids))
    position = np.searchsorted(ids, into)
    known = (into >= 0) & (position < len(ids))
    known[known] &= ids[position[known]] == into[known]
    parent[known] = position[known]
    for _ in range(64):
        jumped = parent[parent]
        if np.array_equal(jumped, parent):
            break
        parent = jumped
    return pa.table({"customer_id": ids, "person_id": ids[parent]})
