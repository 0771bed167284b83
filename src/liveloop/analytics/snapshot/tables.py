"""The snapshot's tables: what analytics jobs may read, in DuckDB's type names.

Each table is refreshed one of three ways:
- ``append``: immutable rows, exported past the last id seen (order lines, events);
- ``versioned``: rows that change, exported past the last ``updated_at`` seen (with an overlap,
  since a transaction may commit after a later one stamped a newer time); readers keep the
  newest version of each key;
- ``full``: small reference tables, rewritten each time (products, live sessions).
``partition`` names the timestamp whose month becomes the file's directory, so a job reading a
recent window touches only recent files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

from liveloop.analytics.engine import Columns, arrow_schema

Mode = Literal["append", "versioned", "full"]


@dataclass(frozen=True)
class SnapshotTable:
    name: str
    columns: Columns
    mode: Mode
    key: str
    partition: str | None = None

    @property
    def schema(self) -> pa.Schema:
        return arrow_schema(self.columns)


CUSTOMERS = SnapshotTable(
    "customers",
    (
        ("customer_id", "BIGINT"),
        ("merged_into_id", "BIGINT"),
        ("created_at", "TIMESTAMP"),
        ("province", "VARCHAR"),
        ("city", "VARCHAR"),
        ("member_tier", "VARCHAR"),
        ("updated_at", "TIMESTAMP"),
    ),
    "versioned",
    "customer_id",
)
ORDERS = SnapshotTable(
    "orders",
    (
        ("order_id", "BIGINT"),
        ("order_no", "VARCHAR"),
        ("customer_id", "BIGINT"),
        ("channel", "VARCHAR"),
        ("status", "VARCHAR"),
        ("counted", "BOOLEAN"),  # paid or completed: a purchase that stands
        ("total", "DOUBLE"),  # yuan; on a counted order, less what was refunded of it
        ("discount", "DOUBLE"),
        ("coupon_code", "VARCHAR"),
        ("live_session_id", "BIGINT"),
        ("leader_id", "BIGINT"),
        ("pickup_id", "BIGINT"),
        ("placed_at", "TIMESTAMP"),
        ("updated_at", "TIMESTAMP"),
        ("month", "VARCHAR"),
    ),
    "versioned",
    "order_id",
    partition="placed_at",
)
ORDER_ITEMS = SnapshotTable(
    "order_items",
    (
        ("item_id", "BIGINT"),
        ("order_id", "BIGINT"),
        ("sku", "VARCHAR"),
        ("quantity", "BIGINT"),
        ("unit_price", "DOUBLE"),
    ),
    "append",
    "item_id",
)
EVENTS = SnapshotTable(
    "events",
    (
        ("event_id", "BIGINT"),
        ("name", "VARCHAR"),
        ("type", "VARCHAR"),
        ("customer_id", "BIGINT"),
        ("timestamp", "TIMESTAMP"),
        ("channel", "VARCHAR"),  # context.channel
        ("live_session_id", "BIGINT"),
        ("sku", "VARCHAR"),
        ("watch_seconds", "BIGINT"),
        ("month", "VARCHAR"),
    ),
    "append",
    "event_id",
    partition="timestamp",
)
PRODUCTS = SnapshotTable(
    "products",
    (
        ("sku", "VARCHAR"),
        ("name", "VARCHAR"),
        ("category", "VARCHAR"),
        ("price", "DOUBLE"),
        ("shelf_life_days", "BIGINT"),
        ("cold_chain", "BOOLEAN"),
    ),
    "full",
    "sku",
)
LIVE_SESSIONS = SnapshotTable(
    "live_sessions",
    (
        ("live_session_id", "BIGINT"),
        ("room", "VARCHAR"),
        ("title", "VARCHAR"),
        ("host", "VARCHAR"),
        ("started_at", "TIMESTAMP"),
        ("ended_at", "TIMESTAMP"),
        ("cost", "DOUBLE"),  # the sum of the session's cost inputs, yuan
    ),
    "full",
    "live_session_id",
)

TABLES: tuple[SnapshotTable, ...] = (
    CUSTOMERS,
    ORDERS,
    ORDER_ITEMS,
    EVENTS,
    PRODUCTS,
    LIVE_SESSIONS,
)
BY_NAME = {table.name: table for table in TABLES}
