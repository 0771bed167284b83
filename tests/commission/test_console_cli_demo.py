"""The 佣金 console page (an operator sets a rate, approves and pays a withdrawal, rejects one
with a reason, reads the reconciliation — Chinese only), ``liveloop commission statement`` and
``reconcile``, and the demo's planted commission (frozen and settled entries, a claw-back, a
withdrawal waiting)."""

from __future__ import annotations

from decimal import Decimal

from liveloop import bootstrap
from liveloop.commerce import service as commerce
from liveloop.commission import service as commission
from liveloop.commission.contracts import EntryKind, EntryState, WithdrawalStatus
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.sim import commission as sim_commission
from liveloop.sim import leaders
from liveloop.store.engine import transaction
from tests.console.test_console import _csrf, _user, login

from .conftest import RICE, standard_rates


def test_operator_sets_rates_and_decides_withdrawals_on_the_page(shop, client):
    standard_rates(shop)
    leader = shop.leader("王团长")
    shop.pay(leader, [(RICE, 10)])
    shop.work()
    shop.later(days=8)
    shop.work()
    with shop.session() as session:
        first = commission.request_withdrawal(
            session, leader, amount=Decimal("20.00"), request_id="a", by="l", at=shop.clock.now()
        )
        second = commission.request_withdrawal(
            session, leader, amount=Decimal("10.00"), request_id="b", by="l", at=shop.clock.now()
        )
    _user(shop.runtime)
    login(client)
    page = client.get("/console/commission")
    assert page.status_code == 200
    for text in ("账实相符", "差额 ¥0.00", "王团长", first.withdrawal_no, "待审核", "15%", "蛋品"):
        assert text in page.text, text
    token = _csrf(page.text)
    third = client.post(
        "/console/commission/rates",
        data={"csrf_token": token, "level": "3", "scope": "default", "percent": "1"},
    )
    assert third.status_code == 422 and "三级" in third.text and "(" not in third.json()["reason"]
    made = client.post(
        "/console/commission/rates",
        data={"csrf_token": token, "level": "1", "scope": "sku", "target": RICE, "percent": "12.5"},
        follow_redirects=False,
    )
    assert made.status_code == 303
    for decision in ("approve", "pay"):
        done = client.post(
            f"/console/commission/withdrawals/{first.withdrawal_no}/{decision}",
            data={"csrf_token": token},
            follow_redirects=False,
        )
        assert done.status_code == 303
    no_reason = client.post(
        f"/console/commission/withdrawals/{second.withdrawal_no}/reject",
        data={"csrf_token": token},
    )
    assert no_reason.status_code == 422 and "原因" in no_reason.json()["reason"]
    with shop.session() as session:
        states = {w.withdrawal_no: w.status for w in commission.list_withdrawals(session)}
        rates = commission.list_rates(session)
    assert states == {
        first.withdrawal_no: WithdrawalStatus.PAID,
        second.withdrawal_no: WithdrawalStatus.REQUESTED,
    }
    assert any(r.target == RICE and r.rate == Decimal("0.125") for r in rates)


def test_the_cli_prints_a_statement_and_reconciles(cli, sqlite_url):
    from liveloop.clock import ManualClock
    from liveloop.commission import jobs
    from liveloop.config import get_settings

    from .conftest import Shop, stock

    clock = ManualClock(__import__("datetime").datetime(2026, 11, 20, 4, 0).astimezone())
    runtime = bootstrap.open_runtime(get_settings(), clock)
    try:
        jobs.register(runtime)
        shop = Shop(runtime, clock)
        stock(shop, clock.now())
        standard_rates(shop)
        leader = shop.leader("王秀英")
        order = shop.pay(leader, [(RICE, 2)])
        shop.work()
    finally:
        runtime.close()
    result = cli("commission", "statement", leader, "2026-11")
    assert result.exit_code == 0, result.output
    for text in ("王秀英", "2026-11", order, "¥7.98"):
        assert text in result.output, text
    assert cli("commission", "statement", leader, "2026-13").exit_code == 2
    reconciled = cli("commission", "reconcile")
    assert reconciled.exit_code == 0 and "difference ¥0.00" in reconciled.output


def test_the_demo_plants_rates_frozen_and_settled_entries_a_claw_back_and_a_withdrawal(
    runtime, clock
):
    now = clock.now()
    with transaction(runtime.sessions) as session:
        for sku, category in (
            ("RICE-DB-5KG", "粮油"),
            ("OIL-PEANUT-5L", "粮油"),
            ("EGG-30", "蛋品"),
        ):
            commerce.upsert_product(
                session, commerce.ProductSpec(sku, sku, category, Decimal("49.90"), 365), now
            )
        for n in range(80):
            create_customer(session, NewCustomer(name=f"顾客{n}"), now, "test")
        assert leaders.plant(session, now, runtime.settings.tz)
        assert sim_commission.plant(session, now, runtime.settings.tz, 7)
    with transaction(runtime.sessions) as session:
        assert not sim_commission.plant(session, now, runtime.settings.tz, 7)  # once
    bootstrap.wire(runtime)
    runtime.consumers.run_until_idle(runtime.sessions, clock)  # the log's payments: no repeats
    with transaction(runtime.read_sessions) as session:
        entries = [
            e
            for code in commission.balances(session)
            for e in commission.entries_of(session, code, limit=500)[0]
        ]
        withdrawals = commission.list_withdrawals(session)
        found = commission.reconcile_orders(session)
        totals = commission.leader_totals(session)
    states = {e.state for e in entries if e.kind == EntryKind.EARNED}
    assert states == {EntryState.FROZEN, EntryState.SETTLED}
    assert any(e.kind == EntryKind.CLAWED_BACK for e in entries)
    assert {e.level for e in entries} == {1, 2}
    assert [w.status for w in withdrawals] == [WithdrawalStatus.REQUESTED]
    assert found.balanced and found.orders >= 7 * 18
    assert len(totals) == 7 and all(t.earned > 0 for t in totals)
