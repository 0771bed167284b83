"""The subscriptions and memberships API as a mini-program's back end and an operator use it:
every refusal a 4xx with a reason, never a 500."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from liveloop.access.service import create_api_key
from liveloop.profiles.models import Customer
from liveloop.store.engine import transaction
from tests.subscriptions.conftest import build_shop
from tests.subscriptions.test_memberships import buy


def auth(runtime, role: str) -> dict[str, str]:
    with transaction(runtime.sessions) as session:
        key = create_api_key(session, f"{role}-key", role, runtime.clock.now())[1]
    return {"Authorization": f"Bearer {key}"}


def test_subscribe_skip_pause_resume_cancel_over_http(client, runtime):
    shop = build_shop(runtime)
    with transaction(runtime.read_sessions) as session:
        oneid = session.scalar(select(Customer.oneid).where(Customer.id == shop.customer))
    app, op = auth(runtime, "integrator"), auth(runtime, "operator")
    plans = client.get("/v1/subscriptions/plans", headers=op).json()
    assert [(p["code"], p["price"], p["cadence"]) for p in plans] == [("rice", "79.90", "monthly")]
    body = {
        "key": "mp-1",
        "oneid": oneid,
        "plan": "rice",
        "first_on": (shop.today() + timedelta(days=3)).isoformat(),
        "address": {"city": "哈尔滨", "line": "中央大街1号"},
    }
    made = client.post("/v1/subscriptions", json=body, headers=app)
    assert made.status_code == 201, made.text
    sub = made.json()
    assert sub["state"] == "active" and len(sub["upcoming"]) == 3
    assert client.post("/v1/subscriptions", json=body, headers=app).status_code == 200
    base = f"/v1/subscriptions/{sub['id']}"
    skipped = client.post(f"{base}/skip", json={}, headers=app).json()
    assert skipped["next_cycle"] == 2
    assert client.post(f"{base}/pause", headers=app).json()["state"] == "paused"
    assert client.post(f"{base}/resume", headers=app).json()["state"] == "active"
    moved = client.put(f"{base}/address", json={"address": {"city": "长春"}}, headers=app)
    assert moved.json()["address"] == {"city": "长春"}
    listed = client.get("/v1/subscriptions", params={"customer": oneid}, headers=op).json()
    assert [s["id"] for s in listed] == [sub["id"]]
    cancelled = client.post(f"{base}/cancel", json={"reason": "不需要了"}, headers=app)
    assert cancelled.json()["state"] == "cancelled"
    refused = client.post(f"{base}/resume", headers=app)
    assert refused.status_code == 409 and "取消" in refused.json()["reason"]
    assert client.get("/v1/subscriptions/999", headers=op).status_code == 404
    assert (
        client.post(
            "/v1/subscriptions", json={**body, "plan": "nope", "key": "x"}, headers=app
        ).status_code
        == 404
    )
    past = {**body, "key": "y", "first_on": (shop.today() - timedelta(days=1)).isoformat()}
    assert client.post("/v1/subscriptions", json=past, headers=app).status_code == 422
    assert (
        client.post("/v1/subscriptions", json=body, headers=auth(runtime, "guide")).status_code
        == 403
    )


def test_memberships_over_http_use_deliveries_and_refund_to_the_fen(client, runtime):
    shop = build_shop(runtime)
    buy(shop, "SO-M1")
    op = auth(runtime, "operator")
    (plan,) = client.get("/v1/memberships/plans", headers=op).json()
    assert (plan["price"], plan["deliveries"], plan["share"]) == ("199.00", 4, "49.75")
    (m,) = client.get("/v1/memberships", headers=op).json()
    used = client.post(f"/v1/memberships/{m['id']}/deliveries", json={}, headers=op)
    assert used.status_code == 201 and used.json()["deliveries_left"] == 3
    refunded = client.post(f"/v1/memberships/{m['id']}/refund", json={"reason": "退会"}, headers=op)
    assert refunded.json()["refunded"] == "149.25"
    none_left = client.post(f"/v1/memberships/{m['id']}/deliveries", json={}, headers=op)
    assert none_left.status_code == 409 and "退款" in none_left.json()["reason"]
