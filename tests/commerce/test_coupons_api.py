"""The coupon API as an operator's tools and a guide see it: every refusal is a 4xx with a
reason, never a 500."""

from __future__ import annotations

from sqlalchemy import select

from liveloop.access.service import create_api_key
from liveloop.profiles.models import Customer
from liveloop.store.engine import transaction
from tests.commerce.test_coupons import shop


def auth(runtime, role: str) -> dict[str, str]:
    with transaction(runtime.sessions) as session:
        key = create_api_key(session, f"{role}-key", role, runtime.clock.now())[1]
    return {"Authorization": f"Bearer {key}"}


def oneids(runtime) -> dict[str, str]:
    people = shop(runtime)
    with transaction(runtime.read_sessions) as session:
        return {
            name: session.scalar(select(Customer.oneid).where(Customer.id == person))
            for name, person in people.items()
        }


TEMPLATE = {
    "code": "NEW10",
    "name": "新客立减10元",
    "kind": "fixed",
    "amount": "10.00",
    "threshold": "30",
    "valid_days": 7,
    "total_limit": 2,
}


def test_operator_defines_a_template_and_issues_it_by_oneid(client, runtime):
    people = oneids(runtime)
    op = auth(runtime, "operator")
    created = client.post("/v1/coupon-templates", json=TEMPLATE, headers=op)
    assert created.status_code == 201, created.text
    assert created.json()["amount"] == "10.00" and created.json()["issued_count"] == 0

    body = {"template": "NEW10", "oneid": people["张秀英"], "idempotency_key": "welcome-1"}
    first = client.post("/v1/coupons", json=body, headers=op)
    assert first.status_code == 201, first.text
    coupon = first.json()
    assert coupon["status"] == "issued" and coupon["oneid"] == people["张秀英"]
    again = client.post("/v1/coupons", json=body, headers=op)
    assert again.status_code == 200 and again.json()["code"] == coupon["code"]

    read = client.get(f"/v1/coupons/{coupon['code']}", headers=auth(runtime, "guide"))
    assert read.status_code == 200 and read.json()["template_name"] == "新客立减10元"
    listed = client.get(
        "/v1/coupons", params={"customer": people["张秀英"], "status": "issued"}, headers=op
    ).json()
    assert listed["total"] == 1 and listed["rows"][0]["code"] == coupon["code"]
    assert client.get("/v1/coupons", params={"status": "redeemed"}, headers=op).json()["total"] == 0
    assert client.get("/v1/coupon-templates/NEW10", headers=op).json()["issued_count"] == 1

    voided = client.post(
        f"/v1/coupons/{coupon['code']}/void", json={"reason": "发错了"}, headers=op
    )
    assert voided.status_code == 200 and voided.json()["status"] == "void"
    twice = client.post(f"/v1/coupons/{coupon['code']}/void", json={"reason": "x"}, headers=op)
    assert twice.status_code == 409 and "only issued coupons" in twice.json()["reason"]


def test_refusals_are_4xx_with_reasons(client, runtime):
    people = oneids(runtime)
    op = auth(runtime, "operator")
    assert client.post("/v1/coupon-templates", json=TEMPLATE, headers=op).status_code == 201

    bad = client.post(
        "/v1/coupon-templates", json=TEMPLATE | {"code": "P", "kind": "percent"}, headers=op
    )
    assert bad.status_code == 422 and "pay_percent" in bad.json()["reason"]
    dup = client.post("/v1/coupon-templates", json=TEMPLATE, headers=op)
    assert dup.status_code == 409 and "already exists" in dup.json()["reason"]
    unknown_sku = client.post(
        "/v1/coupon-templates",
        json=TEMPLATE | {"code": "S", "scope": "skus", "scope_values": ["NOPE"]},
        headers=op,
    )
    assert unknown_sku.status_code == 400 and "NOPE" in unknown_sku.json()["reason"]

    def issue(**fields):
        body = {"template": "NEW10", "oneid": people["李静"]} | fields
        return client.post("/v1/coupons", json=body, headers=op)

    assert issue(template="NOPE").status_code == 404
    assert issue(oneid="P0000").status_code == 404
    assert issue(skus=["NOPE"]).status_code == 400
    assert issue(valid_hours=0).status_code == 422
    assert issue().status_code == 201
    limit = issue()
    assert limit.status_code == 409 and "per person" in limit.json()["reason"]
    assert issue(oneid=people["王芳"]).status_code == 201
    full = issue(oneid=people["张秀英"])
    assert full.status_code == 409 and "issued all 2" in full.json()["reason"]

    frozen = client.put(
        "/v1/coupon-templates/NEW10", json=TEMPLATE | {"amount": "20.00"}, headers=op
    )
    assert frozen.status_code == 409 and "frozen" in frozen.json()["reason"]
    off = client.put("/v1/coupon-templates/NEW10", json=TEMPLATE | {"active": False}, headers=op)
    assert off.status_code == 200 and off.json()["active"] is False
    assert client.delete("/v1/coupon-templates/NEW10", headers=op).status_code == 409
    assert client.get("/v1/coupons/AAAAAAAAAAAAAAAA", headers=op).status_code == 404
    assert client.get("/v1/coupons/not-a-code", headers=op).status_code == 422
    assert client.get("/v1/coupons", params={"status": "lost"}, headers=op).status_code == 422
    assert client.get("/v1/coupons", params={"customer": "P0"}, headers=op).status_code == 404

    unused = client.post("/v1/coupon-templates", json=TEMPLATE | {"code": "GONE"}, headers=op)
    assert unused.status_code == 201
    assert client.delete("/v1/coupon-templates/GONE", headers=op).status_code == 204
    assert client.get("/v1/coupon-templates/GONE", headers=op).status_code == 404


def test_only_operators_and_admins_change_coupons(client, runtime):
    oneids(runtime)
    guide, analyst = auth(runtime, "guide"), auth(runtime, "analyst")
    assert client.get("/v1/coupon-templates", headers=guide).status_code == 200
    assert client.get("/v1/coupon-templates", headers=analyst).status_code == 403
    refused = client.post("/v1/coupon-templates", json=TEMPLATE, headers=guide)
    assert refused.status_code == 403 and "operator" in refused.json()["reason"]
    assert (
        client.post(
            "/v1/coupon-templates", json=TEMPLATE, headers=auth(runtime, "admin")
        ).status_code
        == 201
    )
    assert client.get("/v1/coupons").status_code == 401


def test_an_astronomical_amount_is_a_422_not_a_500(client, runtime):
    body = {"code": "huge", "name": "大额", "kind": "fixed", "amount": "1E+30", "valid_days": 7}
    response = client.post("/v1/coupon-templates", json=body, headers=auth(runtime, "operator"))
    assert response.status_code == 422
    assert "1,000,000" in response.text
