"""The demo's first leader, ``tuanzhang1``, logs in with the demo password and finds a day's
work: today's batch arrived with pickups waiting, their customers, an upcoming live invite
with posters, and their ranking."""

from __future__ import annotations

from decimal import Decimal

from liveloop.commerce import service as commerce
from liveloop.live import service as lives
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.sim import leaders, rooms
from liveloop.store.engine import transaction
from tests.community.portal.conftest import _csrf

PASSWORD = "demo-password-1"


def test_tuanzhang1_sees_todays_pickups_customers_an_invite_and_a_ranking(runtime, clock, client):
    now = clock.now()
    with transaction(runtime.sessions) as session:
        for sku in ("RICE-DB-5KG", "OIL-PEANUT-5L"):
            commerce.upsert_product(
                session, commerce.ProductSpec(sku, sku, "粮油", Decimal("49.90"), 365), now
            )
        for n in range(80):
            create_customer(session, NewCustomer(name=f"顾客{n}"), now, "test")
        assert leaders.plant(session, now, runtime.settings.tz)
        rooms.ensure_rooms(session, now)  # the demo's rooms and its weekly show
        lives.schedule_show(
            session,
            lives.ShowSpec(
                room="main",
                title=rooms.WEEKLY_TITLE,
                scheduled_at=rooms.next_wednesday_evening(now, runtime.settings.tz),
            ),
            now,
        )
        assert leaders.leader_login(session, now, PASSWORD) == "tuanzhang1"
    with transaction(runtime.sessions) as session:  # a second start changes nothing
        leaders.leader_login(session, now, PASSWORD)
    form = client.get("/console/login")
    client.post(
        "/console/login",
        data={"username": "tuanzhang1", "password": PASSWORD, "csrf_token": _csrf(form.text)},
    )
    today = client.get("/console/leader")
    assert today.status_code == 200 and "已到货" in today.text
    assert '待取货 <span class="muted">4 单' in today.text  # 8 arrived, half collected
    assert "明日批次" in today.text and "已有 8 单" in today.text
    customers = client.get("/console/leader/customers")
    assert "8 位" in customers.text and "经我下单 2 次" in customers.text
    materials = client.get("/console/leader/materials")
    assert rooms.WEEKLY_TITLE in materials.text and "/s/" in materials.text
    ranking = client.get("/console/leader/ranking")
    assert "第 " in ranking.text and "/ 7 位" in ranking.text
