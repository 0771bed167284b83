"""The snapshot: incremental refresh, crash safety (only the manifest's parts count), compaction,
and merges followed on read."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from liveloop.analytics.engine import DuckDBEngine
from liveloop.analytics.snapshot import Snapshot, SnapshotError, export, open_snapshot
from liveloop.commerce.service import (
    OrderLine,
    ProductSpec,
    record_order,
    refund_order_part,
    upsert_product,
)
from liveloop.profiles.service import NewCustomer, absorb, create_customer
from liveloop.store.engine import transaction


def _shop(runtime, orders: int = 3) -> list[int]:
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session:
        upsert_product(
            session, ProductSpec("SOY-500", "头道酱油 500ml", "调味品", Decimal("12.50"), 540), now
        )
        people = [
            create_customer(session, NewCustomer(city="广州市"), now - timedelta(days=30), "t")
            for _ in range(3)
        ]
        for n in range(orders):
            record_order(
                session,
                order_no=f"S-{n}",
                customer_id=people[n % 3],
                lines=[OrderLine("SOY-500", 2)],
                placed_at=now - timedelta(days=n),
                channel="mini_program",
                source="t",
            )
    return people


def _count(snapshot: Snapshot, table: str) -> int:
    with DuckDBEngine() as engine:
        open_snapshot(engine, snapshot)
        return engine.scalar(f"SELECT COUNT(*) FROM {table}")


def test_a_refresh_exports_only_what_is_new(runtime, tmp_path):
    _shop(runtime)
    snapshot = Snapshot(tmp_path / "snap")
    first = export.refresh(runtime.read_sessions, snapshot)
    assert first.rows["order_items"] == 3 and first.rows["customers"] == 3
    again = export.refresh(runtime.read_sessions, snapshot)
    assert again.rows["order_items"] == 0 and again.rows["events"] == 0
    assert _count(snapshot, "order_lines") == 3
    assert _count(snapshot, "orders") == 3  # re-read versions (the overlap) count once


def test_parts_a_dead_refresh_left_behind_are_never_read_and_are_swept(runtime, tmp_path):
    _shop(runtime)
    snapshot = Snapshot(tmp_path / "snap")
    export.refresh(runtime.read_sessions, snapshot)
    stray = tmp_path / "snap" / "order_items" / "part-stray.parquet"
    stray.write_bytes((next((tmp_path / "snap" / "order_items").glob("*.parquet"))).read_bytes())
    assert _count(snapshot, "order_lines") == 3
    export.refresh(runtime.read_sessions, snapshot)
    assert not stray.exists()


def test_many_small_refreshes_are_compacted(runtime, tmp_path, monkeypatch):
    monkeypatch.setattr(export, "MAX_PARTS", 2)
    _shop(runtime, orders=1)
    snapshot = Snapshot(tmp_path / "snap")
    compacted = [export.refresh(runtime.read_sessions, snapshot).compacted for _ in range(4)]
    assert ["orders" in c for c in compacted] == [False, False, True, False]
    state = snapshot.manifest().tables["orders"]
    assert len(state.parts) <= 2  # the compacted part and one overlap re-read since
    assert _count(snapshot, "orders") == 1


def test_merged_people_are_read_as_the_survivor(runtime, tmp_path):
    people = _shop(runtime)
    with transaction(runtime.sessions) as session:
        absorb(session, people[1], people[0])
        absorb(session, people[2], people[1])  # a chain: 0 → 1 → 2
    snapshot = Snapshot(tmp_path / "snap")
    export.refresh(runtime.read_sessions, snapshot)
    with DuckDBEngine() as engine:
        open_snapshot(engine, snapshot)
        assert engine.rows("SELECT DISTINCT customer_id FROM orders") == [(people[2],)]
        assert engine.scalar("SELECT COUNT(*) FROM customers") == 1


def test_a_foreign_manifest_is_refused(tmp_path):
    (tmp_path / "manifest.json").write_text('{"format": 99}')
    with pytest.raises(SnapshotError, match="format"):
        Snapshot(tmp_path).manifest()


def test_a_partly_refunded_order_counts_what_the_buyer_kept_paying(runtime, tmp_path):
    _shop(runtime, orders=2)  # two orders of ¥25.00
    snapshot = Snapshot(tmp_path / "snap")
    export.refresh(runtime.read_sessions, snapshot)
    runtime.clock.advance(minutes=30)
    with transaction(runtime.sessions) as session:
        refund_order_part(
            session,
            "S-0",
            refund_no="R-S-0",
            amount=Decimal("7.30"),
            reason="破损",
            at=runtime.clock.now(),
            source="t",
            settled=True,
        )
    export.refresh(runtime.read_sessions, snapshot)
    with DuckDBEngine() as engine:
        open_snapshot(engine, snapshot)
        totals = dict(engine.rows("SELECT order_no, total FROM orders WHERE counted"))
    assert totals == {"S-0": 17.70, "S-1": 25.00}
