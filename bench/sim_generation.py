"""Simulator speed and peak memory at 10k, 100k and 1M customers (``liveloop sim`` to Parquet).

Each scale runs in a fresh process so peak RSS is that run's own; the workers' RSS is reported
too when chunks are generated in parallel. Flat memory means the 1M peak stays near the 10k peak
(the ratio below), since generation streams chunk by chunk.

    python -m bench.sim_generation            # 10k, 100k, 1M
    python -m bench.sim_generation 10000      # one scale
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCALES = (10_000, 100_000, 1_000_000)


def one(customers: int, out: str, workers: int) -> None:
    from liveloop.sim.config import SimConfig
    from liveloop.sim.files import write_files

    started = time.perf_counter()
    counts = write_files(SimConfig(customers=customers), Path(out), workers=workers)
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in Path(out).rglob("*") if p.is_file())
    print(
        json.dumps(
            {
                "customers": customers,
                "workers": workers,
                "seconds": round(seconds, 1),
                "people_per_s": round(customers / seconds),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                // 1024,
                "orders": counts["orders"],
                "order_items": counts["order_items"],
                "events": counts["events"],
                "parquet_mb": round(size / 2**20, 1),
            }
        )
    )


def main(scales: tuple[int, ...] = SCALES) -> list[dict]:
    results = []
    for customers in scales:
        for workers in (1, 2) if customers <= 100_000 else (2,):
            with tempfile.TemporaryDirectory() as tmp:
                done = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "bench.sim_generation",
                        "--one",
                        str(customers),
                        tmp,
                        str(workers),
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                )
            result = json.loads(done.stdout.strip().splitlines()[-1])
            results.append(result)
            print(result, flush=True)
    base = next(r for r in results if r["customers"] == scales[0] and r["workers"] == 1)
    for r in results:
        r["peak_rss_vs_smallest"] = round(r["peak_rss_mb"] / base["peak_rss_mb"], 2)
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        one(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    else:
        chosen = tuple(int(a) for a in sys.argv[1:]) or SCALES
        for row in main(chosen):
            print(json.dumps(row))
