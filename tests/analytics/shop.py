"""A tiny hand-made shop for job edge cases: a few customers, orders and events written as a
real snapshot (so jobs read it through ``open_snapshot``, exactly as in production)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from liveloop.analytics.engine import DuckDBEngine
from liveloop.analytics.jobs.base import RunContext
from liveloop.analytics.snapshot import Snapshot, open_snapshot
from liveloop.analytics.snapshot.files import Manifest, TableState
from liveloop.analytics.snapshot.tables import BY_NAME, TABLES

START = datetime(2026, 1, 1, 2, 0)  # 10:00 in Shanghai
PRODUCTS = (
    ("MILK-WEEK-7", "鲜牛奶周卡", "乳品", 49.9, 7),
    ("FLOUR-BREAD-2KG", "高筋面包粉", "烘焙原料", 32.0, 365),
    ("COFFEE-BEAN-500", "咖啡豆", "咖啡饮品", 88.0, 365),
    ("CHIPS-DEVIL", "薯片", "休闲零食", 12.9, 180),
)


@dataclass
class Shop:
    customers: list[int] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def customer(self, *ids: int) -> Shop:
        self.customers += ids
        return self

    def buy(
        self,
        customer: int,
        day: float,
        *skus: str,
        channel: str = "mini_program",
        counted: bool = True,
    ) -> Shop:
        order_id = len(self.orders) + 1
        self.orders.append(
            {
                "order_id": order_id,
                "order_no": f"SO{order_id}",
                "customer_id": customer,
                "channel": channel,
                "status": "paid" if counted else "refunded",
                "counted": counted,
                "total": 10.0 * len(skus),
                "discount": 0.0,
                "placed_at": START + timedelta(days=day),
                "updated_at": START + timedelta(days=day),
            }
        )
        for sku in skus:
            self.items.append(
                {
                    "item_id": len(self.items) + 1,
                    "order_id": order_id,
                    "sku": sku,
                    "quantity": 1,
                    "unit_price": 10.0,
                }
            )
        return self

    def event(
        self,
        customer: int,
        day: float,
        name: str = "identify",
        *,
        channel: str = "mini_program",
        sku: str | None = None,
    ) -> Shop:
        self.events.append(
            {
                "event_id": len(self.events) + 1,
                "name": name,
                "type": "identify" if name == "identify" else "track",
                "customer_id": customer,
                "timestamp": START + timedelta(days=day),
                "channel": channel,
                "sku": sku,
            }
        )
        return self

    def open(self, directory: Path) -> DuckDBEngine:
        """Write the snapshot under ``directory`` and open it on a fresh DuckDB engine."""
        rows: dict[str, list[dict[str, Any]]] = {
            "customers": [
                {"customer_id": c, "created_at": START, "updated_at": START} for c in self.customers
            ],
            "orders": self.orders,
            "order_items": self.items,
            "events": self.events,
            "products": [
                {"sku": s, "name": n, "category": c, "price": p, "shelf_life_days": life}
                for s, n, c, p, life in PRODUCTS
            ],
            "live_sessions": [],
        }
        snapshot = Snapshot(directory)
        manifest = Manifest(tables={})
        for table in TABLES:
            data = [_with_month(row, table.partition) for row in rows[table.name]]
            parts = snapshot.write_part(
                BY_NAME[table.name], pa.Table.from_pylist(data, schema=table.schema)
            )
            manifest.tables[table.name] = TableState(parts=parts, rows=len(data))
        snapshot.commit(manifest)
        engine = DuckDBEngine(workers=1)
        open_snapshot(engine, snapshot)
        return engine


def _with_month(row: dict[str, Any], partition: str | None) -> dict[str, Any]:
    if partition is None:
        return row
    return {**row, "month": row[partition].strftime("%Y-%m")}


def context_at(day: float) -> RunContext:
    return RunContext(as_of=START + timedelta(days=day))
