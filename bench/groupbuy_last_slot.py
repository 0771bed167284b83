"""The last slot of a 拼团 group raced for by 500 concurrent joiners on PostgreSQL: exactly one
may win.

A fresh database on the local PostgreSQL (``LIVELOOP_TEST_PG_URL``, default the test server),
migrated; a campaign (3 人 ¥59, 5 人 ¥49, 10 人 ¥39, at most 10 a group), a group opened and
filled to 9; then ``--joiners`` threads, each a different person with their own order number,
released together by a barrier, each joining in its own transaction through
``groupbuy.service.join_group`` (the guarded UPDATE on the group's count, the per-person limit,
the order placed and paid, ``Group Joined``, the close). The database sees at most
``--connections`` of them at once (PostgreSQL's ``max_connections`` is shared with everyone on
the machine); the rest queue for a connection, then for the group's row — every one of them
contends. Repeated ``--rounds`` times, each on a new group.

Checked after every round, in the store: one joiner won and every other was told the group is
full or closed (a 409 reason), nothing crashed, the group has 10 members in slots 1..10, it
closed at ¥39 with ¥20.00 owed back to each of the 10, and of the racers' orders exactly one is
in commerce.

``python -m bench.groupbuy_last_slot [--joiners 500] [--connections 40] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import create_engine, func, select, text

from liveloop import schema
from liveloop.commerce import service as commerce
from liveloop.commerce.models import Order
from liveloop.groupbuy import service as groupbuy
from liveloop.groupbuy.contracts import GroupBuyConflict, GroupStatus
from liveloop.groupbuy.models import GroupBuyMember, GroupBuyRefund
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.store.engine import make_engine, make_session_factory, transaction

PG_URL = os.environ.get("LIVELOOP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SKU = "RICE-DB-5KG"
TIERS = [
    groupbuy.Tier(3, Decimal("59")),
    groupbuy.Tier(5, Decimal("49")),
    groupbuy.Tier(10, Decimal("39")),
]


def race(factory, group: str, people: list[int], at: datetime, tag: str) -> dict[str, object]:
    start = threading.Barrier(len(people))
    won: list[int] = []
    refused: list[str] = []
    crashed: list[str] = []
    latencies: list[float] = []
    lock = threading.Lock()

    def join(n: int) -> None:
        start.wait()
        began = time.perf_counter()
        try:
            with transaction(factory) as session:
                groupbuy.join_group(
                    session,
                    group,
                    customer_id=people[n],
                    order_no=f"{tag}-{n:04d}",
                    transaction_id=f"wx-{tag}-{n}",
                    at=at,
                    source="bench",
                )
            outcome = ("won", n)
        except GroupBuyConflict as exc:
            outcome = ("refused", str(exc))
        except Exception as exc:  # counted, never hidden
            outcome = ("crashed", f"{type(exc).__name__}: {exc}")
        with lock:
            latencies.append(time.perf_counter() - began)
            if outcome[0] == "won":
                won.append(n)
            elif outcome[0] == "refused":
                refused.append(str(outcome[1]))
            else:
                crashed.append(str(outcome[1]))

    threads = [threading.Thread(target=join, args=(n,)) for n in range(len(people))]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "seconds": time.perf_counter() - began,
        "won": won,
        "refused": refused,
        "crashed": crashed,
        "p50_ms": statistics.median(latencies) * 1000,
        "max_ms": max(latencies) * 1000,
    }


def main(joiners: int = 500, connections: int = 40, rounds: int = 3) -> list[dict[str, object]]:
    name = f"liveloop_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url, pool_size=connections, max_overflow=0, pool_timeout=300)
    results = []
    try:
        schema.upgrade(engine)
        factory = make_session_factory(engine)
        now = datetime.now(UTC)
        with transaction(factory) as session:
            commerce.upsert_product(
                session,
                commerce.ProductSpec(SKU, "东北大米 5kg", "粮油", Decimal("69.90"), 365),
                now,
            )
            groupbuy.create_campaign(
                session,
                groupbuy.CampaignSpec(
                    code="RICE-GB",
                    name="东北大米 拼团",
                    sku=SKU,
                    tiers=TIERS,
                    window_hours=24,
                    max_size=10,
                    per_person_limit=rounds + 1,
                    starts_at=now - timedelta(hours=1),
                    ends_at=now + timedelta(days=1),
                ),
                at=now,
                by="bench",
            )
            early = [
                create_customer(session, NewCustomer(name=f"早到{n}"), now, "bench")
                for n in range(9)
            ]
            racers = [
                create_customer(session, NewCustomer(name=f"抢位{n}"), now, "bench")
                for n in range(joiners)
            ]
        for round_no in range(1, rounds + 1):
            with transaction(factory) as session:
                group = groupbuy.open_group(
                    session,
                    "RICE-GB",
                    leader_id=early[0],
                    order_no=f"R{round_no}-LEAD",
                    transaction_id=f"wx-r{round_no}-lead",
                    at=now,
                    source="bench",
                ).group
                for n, person in enumerate(early[1:], start=1):
                    groupbuy.join_group(
                        session,
                        group,
                        customer_id=person,
                        order_no=f"R{round_no}-E{n}",
                        transaction_id=f"wx-r{round_no}-e{n}",
                        at=now,
                        source="bench",
                    )
            tag = f"R{round_no}-RACE"
            outcome = race(factory, group, racers, now, tag)
            with transaction(factory) as session:
                view = groupbuy.get_group(session, group)
                racer_orders = session.scalar(
                    select(func.count(Order.id)).where(Order.order_no.like(f"{tag}-%"))
                )
                owed = list(
                    session.scalars(
                        select(GroupBuyRefund.amount)
                        .join(GroupBuyMember, GroupBuyMember.id == GroupBuyRefund.member_id)
                        .where(GroupBuyMember.order_no.like(f"R{round_no}-%"))
                    )
                )
            checks = {
                "one winner": len(outcome["won"]) == 1,  # type: ignore[arg-type]
                "every other refused": len(outcome["refused"]) == joiners - 1,  # type: ignore[arg-type]
                "no crash": outcome["crashed"] == [],
                "10 members in slots 1..10": sorted(m.slot for m in view.members)
                == list(range(1, 11)),
                "closed at ¥39": view.status == GroupStatus.SUCCEEDED
                and view.final_price == Decimal("39.00"),
                "¥20.00 owed to each of 10": sorted(owed) == [Decimal("20.00")] * 10,
                "one racer's order in commerce": racer_orders == 1,
            }
            result = {
                "round": round_no,
                "joiners": joiners,
                "connections": connections,
                "seconds": round(float(outcome["seconds"]), 2),  # type: ignore[arg-type]
                "joins_per_s": round(joiners / float(outcome["seconds"]), 1),  # type: ignore[arg-type]
                "p50_ms": round(float(outcome["p50_ms"]), 1),  # type: ignore[arg-type]
                "max_ms": round(float(outcome["max_ms"]), 1),  # type: ignore[arg-type]
                "winners": len(outcome["won"]),  # type: ignore[arg-type]
                "refused": len(outcome["refused"]),  # type: ignore[arg-type]
                "crashed": outcome["crashed"][:3],  # type: ignore[index]
                "members": len(view.members),
                "ok": all(checks.values()),
                "failed_checks": [k for k, v in checks.items() if not v],
            }
            results.append(result)
            print(result, flush=True)
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    if not all(r["ok"] for r in results):
        raise SystemExit("the last slot was not won by exactly one joiner")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--joiners", type=int, default=500)
    parser.add_argument("--connections", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    main(args.joiners, args.connections, args.rounds)
