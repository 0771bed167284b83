"""The demo brand's 拼团 and 预售 (``sim.groupbuys``): a group that succeeded at 5 and gives
¥10.00 back to each, one that failed at 2 of 3 and refunds ¥59.00 to each, one gathering, and a
mooncake presale with four deposits; planted once, paid through the local WeChat Pay provider,
so the refunds are paid back through it too."""

from __future__ import annotations

from decimal import Decimal

from liveloop import bootstrap
from liveloop.commerce import service as commerce
from liveloop.groupbuy import service as groupbuy
from liveloop.groupbuy.contracts import GroupStatus
from liveloop.presale import service as presales
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.sim import groupbuys
from liveloop.store.engine import transaction


def test_the_demo_plants_a_succeeded_a_failed_and_an_open_group_and_a_presale(runtime, clock):
    now = clock.now()
    with transaction(runtime.sessions) as session:
        commerce.upsert_product(
            session,
            commerce.ProductSpec(
                groupbuys.RICE, "五常稻花香粳米 5kg", "大米杂粮", Decimal("89.90"), 365
            ),
            now,
        )
        for n in range(15):
            create_customer(session, NewCustomer(name=f"顾客{n}"), now, "test")
    bootstrap.wire(runtime)  # the payment gateway pays commerce's orders
    assert groupbuys.plant(runtime, now)
    assert not groupbuys.plant(runtime, now)  # once
    for _ in range(4):  # the worker's passes: closes, refunds sent through the provider, settled
        runtime.run_tasks_until_idle()
        runtime.outbox.drain_until_idle(runtime.sessions, clock)
        clock.advance(minutes=2)
    runtime.run_tasks_until_idle()
    with transaction(runtime.read_sessions) as session:
        groups = {g.status: g for g in groupbuy.list_groups(session, campaign=groupbuys.CAMPAIGN)}
        failed = groupbuy.reconcile_closed(session)
        presale = presales.get_presale(session, groupbuys.PRESALE)
    assert set(groups) == {GroupStatus.SUCCEEDED, GroupStatus.FAILED, GroupStatus.OPEN}
    succeeded = groups[GroupStatus.SUCCEEDED]
    assert (succeeded.member_count, succeeded.final_price) == (5, Decimal("49.00"))
    assert {m.refund_amount for m in succeeded.members} == {Decimal("10.00")}
    (books,) = failed
    assert books.balanced and books.owed_total == Decimal("118.00")
    # Paid back through the provider, not left 退款中.
    assert groups[GroupStatus.FAILED].refunds_settled_at is not None
    assert succeeded.refunds_settled_at is not None
    assert (presale.sold, presale.deposits_taken) == (4, Decimal("80.00"))
