"""A snapshot written by hand, a few rows at a time, for the report jobs' edge cases.

Rows go through ``Snapshot.write_part`` and ``open_snapshot``, so jobs read them exactly as
they read a real snapshot; columns a test does not name are NULL (or a plain default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from liveloop.analytics.engine import DuckDBEngine, Engine
from liveloop.analytics.snapshot import Snapshot, open_snapshot
from liveloop.analytics.snapshot.files import Manifest, TableState
from liveloop.analytics.snapshot.tables import BY_NAME

T0 = datetime(2026, 3, 1, 12, 0)


@dataclass
class TinyShop:
    rows: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {name: [] for name in BY_NAME}
    )

    def customer(self, customer_id: int, **values: Any) -> int:
        self.rows["customers"].append(
            {"customer_id": customer_id, "created_at": T0, "updated_at": T0, **values}
        )
        return customer_id

    def order(
        self, customer_id: int, placed_at: datetime = T0, total: float = 100.0, **values: Any
    ) -> int:
        order_id = len(self.rows["orders"]) + 1
        status = values.pop("status", "paid")
        self.rows["orders"].append(
            {
                "order_id": order_id,
                "order_no": f"SO{order_id}",
                "customer_id": customer_id,
                "channel": "mini_program",
                "status": status,
                "counted": status in ("paid", "completed"),
                "total": total,
                "discount": 0.0,
                "placed_at": placed_at,
                "updated_at": placed_at,
                "month": placed_at.strftime("%Y-%m"),
                **values,
            }
        )
        return order_id

    def event(self, name: str, customer_id: int | None, at: datetime = T0, **values: Any) -> None:
        self.rows["events"].append(
            {
                "event_id": len(self.rows["events"]) + 1,
                "name": name,
                "type": "track",
                "customer_id": customer_id,
                "timestamp": at,
                "month": at.strftime("%Y-%m"),
                **values,
            }
        )

    def live(self, live_session_id: int, title: str = "直播", cost: float = 0.0) -> int:
        self.rows["live_sessions"].append(
            {
                "live_session_id": live_session_id,
                "room": "main",
                "title": title,
                "host": "小禾",
                "started_at": T0,
                "ended_at": T0,
                "cost": cost,
            }
        )
        return live_session_id

    def open(self, directory: Path) -> Engine:
        """A DuckDB engine with these rows open as the snapshot's tables."""
        snapshot = Snapshot(directory)
        manifest = Manifest(tables={})
        for name, table in BY_NAME.items():
            data = pa.Table.from_pylist(self.rows[name], schema=table.schema)
            manifest.tables[name] = TableState(
                parts=snapshot.write_part(table, data), rows=data.num_rows
            )
        snapshot.commit(manifest)
        engine = DuckDBEngine(workers=1)
        open_snapshot(engine, snapshot)
        return engine


def report(engine: Engine, table: str) -> list[dict[str, Any]]:
    return engine.arrow(f"SELECT * FROM {table}").to_pylist()
