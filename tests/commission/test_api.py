"""Over HTTP: an operator sets rates (a third level is 422 with the reason), approves and pays
withdrawals and reconciles; leader A's key reads and asks only for A's commission — B's is 404
to it, and its withdrawal list leaves B's out."""

from __future__ import annotations

from liveloop.access.service import create_api_key
from liveloop.store.engine import transaction

from .conftest import EGG, RICE


def _keys(shop) -> dict[str, dict[str, str]]:
    with transaction(shop.runtime.sessions) as session:
        made = {
            name: create_api_key(session, name, role, shop.clock.now())[1]
            for name, role in (
                ("op", "operator"),
                ("leader-a", "leader"),
                ("leader-b", "leader"),
                ("nobody", "leader"),
                ("analyst", "analyst"),
            )
        }
    return {name: {"Authorization": f"Bearer {key}"} for name, key in made.items()}


def test_leader_a_cannot_read_or_spend_leader_bs_commission(shop, client):
    keys = _keys(shop)
    for level, rate in ((1, "0.1000"), (2, "0.0300")):
        made = client.post(
            "/v1/commission/rates",
            json={"level": level, "scope": "default", "rate": rate},
            headers=keys["op"],
        )
        assert made.status_code == 201, made.text
    third = client.post(
        "/v1/commission/rates",
        json={"level": 3, "scope": "default", "rate": "0.01"},
        headers=keys["op"],
    )
    assert third.status_code == 422 and "三级" in third.json()["reason"]
    assert (
        client.post(
            "/v1/commission/rates",
            json={"level": 1, "scope": "default", "rate": "0.5"},
            headers=keys["op"],
        ).status_code
        == 422
    )
    a = shop.leader("王团长", username="leader-a")
    b = shop.leader("李团长", username="leader-b")
    shop.pay(a, [(RICE, 5)])  # 199.50 × 10 % = 19.95
    shop.pay(b, [(EGG, 10)])  # 199.00 × 10 % = 19.90
    shop.work()
    shop.later(days=8)
    shop.work()

    mine = client.get(f"/v1/commission/leaders/{a}/balance", headers=keys["leader-a"])
    assert mine.status_code == 200 and mine.json()["withdrawable"] == "19.95"
    for path in ("balance", "entries", "statements/2026-11"):
        theirs = client.get(f"/v1/commission/leaders/{b}/{path}", headers=keys["leader-a"])
        assert theirs.status_code == 404, path
        assert "19.90" not in theirs.text
    stranger = client.get(f"/v1/commission/leaders/{a}/balance", headers=keys["nobody"])
    assert stranger.status_code == 404
    assert client.get("/v1/commission/withdrawals", headers=keys["nobody"]).json() == []
    entries = client.get(f"/v1/commission/leaders/{a}/entries", headers=keys["leader-a"]).json()
    assert [(e["order_no"], e["amount"], e["state"]) for e in entries["rows"]] == [
        ("CM000001", "19.95", "settled")
    ]

    spend_b = client.post(
        "/v1/commission/withdrawals",
        json={"leader": b, "amount": "10.00", "request_id": "x1"},
        headers=keys["leader-a"],
    )
    assert spend_b.status_code == 404
    over = client.post(
        "/v1/commission/withdrawals",
        json={"leader": a, "amount": "19.96", "request_id": "a0"},
        headers=keys["leader-a"],
    )
    assert over.status_code == 409 and "超过可提现余额" in over.json()["reason"]
    asked = client.post(
        "/v1/commission/withdrawals",
        json={"leader": a, "amount": "19.95", "request_id": "a1"},
        headers=keys["leader-a"],
    )
    assert asked.status_code == 201 and asked.json()["status"] == "requested"
    again = client.post(
        "/v1/commission/withdrawals",
        json={"leader": a, "amount": "19.95", "request_id": "a1"},
        headers=keys["leader-a"],
    )
    assert again.json()["withdrawal_no"] == asked.json()["withdrawal_no"]
    assert again.json()["created"] is False
    client.post(
        "/v1/commission/withdrawals",
        json={"leader": b, "amount": "5.00", "request_id": "b1"},
        headers=keys["leader-b"],
    )
    listed = client.get("/v1/commission/withdrawals", headers=keys["leader-a"]).json()
    assert {w["leader"] for w in listed} == {a}
    number = asked.json()["withdrawal_no"]
    assert (
        client.post(
            f"/v1/commission/withdrawals/{number}/approve", headers=keys["leader-a"]
        ).status_code
        == 403
    )
    assert (
        client.post(f"/v1/commission/withdrawals/{number}/approve", headers=keys["op"]).json()[
            "status"
        ]
        == "approved"
    )
    paid = client.post(f"/v1/commission/withdrawals/{number}/pay", headers=keys["op"])
    assert paid.json()["status"] == "paid"
    b_no = next(
        w
        for w in client.get("/v1/commission/withdrawals", headers=keys["op"]).json()
        if w["leader"] == b
    )["withdrawal_no"]
    assert (
        client.get(f"/v1/commission/withdrawals/{b_no}", headers=keys["leader-a"]).status_code
        == 404
    )
    rejected = client.post(f"/v1/commission/withdrawals/{b_no}/reject", json={}, headers=keys["op"])
    assert rejected.status_code == 422

    balance = client.get(f"/v1/commission/leaders/{a}/balance", headers=keys["op"]).json()
    assert (balance["withdrawable"], balance["withdrawn"]) == ("0.00", "19.95")
    statement = client.get(
        f"/v1/commission/leaders/{a}/statements/2026-11", headers=keys["leader-a"]
    ).json()
    assert (statement["earned"], statement["withdrawn"], statement["closing"]) == (
        "19.95",
        "19.95",
        "0.00",
    )
    assert (
        client.get(f"/v1/commission/leaders/{a}/statements/2026-13", headers=keys["op"]).status_code
        == 422
    )
    reconciled = client.post("/v1/commission/reconcile", headers=keys["analyst"]).json()
    assert reconciled["balanced"] and reconciled["difference"] == "0.00"
    assert reconciled["orders"] == 2
