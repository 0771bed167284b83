"""The 团长 console page (an operator approves and rejects applications, sees the points and
tomorrow's packing lists), ``liveloop community batches DATE`` and the demo's planted leaders."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from liveloop import bootstrap
from liveloop.commerce import service as commerce
from liveloop.community import service as community
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.sim import leaders
from liveloop.store.engine import transaction
from tests.community.conftest import local
from tests.console.test_console import _csrf, _user, login

TODAY = date(2026, 11, 20)
TOMORROW = TODAY + timedelta(days=1)


def test_operator_decides_applications_and_reads_tomorrows_packing_list(town, client):
    a = town.leader("王秀英")
    pending = town.leader("李建华", approve=False)
    other = town.leader("张丽娟", approve=False)
    town.point("P1", a.code)
    order_no = town.paid_order("赵六", local(TODAY, 10), qty=3)
    code = town.to_point(order_no, "P1").code
    town.build(TOMORROW)
    _user(town.runtime)
    login(client)
    page = client.get("/console/community")
    assert page.status_code == 200
    for text in ("王秀英", "待审核", "P1 自提点", "东北大米 5kg", code, order_no, "明日配送批次"):
        assert text in page.text, text
    token = _csrf(page.text)
    approved = client.post(
        f"/console/community/leaders/{pending.code}/approve",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    no_reason = client.post(
        f"/console/community/leaders/{other.code}/reject", data={"csrf_token": token}
    )
    assert no_reason.status_code == 422 and "原因" in no_reason.text
    assert "(" not in no_reason.json()["reason"]  # Chinese only on the console
    client.post(
        f"/console/community/leaders/{other.code}/reject",
        data={"csrf_token": token, "reason": "所在小区已有团长"},
    )
    with transaction(town.runtime.read_sessions) as session:
        states = {v.code: v.status for v in community.list_leaders(session)}
    assert states[pending.code] == "approved" and states[other.code] == "rejected"


def test_the_cli_prints_the_batches_and_packing_list(cli, sqlite_url):
    from liveloop.clock import ManualClock
    from liveloop.config import get_settings
    from tests.community.conftest import make_community

    runtime = bootstrap.open_runtime(get_settings(), ManualClock(local(TODAY, 23).astimezone()))
    try:
        town = make_community(runtime, runtime.clock)  # type: ignore[arg-type]
        a = town.leader("王秀英")
        town.point("P1", a.code)
        order_no = town.paid_order("赵六", local(TODAY, 10), qty=2)
        code = town.to_point(order_no, "P1").code
    finally:
        runtime.close()
    result = cli("community", "batches", TOMORROW.isoformat(), "--build")
    assert result.exit_code == 0, result.output
    assert "1 orders added" in result.output
    for text in ("P1", "王秀英", code, order_no, "赵*"):
        assert text in result.output, text
    assert "赵六" not in result.output  # the terminal shows buyers masked
    assert cli("community", "batches", "2026-13-01").exit_code == 2


def test_the_demo_plants_leaders_points_bindings_and_tomorrows_batches(runtime, clock):
    now = clock.now()
    with transaction(runtime.sessions) as session:
        for sku in ("RICE-DB-5KG", "OIL-PEANUT-5L"):
            commerce.upsert_product(
                session, commerce.ProductSpec(sku, sku, "粮油", Decimal("49.90"), 365), now
            )
        for n in range(80):
            create_customer(session, NewCustomer(name=f"顾客{n}"), now, "test")
        assert leaders.plant(session, now, runtime.settings.tz)
    with transaction(runtime.sessions) as session:
        assert not leaders.plant(session, now, runtime.settings.tz)  # once
    tomorrow = now.astimezone(runtime.settings.tz).date() + timedelta(days=1)
    with transaction(runtime.read_sessions) as session:
        planted = community.list_leaders(session)
        batches = community.list_batches(session, tomorrow)
        today = community.list_batches(session, tomorrow - timedelta(days=1))
        bound = community.list_bindings(session, limit=500)
    assert len(planted) == 8
    assert sum(v.status == "approved" for v in planted) == 7
    assert sum(v.recruited_by is not None for v in planted) == 3
    assert len(batches) == 7 and all(b.orders == 8 for b in batches)
    assert len(bound) == 56
    assert all(b.status == "arrived" for b in today)
    assert sum(b.picked_up for b in today) == 28
