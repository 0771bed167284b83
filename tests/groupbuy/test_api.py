"""/v1/group-buys and /v1/presales as an integrator and an operator call them: a campaign
created, a group opened and joined by OneID with the payment's transaction id, the refusals
with their reasons (409, 422), the group's state and its reconciliation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from liveloop.access.contracts import Role
from liveloop.access.service import create_api_key
from liveloop.profiles.service import oneids_of
from liveloop.store.engine import transaction


@pytest.fixture
def keys(shop):
    found = {}
    with transaction(shop.runtime.sessions) as session:
        for role in (Role.OPERATOR, Role.INTEGRATOR, Role.ANALYST):
            _, key = create_api_key(session, role.value, role, shop.clock.now())
            found[role] = {"Authorization": f"Bearer {key}"}
    return found


def oneid(shop, name):
    person = shop.person(name)
    with transaction(shop.runtime.read_sessions) as session:
        return oneids_of(session, [person])[person]


def test_a_campaign_is_created_opened_and_joined_over_http(shop, client, keys):
    now = shop.clock.now()
    body = {
        "code": "RICE-API",
        "name": "东北大米 拼团",
        "sku": "RICE-DB-5KG",
        "tiers": [{"size": 2, "price": "59"}, {"size": 3, "price": "49"}],
        "window_hours": 24,
        "max_size": 3,
        "per_person_limit": 1,
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat(),
    }
    assert (
        client.post(
            "/v1/group-buys/campaigns", json=body, headers=keys[Role.INTEGRATOR]
        ).status_code
        == 403
    )
    bad = {
        **body,
        "code": "BAD",
        "tiers": [{"size": 3, "price": "49"}, {"size": 5, "price": "59"}],
        "max_size": 5,
    }
    refused = client.post("/v1/group-buys/campaigns", json=bad, headers=keys[Role.OPERATOR])
    assert refused.status_code == 422 and "应低于" in refused.json()["reason"]
    made = client.post("/v1/group-buys/campaigns", json=body, headers=keys[Role.OPERATOR])
    assert made.status_code == 201, made.text
    assert [(t["size"], t["price"]) for t in made.json()["tiers"]] == [(2, "59.00"), (3, "49.00")]

    checkout = keys[Role.INTEGRATOR]
    join = {"oneid": oneid(shop, "团长"), "order_no": "API-1", "transaction_id": "wx-1"}
    opened = client.post("/v1/group-buys/campaigns/RICE-API/groups", json=join, headers=checkout)
    assert opened.status_code == 201, opened.text
    group = opened.json()["group"]
    again = client.post("/v1/group-buys/campaigns/RICE-API/groups", json=join, headers=checkout)
    assert again.status_code == 200 and again.json()["slot"] == 1
    for n, name in enumerate(("甲", "乙"), start=2):
        joined = client.post(
            f"/v1/group-buys/groups/{group}/members",
            json={"oneid": oneid(shop, name), "order_no": f"API-{n}", "transaction_id": f"wx-{n}"},
            headers=checkout,
        )
        assert joined.status_code == 201 and joined.json()["slot"] == n
    assert joined.json()["group_status"] == "succeeded"
    late = client.post(
        f"/v1/group-buys/groups/{group}/members",
        json={"oneid": oneid(shop, "丙"), "order_no": "API-9", "transaction_id": "wx-9"},
        headers=checkout,
    )
    assert late.status_code == 409 and "已结束" in late.json()["reason"]
    state = client.get(f"/v1/group-buys/groups/{group}", headers=keys[Role.ANALYST]).json()
    assert (state["status"], state["final_price"], state["member_count"]) == (
        "succeeded",
        "49.00",
        3,
    )
    assert [m["refund_amount"] for m in state["members"]] == ["10.00"] * 3
    assert [m["order_no"] for m in state["members"]] == ["API-1", "API-2", "API-3"]
    books = client.get(f"/v1/group-buys/groups/{group}/reconciliation", headers=keys[Role.ANALYST])
    assert books.status_code == 200 and books.json()["balanced"] is True
    assert books.json()["paid_total"] == "177.00" and books.json()["owed_total"] == "30.00"


def test_unknown_people_and_groups_are_refused_with_a_reason(shop, client, keys):
    shop.campaign()
    answer = client.post(
        "/v1/group-buys/campaigns/RICE-GB/groups",
        json={"oneid": "nobody", "order_no": "X-1", "transaction_id": "wx"},
        headers=keys[Role.INTEGRATOR],
    )
    assert answer.status_code == 422 and "OneID" in answer.json()["reason"]
    missing = client.get("/v1/group-buys/groups/NOPE-1", headers=keys[Role.ANALYST])
    assert missing.status_code == 404 and "没有拼团" in missing.json()["reason"]


def test_a_presale_over_http_refuses_a_deposit_above_a_fifth(shop, client, keys):
    from tests.presale.conftest import make_counter

    make_counter(shop.runtime, shop.clock)
    now = shop.clock.now()
    body = {
        "code": "MOON-API",
        "name": "中秋月饼 预售",
        "sku": "MOONCAKE-GIFT",
        "price": "128.00",
        "deposit": "30.00",
        "quota": 10,
        "balance_starts_at": (now + timedelta(days=3)).isoformat(),
        "balance_ends_at": (now + timedelta(days=6)).isoformat(),
    }
    refused = client.post("/v1/presales", json=body, headers=keys[Role.OPERATOR])
    assert refused.status_code == 422 and "20%" in refused.json()["reason"]
    made = client.post(
        "/v1/presales", json={**body, "deposit": "20.00"}, headers=keys[Role.OPERATOR]
    )
    assert made.status_code == 201, made.text
    paid = client.post(
        "/v1/presales/MOON-API/deposits",
        json={"oneid": oneid(shop, "买家"), "order_no": "PS-API-1", "transaction_id": "wx-ps-1"},
        headers=keys[Role.INTEGRATOR],
    )
    assert paid.status_code == 201 and paid.json()["status"] == "deposit_paid"
    early = client.post(
        "/v1/presales/MOON-API/orders/PS-API-1/balance",
        json={"order_no": "PS-API-1B", "transaction_id": "wx-ps-1b"},
        headers=keys[Role.INTEGRATOR],
    )
    assert early.status_code == 409 and "尾款" in early.json()["reason"]
    cancelled = client.post(
        "/v1/presales/MOON-API/cancel", json={"reason": "原料短缺"}, headers=keys[Role.OPERATOR]
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    refunds = client.get("/v1/presales/MOON-API/refunds", headers=keys[Role.ANALYST]).json()
    assert [(r["order_no"], r["amount"], r["refund_no"]) for r in refunds] == [
        ("PS-API-1", "20.00", "PS-MOON-API-PS-API-1")
    ]
