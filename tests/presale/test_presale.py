"""A presale as a buyer and the brand live it: a deposit of at most 20 % of the price, a quota
that never oversells, the balance only inside its window, reminders before the window opens
and closes (once each), the deposit forfeited when the window closes unpaid, and the brand's
cancellation refunding every payment under one refund number per order."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from liveloop.presale import events
from liveloop.presale import service as presales
from liveloop.presale.contracts import PresaleConflict, PresaleOrderStatus, PresaleRefused
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event


def logged(counter, name):
    with transaction(counter.runtime.read_sessions) as session:
        return [
            e.properties
            for e in session.scalars(select(Event).where(Event.name == name).order_by(Event.id))
        ]


def test_a_deposit_above_a_fifth_of_the_price_is_refused_in_chinese(counter):
    with pytest.raises(PresaleRefused, match=re.escape("定金 ¥25.61 超过售价 ¥128.00 的 20%")):
        counter.presale(deposit="25.61")
    assert counter.presale(deposit="25.60").deposit == Decimal("25.60")


def test_deposits_take_the_quota_and_never_more(counter):
    counter.presale(quota=2)
    counter.deposit("甲")
    counter.deposit("乙")
    with pytest.raises(PresaleConflict, match="已售罄"):
        counter.deposit("丙")
    view = counter.get()
    assert (view.sold, view.deposits_taken) == (2, Decimal("40.00"))
    with pytest.raises(PresaleConflict, match="已有进行中的预售"):  # one quota per SKU
        counter.presale("MOON-PS-2", quota=100)


def test_the_balance_is_paid_only_inside_its_window_and_the_order_goes_on(counter):
    counter.presale(opens_in_days=10, open_days=5)
    bought = counter.deposit("王阿姨")
    assert (bought.deposit, bought.balance) == (Decimal("20.00"), Decimal("108.00"))
    with pytest.raises(PresaleConflict, match="不在尾款支付时间内"):
        counter.balance(bought.deposit_order_no)
    counter.clock.advance(days=10)
    with pytest.raises(PresaleConflict, match="定金已截止"):
        counter.deposit("迟到的人")
    paid = counter.balance(bought.deposit_order_no)
    assert paid.status == PresaleOrderStatus.BALANCE_PAID and paid.balance_order_no
    (balance_paid,) = logged(counter, events.PRESALE_BALANCE_PAID)
    assert balance_paid["balance"] == "108.00"
    counter.clock.advance(days=6)
    counter.run()
    assert counter.order(bought.deposit_order_no).status == PresaleOrderStatus.BALANCE_PAID


def test_reminders_go_before_the_window_opens_and_before_it_closes_once_each(counter):
    counter.presale(opens_in_days=10, open_days=5, remind_hours=24)
    payer = counter.deposit("会付尾款的")
    forgetter = counter.deposit("忘了付的")
    counter.clock.advance(days=8, hours=23)
    counter.run()
    assert logged(counter, events.PRESALE_BALANCE_DUE) == []
    counter.clock.advance(hours=1)
    counter.run()
    counter.run()
    opening = logged(counter, events.PRESALE_BALANCE_DUE)
    assert sorted(e["order_id"] for e in opening) == sorted(
        [payer.deposit_order_no, forgetter.deposit_order_no]
    )
    assert {e["stage"] for e in opening} == {"opening"}
    counter.clock.advance(days=1)
    counter.balance(payer.deposit_order_no)
    counter.clock.advance(days=4)  # a day before the window closes
    counter.run()
    closing = [e for e in logged(counter, events.PRESALE_BALANCE_DUE) if e["stage"] == "closing"]
    assert [e["order_id"] for e in closing] == [forgetter.deposit_order_no]


def test_a_deposit_whose_balance_window_closed_unpaid_is_forfeited(counter):
    counter.presale(opens_in_days=1, open_days=1)
    bought = counter.deposit("甲")
    counter.clock.advance(days=2)
    counter.run()
    assert counter.order(bought.deposit_order_no).status == PresaleOrderStatus.FORFEITED
    (forfeit,) = logged(counter, events.PRESALE_DEPOSIT_FORFEITED)
    assert forfeit == {
        "presale": "MOON-PS",
        "order_id": bought.deposit_order_no,
        "deposit": "20.00",
    }
    with pytest.raises(PresaleConflict):
        counter.balance(bought.deposit_order_no)


def test_cancelling_refunds_every_payment_once_under_its_own_number(counter):
    counter.presale(opens_in_days=1, open_days=3)
    first = counter.deposit("甲")
    second = counter.deposit("乙")
    counter.clock.advance(days=1)
    counter.balance(first.deposit_order_no)
    with transaction(counter.runtime.sessions) as session:
        view = presales.cancel_presale(
            session, "MOON-PS", reason="原料短缺", at=counter.clock.now(), source="test"
        )
    assert view.status == "cancelled"
    with transaction(counter.runtime.sessions) as session:  # cancelling again changes nothing
        presales.cancel_presale(
            session, "MOON-PS", reason="again", at=counter.clock.now(), source="test"
        )
    (cancelled,) = logged(counter, events.PRESALE_CANCELLED)
    assert (cancelled["orders"], cancelled["refund_total"]) == (2, "148.00")
    counter.run()
    with transaction(counter.runtime.read_sessions) as session:
        refunds = presales.refunds_of(session, "MOON-PS")
    paid = counter.order(first.deposit_order_no)
    assert sorted((r.order_no, r.amount) for r in refunds) == sorted(
        [
            (first.deposit_order_no, Decimal("20.00")),
            (paid.balance_order_no, Decimal("108.00")),
            (second.deposit_order_no, Decimal("20.00")),
        ]
    )
    assert len({r.refund_no for r in refunds}) == 3
    assert all(r.refund_no == f"PS-MOON-PS-{r.order_no}" for r in refunds)
    assert {r.state for r in refunds} == {"requested"}
    assert counter.order(second.deposit_order_no).status == PresaleOrderStatus.CANCELLED
    with pytest.raises(PresaleConflict, match="已取消"):
        counter.deposit("丙")


def test_a_presale_over_cannot_be_cancelled(counter):
    counter.presale(opens_in_days=1, open_days=1)
    counter.clock.advance(days=3)
    with (
        transaction(counter.runtime.sessions) as session,
        pytest.raises(PresaleConflict, match="已结束"),
    ):
        presales.cancel_presale(session, "MOON-PS", reason="x", at=counter.clock.now(), source="t")
