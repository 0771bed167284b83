import json

import pyarrow.parquet as pq
import pytest

from liveloop.analytics.service import open_engine
from liveloop.identity.batch.observations import KNOWN_TYPES, RAW_SIGHTINGS, register_sim
from liveloop.identity.batch.run import recompute_exports


def test_events_yield_the_identifiers_online_resolution_reads(sim_small):
    extract = pytest.importorskip("liveloop.identity.extract")
    online = set()
    events = pq.read_table(sim_small / "events.parquet").to_pylist()
    for position, event in enumerate(events):
        for kind, raw in extract.event_identifiers(
            event["user_id"],
            event["anonymous_id"],
            json.loads(event["properties"]),
            json.loads(event["context"]),
        ):
            online.add((position, kind.value, raw))
    known = ", ".join(f"'{kind}'" for kind in KNOWN_TYPES)
    with open_engine("duckdb") as engine:
        register_sim(engine, sim_small)
        batch = set(
            engine.rows(
                f"SELECT obs, type, raw FROM ({RAW_SIGHTINGS}) AS s "
                f"WHERE obs < {len(events)} AND raw IS NOT NULL AND type IN ({known})"
            )
        )
    assert batch == online


def test_rerunning_on_the_same_files_gives_the_same_people(sim_small):
    def people():
        with open_engine("duckdb") as engine:
            recompute_exports(engine, sim_small, score=False)
            return sorted(engine.rows("SELECT * FROM identity_people"))

    assert people() == people()
