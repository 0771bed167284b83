"""Rates: a third level refused with its reason, the range held, the most specific rate wins,
changes are rows from their time on. Withdrawals: over the balance refused, idempotent by the
client's request id, holds and releases posted, paid out; a claw-back may leave the balance
negative and it says so."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from liveloop.commission import service as commission
from liveloop.commission.contracts import (
    CommissionConflict,
    CommissionRefused,
    RateScope,
    WithdrawalStatus,
)

from .conftest import EGG, OIL, RICE, standard_rates


@pytest.mark.parametrize("level", [3, 4])
def test_a_third_level_is_refused_with_wechats_reason(shop, level):
    with pytest.raises(CommissionRefused) as refused, shop.session() as session:
        commission.set_rate(
            session,
            level=level,
            scope=RateScope.DEFAULT,
            target=None,
            rate=Decimal("0.01"),
            at=shop.clock.now(),
            by="op",
        )
    assert "三级" in str(refused.value) and "WeChat" in str(refused.value)


@pytest.mark.parametrize(
    ("rate", "why"), [("0.31", "0.3"), ("-0.01", "0.3"), ("0.12345", "四位小数")]
)
def test_a_rate_outside_the_range_is_refused(shop, rate, why):
    with pytest.raises(CommissionRefused, match=why), shop.session() as session:
        commission.set_rate(
            session,
            level=1,
            scope=RateScope.DEFAULT,
            target=None,
            rate=Decimal(rate),
            at=shop.clock.now(),
            by="op",
        )


def test_a_back_dated_rate_is_refused(shop):
    with pytest.raises(CommissionRefused, match="早于现在"), shop.session() as session:
        commission.set_rate(
            session,
            level=1,
            scope=RateScope.DEFAULT,
            target=None,
            rate=Decimal("0.1"),
            at=shop.clock.now(),
            effective_from=shop.clock.now() - timedelta(days=1),
            by="op",
        )


def test_the_most_specific_rate_in_force_wins(shop):
    standard_rates(shop)
    with shop.session() as session:
        book = commission.RateBook.load(session)
    now = shop.clock.now()
    assert book.rate_bp(1, OIL, "粮油", now) == 1500  # the SKU's
    assert book.rate_bp(1, EGG, "蛋品", now) == 1200  # the category's
    assert book.rate_bp(1, RICE, "粮油", now) == 1000  # the default
    assert book.rate_bp(2, OIL, "粮油", now) == 300
    assert book.rate_bp(1, RICE, "粮油", now - timedelta(seconds=1)) is None
    with shop.session() as session:
        history = commission.list_rates(session)
    assert len(history) == 4


def _settled(shop, leader: str) -> None:
    shop.pay(leader, [(RICE, 10)])  # 399.00 × 10 % = 39.90
    shop.work()
    shop.later(days=8)
    shop.work()


def test_a_withdrawal_over_the_balance_is_refused(shop):
    standard_rates(shop)
    leader = shop.leader("王团长")
    _settled(shop, leader)
    with pytest.raises(CommissionConflict, match="超过可提现余额"), shop.session() as session:
        commission.request_withdrawal(
            session,
            leader,
            amount=Decimal("39.91"),
            request_id="r1",
            by="leader",
            at=shop.clock.now(),
        )
    assert shop.balance(leader).withdrawable == Decimal("39.90")


def test_a_withdrawal_holds_releases_and_pays_once_per_request_id(shop):
    standard_rates(shop)
    leader = shop.leader("王团长")
    _settled(shop, leader)
    with shop.session() as session:
        first = commission.request_withdrawal(
            session, leader, amount=Decimal("30.00"), request_id="r1", by="l", at=shop.clock.now()
        )
        again = commission.request_withdrawal(
            session, leader, amount=Decimal("30.00"), request_id="r1", by="l", at=shop.clock.now()
        )
    assert first.created and not again.created and again.withdrawal_no == first.withdrawal_no
    balance = shop.balance(leader)
    assert (balance.withdrawable, balance.held) == (Decimal("9.90"), Decimal("30.00"))
    with pytest.raises(CommissionConflict), shop.session() as session:
        commission.request_withdrawal(
            session, leader, amount=Decimal("20.00"), request_id="r2", by="l", at=shop.clock.now()
        )
    with shop.session() as session:
        commission.reject_withdrawal(
            session, first.withdrawal_no, reason="账户信息有误", by="op", at=shop.clock.now()
        )
        commission.reject_withdrawal(
            session, first.withdrawal_no, reason="账户信息有误", by="op", at=shop.clock.now()
        )
    assert shop.balance(leader).withdrawable == Decimal("39.90")  # released once
    with shop.session() as session:
        second = commission.request_withdrawal(
            session, leader, amount=Decimal("39.90"), request_id="r3", by="l", at=shop.clock.now()
        )
        commission.approve_withdrawal(session, second.withdrawal_no, by="op", at=shop.clock.now())
        paid = commission.pay_withdrawal(
            session, second.withdrawal_no, by="op", at=shop.clock.now()
        )
    assert paid.status == WithdrawalStatus.PAID
    balance = shop.balance(leader)
    assert (balance.withdrawable, balance.held, balance.withdrawn) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("39.90"),
    )
    with pytest.raises(CommissionConflict), shop.session() as session:
        commission.reject_withdrawal(
            session, second.withdrawal_no, reason="晚了", by="op", at=shop.clock.now()
        )


def test_a_claw_back_after_a_withdrawal_leaves_the_balance_negative_and_says_so(shop):
    standard_rates(shop)
    leader = shop.leader("王团长")
    shop.pay(leader, [(RICE, 10)])
    order = f"CM{shop.orders:06d}"
    shop.work()
    shop.later(days=8)
    shop.work()
    with shop.session() as session:
        w = commission.request_withdrawal(
            session, leader, amount=Decimal("39.90"), request_id="all", by="l", at=shop.clock.now()
        )
        commission.approve_withdrawal(session, w.withdrawal_no, by="op", at=shop.clock.now())
        commission.pay_withdrawal(session, w.withdrawal_no, by="op", at=shop.clock.now())
    shop.refund(order, lines=[(1, 5)])
    shop.work()
    balance = shop.balance(leader)
    assert balance.withdrawable == Decimal("-19.95") and balance.owes


def test_the_monthly_statement_adds_up(shop):
    standard_rates(shop)
    leader = shop.leader("王团长")
    order = shop.pay(leader, [(RICE, 10)])
    shop.work()
    shop.later(days=8)
    shop.work()
    shop.refund(order, lines=[(1, 2)])
    shop.work()
    month = shop.clock.now().astimezone(shop.runtime.settings.tz).strftime("%Y-%m")
    with shop.session() as session:
        found = commission.statement(session, leader, month, shop.runtime.settings.tz)
    assert (found.opening, found.earned, found.clawed_back, found.closing) == (
        Decimal("0.00"),
        Decimal("39.90"),
        Decimal("-7.98"),
        Decimal("31.92"),
    )
    assert [(line.order_no, line.net) for line in found.lines] == [(order, Decimal("31.92"))]
