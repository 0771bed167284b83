"""Members and points over HTTP as an operator's tools see them: the member with a debt says
so, the ledger reads in Chinese, an adjustment repeats safely, rules are refused with reasons."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from liveloop.access.service import create_api_key
from liveloop.profiles.models import Customer
from liveloop.store.engine import transaction
from tests.loyalty.shop import Shop


def auth(runtime, role: str) -> dict[str, str]:
    with transaction(runtime.sessions) as session:
        key = create_api_key(session, f"{role}-key", role, runtime.clock.now())[1]
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def member(runtime) -> tuple[Shop, int, str]:
    """张秀英 bought for ¥120 and ¥40, spent 120 points, then SO1 was refunded: she owes 80."""
    shop = Shop(runtime)
    zhang = shop.person("张秀英")
    shop.paid(zhang, "SO1", "120.00")
    shop.paid(zhang, "SO2", "40.00")
    shop.later(days=8)
    shop.spend(zhang, 120, "order:SO3:spend", order_no="SO3")
    shop.refunded(zhang, "SO1", refund_no="RF1", amount="120.00", full=True)
    with transaction(runtime.read_sessions) as session:
        oneid = session.scalar(select(Customer.oneid).where(Customer.id == zhang))
    return shop, zhang, oneid


def test_a_member_with_a_debt_shows_it(client, runtime, member):
    _, _, oneid = member
    got = client.get(f"/v1/members/{oneid}", headers=auth(runtime, "guide"))
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["available"], body["frozen"], body["owed"]) == (-80, 0, 80)
    assert body["tier"] == "基础" and body["growth"] == "40.00"
    assert body["next_tier"] == "银卡" and body["growth_to_next"] == "960.00"
    assert client.get("/v1/members/PNOBODY", headers=auth(runtime, "guide")).status_code == 404


def test_the_ledger_pages_newest_first(client, runtime, member):
    _, _, oneid = member
    got = client.get(f"/v1/members/{oneid}/points?page_size=2", headers=auth(runtime, "operator"))
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["total"] == 6  # two earnings, two releases, a spend, a claw-back
    first = body["rows"][0]
    assert (first["kind_name"], first["available_change"], first["available_after"]) == (
        "退款追回",
        -120,
        -80,
    )
    assert first["source_key"] == "refund:RF1:clawback"


def test_an_admins_adjustment_is_unique_on_its_key(client, runtime, member):
    _, _, oneid = member
    admin = auth(runtime, "admin")
    body = {"points": 100, "reason": "客诉补偿", "key": "ticket-881"}
    first = client.post(f"/v1/members/{oneid}/points/adjust", json=body, headers=admin)
    assert first.status_code == 201, first.text
    assert first.json()["member"]["available"] == 20 and first.json()["member"]["owed"] == 0
    again = client.post(f"/v1/members/{oneid}/points/adjust", json=body, headers=admin)
    assert again.status_code == 200 and again.json()["posting_id"] == first.json()["posting_id"]
    other = client.post(
        f"/v1/members/{oneid}/points/adjust", json={**body, "points": 5}, headers=admin
    )
    assert other.status_code == 409
    short = client.post(
        f"/v1/members/{oneid}/points/adjust",
        json={"points": -50, "reason": "误发", "key": "ticket-882"},
        headers=admin,
    )
    assert short.status_code == 409 and "积分不足" in short.json()["reason"]
    operator = client.post(
        f"/v1/members/{oneid}/points/adjust", json=body, headers=auth(runtime, "operator")
    )
    assert operator.status_code == 403


def test_rules_are_read_and_replaced_with_reasons_for_what_cannot_be(client, runtime):
    op = auth(runtime, "operator")
    tiers = client.get("/v1/loyalty/tiers", headers=op).json()
    assert [t["name"] for t in tiers["tiers"]] == ["基础", "银卡", "金卡"]
    tiers["window_months"] = 6
    tiers["tiers"][1]["threshold"] = "800.00"
    put = client.put("/v1/loyalty/tiers", json=tiers, headers=op)
    assert put.status_code == 200, put.text
    assert client.get("/v1/loyalty/tiers", headers=op).json()["window_months"] == 6
    tiers["tiers"][2]["threshold"] = "100"
    bad = client.put("/v1/loyalty/tiers", json=tiers, headers=op)
    assert bad.status_code == 422 and "逐级升高" in bad.text

    rules = client.get("/v1/loyalty/points-rules", headers=op).json()
    assert rules["interactions"]["Live Comment Posted"] == {"points": 1, "daily_cap": 5}
    rules["points_per_yuan"] = 50
    assert client.put("/v1/loyalty/points-rules", json=rules, headers=op).status_code == 200
    rules["interactions"]["Page Viewed"] = {"points": 1, "daily_cap": 1}
    bad = client.put("/v1/loyalty/points-rules", json=rules, headers=op)
    assert bad.status_code == 422 and "不能奖励积分的事件" in bad.text
    guide = client.put("/v1/loyalty/points-rules", json=rules, headers=auth(runtime, "guide"))
    assert guide.status_code == 403


def test_a_person_without_orders_is_a_member_of_nothing_yet(client, runtime):
    shop = Shop(runtime)
    li = shop.person("李静")
    with transaction(runtime.read_sessions) as session:
        oneid = session.scalar(select(Customer.oneid).where(Customer.id == li))
    body = client.get(f"/v1/members/{oneid}", headers=auth(runtime, "analyst")).json()
    assert (body["tier"], body["available"], body["owed"], body["window_end"]) == (
        "基础",
        0,
        0,
        None,
    )
    ledger = client.get(f"/v1/members/{oneid}/points", headers=auth(runtime, "analyst")).json()
    assert ledger["total"] == 0 and ledger["rows"] == []
