"""The post-live report of a 4-hour show with ~200,000 events (issue 12: ready in under 60 s).

Setup (not timed): an embedded SQLite store; a room, a show scheduled, given a shelf (the
script's products at their live prices) and started through ``live.service``; the simulator's
4-hour show (``sim.shows.generate_show``, 26,000 distinct viewers, 8 products) turned into
event-log rows the real way — ``ScriptedEvent.payload`` → ``live.webhook.parse_delivery`` →
``live.mapping.event_rows`` — and appended with ``store.eventlog.append_rows`` in time order,
with a ``take_action`` start/stop 讲解 at each segment's planted start and end between them;
then the show ended through ``live.service.end_show``. No consumers run, so viewers are not
resolved to customers (the profiles consumer is not part of what is timed, and the report's
figures do not depend on it; its audiences are then empty).

Timed: ``live.service.make_report`` in one transaction (replay from the log through the room's
processor, every comment read by ``understand``, the document, audiences saved, ``Live Report
Ready`` emitted), wall clock and this process's CPU. Checked: the report's orders and GMV
equal the script's planted truths (``show.truth``), its viewers the distinct viewers, its
讲解 segments the script's.

Baseline, same run: the naive per-minute recount — for each minute of the show, re-read and
re-aggregate every event so far from the store with SQL (counts and distinct viewers by
event name, distinct order ids and their GMV): what a report built from "totals up to minute m"
costs; it yields only the totals curve (no funnel, clusters, sentiment, audiences). Also shown:
one plain SQL ``GROUP BY`` minute over the show (the per-minute flows alone, a lower bound).

    python -m bench.live_report              # 26,000 viewers, ~200,000 events
    python -m bench.live_report 5000 --profile
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text

from liveloop import bootstrap
from liveloop.clock import ManualClock
from liveloop.commerce import service as commerce
from liveloop.config import Settings
from liveloop.ingest import service as ingest
from liveloop.live import mapping, webhook
from liveloop.live import service as lives
from liveloop.live.contracts import ActionKind
from liveloop.sim.catalog import BY_SKU
from liveloop.sim.shows import Show, ShowConfig, generate_show
from liveloop.store.engine import transaction
from liveloop.store.eventlog import append_rows

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday, 20:00 in Shanghai
MINUTES = 240
VIEWERS = 26_000
APPEND_BATCH = 5_000


def make_store(workdir: Path, show: Show) -> tuple[Any, int]:
    """The store holding the show, ended; returns the runtime and the show's id."""
    clock = ManualClock(START - timedelta(days=1))
    runtime = bootstrap.open_runtime(
        Settings(database_url=f"sqlite:///{workdir / 'report.db'}", run_workers=False), clock
    )
    truth = show.truth
    with transaction(runtime.sessions) as session:
        for item in truth.shelf:
            entry = BY_SKU[item.sku]
            commerce.upsert_product(
                session,
                commerce.ProductSpec(
                    entry.sku,
                    entry.name,
                    entry.category,
                    entry.price,
                    entry.shelf_life_days,
                    entry.cold_chain,
                ),
                clock.now(),
            )
        lives.create_room(
            session, code=truth.room, name="禾谷鲜生直播间", platform="own_h5", now=clock.now()
        )
        source = ingest.create_source(
            session, "官方直播间", clock.now(), kind="live_platform"
        ).source
        live = lives.schedule_show(
            session,
            lives.ShowSpec(
                room=truth.room,
                title="主食健康课",
                scheduled_at=START,
                host=None,
                planned_minutes=MINUTES,
            ),
            clock.now(),
        ).id
        lives.set_shelf(
            session,
            live,
            [lives.ShelfItemSpec(p.sku, p.price, stock=100_000) for p in truth.shelf],
        )
        lives.set_costs(session, live, {"主播费": Decimal("3000"), "投流": Decimal("5000")})
    with transaction(runtime.sessions) as session:
        lives.start_show(session, live, START)
    # The host's actions at their planted times, between the events around them.
    actions = sorted(
        [(s.start, ActionKind.START_EXPLAINING, s.sku) for s in truth.segments]
        + [(s.end, ActionKind.STOP_EXPLAINING, s.sku) for s in truth.segments]
    )
    events = list(show.events)
    sent = 0
    for n, (second, kind, sku) in enumerate([*actions, (float("inf"), None, None)]):
        upto = sent
        while upto < len(events) and events[upto].at < second:
            upto += 1
        for begin in range(sent, upto, APPEND_BATCH):
            _append(runtime, source, events[begin : min(upto, begin + APPEND_BATCH)], live)
        sent = upto
        if kind is None:
            break
        with transaction(runtime.sessions) as session:
            lives.take_action(
                session,
                room=truth.room,
                live_session_id=live,
                kind=kind,
                target=sku,
                detail={},
                by="场控",
                key=f"bench-{live}-{n}",
                now=START + timedelta(seconds=second),
            )
    with transaction(runtime.sessions) as session:
        lives.end_show(session, live, START + timedelta(seconds=truth.seconds))
    return runtime, live


def _append(runtime: Any, source: Any, chunk: Sequence[Any], live: int) -> None:
    rows: list[dict[str, Any]] = []
    for begin in range(0, len(chunk), webhook.MAX_EVENTS):
        part = chunk[begin : begin + webhook.MAX_EVENTS]
        delivery = webhook.parse_delivery(
            {"events": [e.payload(START, live_session_id=live) for e in part]}
        )
        received = START + timedelta(seconds=part[-1].at)
        rows.extend(mapping.event_rows(delivery, "main", source, received))
    with transaction(runtime.sessions) as session:
        append_rows(session, rows)


