"""The must-show: a group fails while the refund provider refuses its first three attempts —
every member is refunded exactly once, with one refund number per order, reconciled to the fen
and shown in the console. End to end: each member's order placed here, paid through payments'
WeChat Pay v3 flow against the local signed server, the join made with the paid order; the
close's refunds go to commerce, payments sends them with one ``out_refund_no`` each, the local
server refuses three, the outbox retries, the settle comes back through commerce."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from liveloop import bootstrap
from liveloop.access.contracts import Role
from liveloop.access.service import create_user
from liveloop.groupbuy import events
from liveloop.groupbuy import service as groupbuy
from liveloop.groupbuy.contracts import GroupStatus, RefundState
from liveloop.payments import gateway as gateways
from liveloop.payments import service as payments
from liveloop.payments.orders import CommerceOrders
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event
from tests.payments.conftest import install_gateway, local_keys, local_server, provider

__all__ = ["local_keys", "local_server", "provider"]  # the payments tests' fixtures, reused
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


# Payments' seam to commerce's orders, as ``payments.jobs`` hands it to every gateway.
CommerceBook = CommerceOrders


@pytest.fixture
def wechat(shop, local_keys, local_server, provider):
    bootstrap.wire(shop.runtime)
    pay = install_gateway(shop.runtime, local_keys, local_server, provider, CommerceBook())
    yield pay
    gateways.forget(shop.runtime)


def paid_join(shop, pay, name, *, group=None, campaign="RICE-GB"):
    """What a buyer's 小程序 does: the join's order placed, paid by WeChat, then the join."""
    order_no = shop.order_no()
    person = shop.person(name)
    with transaction(shop.runtime.sessions) as session:
        placed = groupbuy.place_join_order(
            session,
            campaign,
            customer_id=person,
            order_no=order_no,
            at=shop.clock.now(),
            source="t",
        )
    assert placed.total == Decimal("59.00")
    assert payments.pay_locally(
        shop.runtime.sessions, shop.runtime.read_sessions, pay, order_no, OPENID, shop.clock.now()
    )
    with transaction(shop.runtime.sessions) as session:
        if group is None:
            return groupbuy.open_group(
                session,
                campaign,
                leader_id=person,
                order_no=order_no,
                transaction_id=None,
                at=shop.clock.now(),
                source="t",
            )
        return groupbuy.join_group(
            session,
            group,
            customer_id=person,
            order_no=order_no,
            transaction_id=None,
            at=shop.clock.now(),
            source="t",
        )


def settle_everything(shop, rounds: int = 15) -> None:
    """The worker's passes: tasks and consumers, the outbox, the back-off running out."""
    for _ in range(rounds):
        shop.run()
        shop.runtime.outbox.drain_until_idle(shop.runtime.sessions, shop.clock)
        shop.clock.advance(minutes=2)
    shop.run()


def test_a_failed_group_is_refunded_once_per_member_while_the_provider_refuses_three(
    shop, wechat, provider, client
):
    shop.campaign(window_hours=24)
    leader = paid_join(shop, wechat, "团长王姐")
    member = paid_join(shop, wechat, "邻居李阿姨", group=leader.group)
    assert (leader.slot, member.slot) == (1, 2)
    provider.refuse_refunds = 3

    shop.clock.advance(hours=24)
    settle_everything(shop)

    group = shop.group(leader.group)
    assert group.status == GroupStatus.FAILED
    orders = [leader.order_no, member.order_no]
    numbers = [groupbuy.refund_no(leader.group, order_no) for order_no in orders]
    # WeChat holds exactly one refund per order, under the number derived from group and order,
    # though it refused three attempts; every attempt asked with that same number.
    assert sorted(r["out_refund_no"] for r in provider.refunds.values()) == sorted(numbers)
    assert len(provider.refund_requests) == 2 + 3
    assert set(provider.refund_requests) == set(numbers)
    for order_no, number in zip(orders, numbers, strict=True):
        order = shop.order(order_no)
        assert [(r.refund_no, r.amount, r.status) for r in order.refunds] == [
            (number, Decimal("59.00"), "succeeded")
        ]
        assert order.refunded_amount == Decimal("59.00")
    books = shop.reconcile(leader.group)
    assert books.balanced and books.all_settled
    assert (books.paid_total, books.owed_total, books.settled_total, books.commerce_total) == (
        Decimal("118.00"),
        Decimal("118.00"),
        Decimal("118.00"),
        Decimal("118.00"),
    )
    assert {m.state for m in books.members} == {RefundState.SETTLED}
    with transaction(shop.runtime.read_sessions) as session:
        settled = list(
            session.scalars(select(Event).where(Event.name == events.GROUP_REFUND_SETTLED))
        )
    assert sorted(e.properties["refund_id"] for e in settled) == sorted(numbers)

    # Visible in the console: the failed group, each member's refund number and state, 对账一致.
    with transaction(shop.runtime.sessions) as session:
        create_user(session, "yunying", Role.OPERATOR, shop.clock.now(), password="s3cret-密码-ok")
    page = client.get("/console/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post(
        "/console/login",
        data={"username": "yunying", "password": "s3cret-密码-ok", "csrf_token": csrf},
    )
    html = client.get("/console/groupbuy").text
    assert "拼团失败退款对账" in html and leader.group in html
    assert all(number in html for number in numbers)
    assert "对账一致" in html and "已全部退款" in html and "已退款" in html


def test_a_paid_order_whose_join_comes_too_late_is_refunded_in_full(shop, wechat, provider):
    shop.campaign(
        max_size=3, tiers=[groupbuy.Tier(2, Decimal("59")), groupbuy.Tier(3, Decimal("49"))]
    )
    leader = paid_join(shop, wechat, "团长")
    paid_join(shop, wechat, "甲", group=leader.group)
    paid_join(shop, wechat, "乙", group=leader.group)  # full: closes at ¥49
    late = paid_join(shop, wechat, "迟到的丙", group=leader.group)
    assert late.refused is not None and "已结束" in late.refused
    settle_everything(shop)
    order = shop.order(late.order_no)
    assert [(r.amount, r.status) for r in order.refunds] == [(Decimal("59.00"), "succeeded")]
    assert shop.group(leader.group).member_count == 3
    assert sorted(m.order_no for m in shop.group(leader.group).members) == sorted(
        [leader.order_no, f"GBO{2:05d}", f"GBO{3:05d}"]
    )
