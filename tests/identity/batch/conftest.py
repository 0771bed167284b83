"""Fixtures: the 10k simulation recomputed, hand-made brand exports, and a recompute runner.

The engine is analytics' DuckDB, opened here and handed in, as ``liveloop identity recompute``
does."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from liveloop.analytics.service import open_engine
from liveloop.identity.batch.engine import Engine
from liveloop.identity.batch.run import OneIdRun, recompute_exports
from liveloop.sim.config import SimConfig
from liveloop.sim.files import write_files
from liveloop.sim.tables import SCHEMAS

ACCURACY_CONFIG = SimConfig(customers=10_000, seed=11)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def sim_10k(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sim-10k")
    write_files(ACCURACY_CONFIG, out, workers=2)
    return out


@pytest.fixture(scope="session")
def recomputed_10k(sim_10k) -> Iterator[tuple[OneIdRun, Engine]]:
    """The 10k simulation recomputed on DuckDB; the engine stays open for queries."""
    with open_engine("duckdb") as engine:
        yield recompute_exports(engine, sim_10k), engine


@dataclass
class Exports:
    """A brand's exports written by hand: identify events, orders, CRM rows."""

    events: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    customers: list[dict[str, Any]] = field(default_factory=list)

    def identify(
        self,
        day: float,
        *,
        user_id: str | None = None,
        anonymous_id: str | None = None,
        phone: str | None = None,
        external: dict[str, str] | None = None,
    ) -> str:
        message_id = f"m{len(self.events) + 1}"
        self.events.append(
            {
                "message_id": message_id,
                "type": "identify",
                "event": None,
                "user_id": user_id,
                "anonymous_id": anonymous_id,
                "timestamp": T0 + timedelta(days=day),
                "properties": json.dumps({"traits": {"phone": phone}} if phone else {}),
                "context": json.dumps(
                    {"externalIds": [{"type": k, "id": v} for k, v in (external or {}).items()]}
                ),
            }
        )
        return message_id

    def order(self, day: float, kind: str, buyer: str) -> str:
        order_no = f"SO{len(self.orders) + 1}"
        self.orders.append(
            {
                "order_no": order_no,
                "placed_at": T0 + timedelta(days=day),
                "channel": "mini_program",
                "buyer_id_type": kind,
                "buyer_id": buyer,
                "total": Decimal("9.90"),
                "discount": Decimal("0.00"),
                "status": "paid",
            }
        )
        return order_no

    def member(self, day: float, member_no: str, phone: str | None) -> None:
        self.customers.append(
            {"member_no": member_no, "phone": phone, "registered_at": T0 + timedelta(days=day)}
        )

    def write(self, out: Path) -> Path:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        for name, rows in (
            ("events", self.events),
            ("orders", self.orders),
            ("customers", self.customers),
        ):
            pq.write_table(
                pa.Table.from_pylist(rows, schema=SCHEMAS[name]), out / f"{name}.parquet"
            )
        return out


@dataclass
class People:
    """A recompute's results: identifier → person, observation → person, blocked."""

    of: dict[tuple[str, str], str]
    observation: dict[str, str]
    blocked: dict[tuple[str, str], int]
    run: OneIdRun

    def same(self, *identifiers: tuple[str, str]) -> bool:
        return len({self.of[i] for i in identifiers}) == 1


@pytest.fixture
def recompute(tmp_path):
    def go(exports: Exports, blocklist: tuple[tuple[str, str], ...] = ()) -> People:
        with open_engine("duckdb", workers=1) as engine:
            result = recompute_exports(
                engine, exports.write(tmp_path / "exports"), blocklist=blocklist
            )
            return People(
                {(t, v): p for t, v, p in engine.rows("SELECT * FROM identity_people")},
                {ref: p for _, ref, p in engine.rows("SELECT * FROM observation_people")},
                {(t, v): n for t, v, _, n in engine.rows("SELECT * FROM blocked_identifiers")},
                result,
            )

    return go
