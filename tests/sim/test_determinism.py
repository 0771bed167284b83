import hashlib
from pathlib import Path

import pyarrow.parquet as pq

from liveloop.sim.config import SimConfig
from liveloop.sim.files import write_files
from liveloop.sim.generate import simulate


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_the_same_files_byte_for_byte_even_in_parallel(tmp_path):
    config = SimConfig(customers=1_500, chunk_size=400)
    write_files(config, tmp_path / "a")
    write_files(config, tmp_path / "b", workers=2)
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert len(a) == 17
    assert a == b


def test_another_seed_gives_other_data(tmp_path):
    write_files(SimConfig(customers=300, seed=1), tmp_path / "a")
    write_files(SimConfig(customers=300, seed=2), tmp_path / "b")
    a = pq.read_table(tmp_path / "a" / "orders.parquet")
    b = pq.read_table(tmp_path / "b" / "orders.parquet")
    assert a.num_rows != b.num_rows or a.column("total") != b.column("total")


def test_chunking_does_not_change_the_data():
    def rows(chunk_size: int) -> dict[str, list]:
        out: dict[str, list] = {}
        for chunk in simulate(SimConfig(customers=700, chunk_size=chunk_size)):
            for name, table in chunk.tables().items():
                out.setdefault(name, []).extend(table)
        return out

    assert rows(700) == rows(96)


def test_files_are_typed_parquet_with_money_as_decimals(tmp_path):
    write_files(SimConfig(customers=200), tmp_path)
    orders = pq.read_table(tmp_path / "orders.parquet")
    assert str(orders.schema.field("total").type) == "decimal128(12, 2)"
    assert str(orders.schema.field("placed_at").type) == "timestamp[ms, tz=UTC]"
    items = pq.read_table(tmp_path / "order_items.parquet").to_pylist()
    totals: dict[str, object] = {}
    for item in items:
        totals[item["order_no"]] = (
            totals.get(item["order_no"], 0) + item["unit_price"] * item["quantity"]
        )
    for order in orders.to_pylist():
        assert order["total"] + order["discount"] == totals[order["order_no"]]
