"""The brand cancels a presale whose deposits (and a balance) were paid through WeChat Pay while
the refund provider refuses its first three attempts: every payment is refunded exactly once,
under one refund number per order. A deposit paid after the quota sold out is refunded at once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from liveloop import bootstrap
from liveloop.payments import gateway as gateways
from liveloop.payments import service as payments
from liveloop.presale import service as presales
from liveloop.store.engine import transaction
from tests.groupbuy.test_failed_group_refunds import OPENID, CommerceBook
from tests.payments.conftest import install_gateway, local_keys, local_server, provider

__all__ = ["local_keys", "local_server", "provider"]


@pytest.fixture
def wechat(counter, local_keys, local_server, provider):
    bootstrap.wire(counter.runtime)
    pay = install_gateway(counter.runtime, local_keys, local_server, provider, CommerceBook())
    yield pay
    gateways.forget(counter.runtime)


def paid(counter, pay, *, name=None, deposit_order_no=None):
    order_no = counter.order_no("B" if deposit_order_no else "D")
    with transaction(counter.runtime.sessions) as session:
        presales.place_part_order(
            session,
            "MOON-PS",
            customer_id=counter.person(name) if name else None,
            order_no=order_no,
            deposit_order_no=deposit_order_no,
            at=counter.clock.now(),
            source="t",
        )
    assert payments.pay_locally(
        counter.runtime.sessions,
        counter.runtime.read_sessions,
        pay,
        order_no,
        OPENID,
        counter.clock.now(),
    )
    with transaction(counter.runtime.sessions) as session:
        if deposit_order_no is None:
            return presales.pay_deposit(
                session,
                "MOON-PS",
                customer_id=counter.person(name),
                order_no=order_no,
                transaction_id=None,
                at=counter.clock.now(),
                source="t",
            )
        return presales.pay_balance(
            session,
            deposit_order_no,
            order_no=order_no,
            transaction_id=None,
            at=counter.clock.now(),
            source="t",
        )


def settle_everything(counter, rounds: int = 15) -> None:
    for _ in range(rounds):
        counter.run()
        counter.runtime.outbox.drain_until_idle(counter.runtime.sessions, counter.clock)
        counter.clock.advance(minutes=2)
    counter.run()


def test_a_cancelled_presale_refunds_every_payment_once_while_three_attempts_are_refused(
    counter, wechat, provider
):
    counter.presale(opens_in_days=1, open_days=5, quota=10)
    first = paid(counter, wechat, name="甲")
    second = paid(counter, wechat, name="乙")
    counter.clock.advance(days=1)
    balance = paid(counter, wechat, deposit_order_no=first.deposit_order_no)
    assert balance.status == "balance_paid"
    provider.refuse_refunds = 3
    with transaction(counter.runtime.sessions) as session:
        presales.cancel_presale(
            session, "MOON-PS", reason="原料短缺", at=counter.clock.now(), source="t"
        )
    settle_everything(counter)
    with transaction(counter.runtime.read_sessions) as session:
        refunds = presales.refunds_of(session, "MOON-PS")
    orders = [first.deposit_order_no, balance.balance_order_no, second.deposit_order_no]
    assert sorted(r.order_no for r in refunds) == sorted(orders)
    assert {r.state for r in refunds} == {"settled"}
    numbers = sorted(r.refund_no for r in refunds)
    assert sorted(r["out_refund_no"] for r in provider.refunds.values()) == numbers
    assert len(provider.refund_requests) == 3 + 3 and set(provider.refund_requests) == set(numbers)
    assert sum((r.amount for r in refunds), Decimal("0")) == Decimal("148.00")


def test_a_deposit_paid_after_the_quota_sold_out_is_refunded_at_once(counter, wechat, provider):
    counter.presale(quota=1)
    paid(counter, wechat, name="甲")
    late = paid(counter, wechat, name="乙")
    assert isinstance(late, presales.RefusedPayment) and "已售罄" in late.reason
    settle_everything(counter)
    assert [r["out_refund_no"] for r in provider.refunds.values()] == [late.refund_no]
    assert counter.get().sold == 1
