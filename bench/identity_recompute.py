"""Batch OneID recompute at 1M people on DuckDB, against networkx on the same links.

The simulator output is generated once and cached under ``bench/out/sim-N`` (git-ignored);
generation is not timed. Timed, in one process and one run:

- **observations**: reading the exports, extracting and normalising identifiers (phones
  through ``identity.service.normalise``) into integer marks — once;
- **recompute**: the whole OneID job over those marks (two passes of components, limit
  settling, shared-device blocking, weak limits, every identifier and observation → person);
- **components only**: our large-star/small-star components on the final links alone;
- **networkx**: ``nx.Graph`` built from the same links plus ``nx.connected_components`` —
  the baseline, which must agree with our components partition for partition.

    python -m bench.identity_recompute            # 1,000,000 people
    python -m bench.identity_recompute 100000     # another scale
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).parent / "out"


def _current(target: Path) -> bool:
    """A cached simulation is reused only if it has the simulator's current table layout."""
    import pyarrow.parquet as pq

    from liveloop.sim.tables import SCHEMAS

    if not (target / "truth.json").exists():
        return False
    return all(
        pq.read_schema(target / f"{name}.parquet").equals(SCHEMAS[name])
        for name in ("orders", "events", "customers")
    )


def simulation(people: int) -> Path:
    target = OUT / f"sim-{people}"
    if not _current(target):
        print(f"generating {people:,} people into {target} (once; not timed)", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "liveloop.cli",
                "sim",
                "--scale",
                str(people),
                "--workers",
                "2",
                "--out",
                str(target),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return target


def main(people: int = 1_000_000) -> dict:
    import networkx as nx

    from liveloop.analytics.engine import DuckDBEngine
    from liveloop.identity.batch.components import connected_components
    from liveloop.identity.batch.observations import build_observations, register_sim
    from liveloop.identity.batch.recompute import recompute

    sim_dir = simulation(people)
    with DuckDBEngine() as engine:
        register_sim(engine, sim_dir)
        started = time.perf_counter()
        counts = build_observations(engine)
        observed = time.perf_counter()
        done = recompute(engine)
        recomputed = time.perf_counter()

        engine.create(
            "bench_links",
            """
            SELECT DISTINCT a.node AS a, m.node AS b
            FROM usable_marks m JOIN all_anchors a ON a.obs = m.obs
            WHERE m.node <> a.node
            """,
        )
        links = engine.arrow("SELECT a, b FROM bench_links")
        nodes = engine.arrow("SELECT DISTINCT node FROM usable_marks").column("node")
        started_cc = time.perf_counter()
        rounds = connected_components(engine, "bench_links", "bench_components", "bench_cc")
        ours_cc = time.perf_counter() - started_cc
        ours = engine.scalar(
            "SELECT COUNT(DISTINCT component) FROM bench_components"
        ) + engine.scalar(
            "SELECT COUNT(*) FROM (SELECT DISTINCT node FROM usable_marks) n "
            "LEFT JOIN bench_components c ON c.node = n.node WHERE c.node IS NULL"
        )
        sizes = dict(
            engine.rows(
                "SELECT size, COUNT(*) FROM (SELECT component, COUNT(*) AS size "
                "FROM bench_components GROUP BY component) AS s GROUP BY size"
            )
        )

    a, b = links.column("a").to_pylist(), links.column("b").to_pylist()
    node_ids = nodes.to_pylist()
    del links, nodes
    started_nx = time.perf_counter()
    graph = nx.Graph()
    graph.add_nodes_from(node_ids)
    graph.add_edges_from(zip(a, b, strict=True))
    parts = list(nx.connected_components(graph))
    networkx_seconds = time.perf_counter() - started_nx
    nx_sizes: dict[int, int] = {}
    for part in parts:
        if len(part) > 1:
            nx_sizes[len(part)] = nx_sizes.get(len(part), 0) + 1
    assert len(parts) == ours and nx_sizes == sizes, "networkx disagrees with our components"

    result = {
        "people": people,
        "records": counts.records,
        "marks": counts.marks,
        "identifiers": counts.identifiers,
        "links": len(a),
        "people_found": done.people,
        "observations_seconds": round(observed - started, 1),
        "recompute_seconds": round(recomputed - observed, 1),
        "recompute_steps": done.seconds,
        "components_seconds": round(ours_cc, 1),
        "components_rounds": rounds,
        "networkx_seconds": round(networkx_seconds, 1),
        "networkx_over_components": round(networkx_seconds / ours_cc, 2),
        "networkx_over_recompute": round(networkx_seconds / (recomputed - observed), 2),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
