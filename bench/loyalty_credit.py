"""Points and tiers credited once per paid order, however often the log is replayed: the
``loyalty`` consumer's rate, and the same log handed to it again.

Setup (not timed): N/5 people and N paid orders as the order ledger states them (commerce's
``Order Completed``), the profiles consumer run over them. Timed: the ``loyalty`` consumer alone
until it is idle (growth, frozen points, a lot, ``Points Earned`` and the tier per order), then
its cursor reset to zero and the whole log handed to it again (the replay: nothing may move).
Checks: one earn posting per order, one member per person, the ledger reconciles.

    python -m bench.loyalty_credit                 # 5,000 orders on SQLite
    python -m bench.loyalty_credit 20000 --store postgresql
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import create_engine, func, select, text, update

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def run(url: str, orders: int) -> dict[str, float]:
    from liveloop import bootstrap
    from liveloop.clock import ManualClock
    from liveloop.commerce.events import OrderedProduct, order_completed
    from liveloop.config import Settings
    from liveloop.identity import jobs as identity_jobs
    from liveloop.loyalty import jobs as loyalty_jobs
    from liveloop.loyalty import service as loyalty
    from liveloop.loyalty.consumer import LOYALTY_CONSUMER
    from liveloop.loyalty.models import LoyaltyMember, PointsPosting
    from liveloop.profiles.service import NewCustomer, create_customer
    from liveloop.store.consumers import ConsumerCursor, run_batch
    from liveloop.store.engine import transaction

    clock = ManualClock(NOW)
    settings = Settings(database_url=url, run_workers=False, analytics_schedule=False)
    runtime = bootstrap.open_runtime(settings, clock)
    try:
        identity_jobs.register(runtime)
        with transaction(runtime.sessions) as session:
            people = [
                create_customer(session, NewCustomer(name=f"会员{n}"), NOW, "bench")
                for n in range(max(1, orders // 5))
            ]
        with transaction(runtime.sessions) as session:
            for n in range(orders):
                total = Decimal(29 + n % 300) + Decimal("0.90")
                order_completed(
                    session,
                    at=NOW,
                    source="bench",
                    order_no=f"B{n}",
                    customer_id=people[n % len(people)],
                    total=total,
                    discount=Decimal("0"),
                    channel="mini_program",
                    products=[OrderedProduct("RICE-5KG", 1, total, "米面")],
                )
        runtime.consumers.run_until_idle(runtime.sessions, clock)
        loyalty_jobs.register(runtime)
        consumer = runtime.consumers._consumers[LOYALTY_CONSUMER]

        def drain() -> float:
            start = time.perf_counter()
            while run_batch(consumer, runtime.sessions, clock).handled:
                pass
            return time.perf_counter() - start

        first = drain()
        with transaction(runtime.sessions) as session:
            session.execute(
                update(ConsumerCursor)
                .where(ConsumerCursor.name == LOYALTY_CONSUMER)
                .values(position=0)
            )
        replay = drain()
        with transaction(runtime.read_sessions) as session:
            earned = session.scalar(
                select(func.count()).select_from(PointsPosting).where(PointsPosting.kind == "earn")
            )
            members = session.scalar(select(func.count()).select_from(LoyaltyMember))
            check = loyalty.reconcile(session)
        assert earned == orders, f"{earned} earn postings for {orders} orders"
        assert members == len(people), f"{members} members for {len(people)} people"
        assert check.ok, check
        return {"first": orders / first, "replay": orders / replay}
    finally:
        runtime.close()


def main(orders: int = 5_000, store: str = "sqlite") -> None:
    if store == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            rates = run(f"sqlite:///{tmp}/bench.db", orders)
    else:
        name = f"liveloop_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            rates = run(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", orders)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print(
        f"loyalty credit ({store}, {orders:,} orders): {rates['first']:,.0f} orders/s credited, "
        f"the replay {rates['replay']:,.0f} orders/s with nothing moved"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("orders", nargs="?", type=int, default=5_000)
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    arguments = parser.parse_args()
    main(arguments.orders, arguments.store)