def timed_report(runtime: Any, live: int) -> tuple[float, float, dict[str, Any]]:
    wall, cpu = time.perf_counter(), time.process_time()
    with transaction(runtime.sessions) as session:
        report = lives.make_report(session, live, runtime.clock.now(), lives.shelf_of)
    return time.perf_counter() - wall, time.process_time() - cpu, report.document


# The naive recount: every figure from all of the show's events up to the minute's end.
UP_TO = """
SELECT name, count(*), count(DISTINCT anonymous_id) FROM events
WHERE id > :first AND timestamp >= :start AND timestamp < :until
  AND json_extract(properties, '$.room') = :room
GROUP BY name
"""
ORDERS_UP_TO = """
SELECT count(*), coalesce(sum(total), 0) FROM (
  SELECT json_extract(properties, '$.order_id') AS order_id,
         min(CAST(json_extract(properties, '$.total') AS REAL)) AS total
  FROM events
  WHERE id > :first AND name = 'Order Completed' AND timestamp >= :start AND timestamp < :until
    AND json_extract(properties, '$.room') = :room
  GROUP BY order_id)
"""
PER_MINUTE = """
SELECT CAST(strftime('%s', timestamp) AS INTEGER) / 60 AS minute, name, count(*)
FROM events
WHERE id > :first AND timestamp >= :start AND timestamp < :until
  AND json_extract(properties, '$.room') = :room
GROUP BY minute, name
"""


def _stamp(at: datetime) -> str:
    """How the store writes a timestamp (naive UTC, ISO with a space), for range comparisons."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def baseline(runtime: Any, first: int) -> tuple[float, float, dict[str, Any]]:
    wall, cpu = time.perf_counter(), time.process_time()
    last: dict[str, Any] = {}
    with runtime.engine.connect() as db:
        for minute in range(1, MINUTES + 1):
            args = {
                "first": first,
                "start": _stamp(START),
                "until": _stamp(START + timedelta(minutes=minute)),
                "room": "main",
            }
            counts = {name: n for name, n, _ in db.execute(text(UP_TO), args)}
            orders, gmv = db.execute(text(ORDERS_UP_TO), args).one()
            last = {"counts": counts, "orders": orders, "gmv": gmv}
    return time.perf_counter() - wall, time.process_time() - cpu, last


def group_by(runtime: Any, first: int) -> tuple[float, int]:
    wall = time.perf_counter()
    with runtime.engine.connect() as db:
        args = {
            "first": first,
            "start": _stamp(START),
            "until": _stamp(START + timedelta(minutes=MINUTES + 10)),
            "room": "main",
        }
        rows = db.execute(text(PER_MINUTE), args).all()
    return time.perf_counter() - wall, len({r[0] for r in rows})


def main(viewers: int = VIEWERS, profile: bool = False) -> None:
    t = time.perf_counter()
    show = generate_show(ShowConfig(seed=12, minutes=MINUTES, viewers=viewers, products=8))
    generated = time.perf_counter() - t
    truth = show.truth
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        runtime, live = make_store(Path(tmp), show)
        stored = time.perf_counter() - t
        with runtime.engine.connect() as db:
            first = db.execute(text("SELECT min(id) - 1 FROM events")).scalar_one()
            logged = db.execute(text("SELECT count(*) FROM events")).scalar_one()
        load = os.getloadavg()
        print(
            f"live post-live report: {len(show.events):,} show events over {MINUTES} min, "
            f"{truth.viewers:,} viewers, {logged:,} rows in the log "
            f"(generated {generated:.1f} s, stored {stored:.1f} s; load average "
            f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f})"
        )
        if profile:
            from pyinstrument import Profiler

            profiler = Profiler()
            profiler.start()
            timed_report(runtime, live)
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False))
            runtime.close()
            return
        wall, cpu, doc = timed_report(runtime, live)
        base_wall, base_cpu, last = baseline(runtime, first)
        sql_wall, sql_minutes = group_by(runtime, first)
        runtime.close()
    figures = doc["figures"]
    checks = {
        "orders": (figures["orders"], truth.orders),
        "gmv": (Decimal(figures["gmv"]["value"]), truth.gmv),
        "viewers": (figures["viewers"], truth.viewers),
        "segments": (len(doc["segments"]), len(truth.segments)),
        "baseline orders": (last["orders"], truth.orders),
        "baseline gmv": (round(Decimal(str(last["gmv"])), 2), truth.gmv),
    }
    print("| path | wall s | CPU s | events/s (wall) |")
    print("|---|---:|---:|---:|")
    n = len(show.events)
    print(f"| **`live.service.make_report`** | **{wall:.1f}** | {cpu:.1f} | {n / wall:,.0f} |")
    print(
        f"| baseline: recount all events so far each minute ({MINUTES} × 2 SQL queries) "
        f"| {base_wall:.1f} | {base_cpu:.1f} | |"
    )
    print(f"| one SQL GROUP BY minute, name (flows only, a lower bound) | {sql_wall:.1f} | | |")
    print(
        f"ratio baseline / make_report: {base_wall / wall:.1f}× (wall); "
        f"curve {len(doc['curve'])} minutes ({sql_minutes} by SQL), "
        f"{len(doc['markers'])} markers, {len(doc['questions']['clusters'])} question clusters, "
        f"missed rate {doc['questions']['missed_rate']}, {len(doc['clips'])} clips"
    )
    print(
        f"report: orders {figures['orders']}, GMV {figures['gmv']['value']}, "
        f"viewers {figures['viewers']}; truth: orders {truth.orders}, GMV {truth.gmv}"
    )
    wrong = {k: v for k, v in checks.items() if v[0] != v[1]}
    print("the report's totals equal the script's truths" if not wrong else f"MISMATCH {wrong}")
    if wrong:
        raise SystemExit(1)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else VIEWERS, profile="--profile" in sys.argv)
