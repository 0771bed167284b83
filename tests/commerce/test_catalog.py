"""The catalog as an operator and an integrator use it: SKUs grouped into a product (SPU) in
several 规格, regional pools that decide where a SKU may be sold, seasons, and the refusals —
every field at fault named, never a 500, nothing half-written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from liveloop.commerce import service as commerce
from liveloop.store.engine import transaction
from tests.commerce.test_coupons_api import auth

RICE_5 = {
    "sku": "RICE-XIAN-5KG",
    "name": "有机丝苗籼米 5kg",
    "category": "大米杂粮",
    "price": "69.90",
    "shelf_life_days": 365,
    "spu": "RICE-XIAN",
    "spec": "5kg",
    "pool": "south",
    "months_on_sale": [1, 2, 3, 9, 10, 11, 12],
    "peak_months": [10, 11],
}


def test_a_product_in_two_specs_is_created_read_and_listed(store_client, store_runtime):
    op = auth(store_runtime, "operator")
    first = store_client.post("/v1/products", json=RICE_5, headers=op)
    assert first.status_code == 201, first.text
    assert first.json()["pool_label"] == "南方籼米区"
    assert "广东省" in first.json()["provinces"] and "北京市" not in first.json()["provinces"]
    ten = {**RICE_5, "sku": "RICE-XIAN-10KG", "name": "马坝油粘籼米 10kg", "spec": "10kg"}
    assert store_client.post("/v1/products", json=ten, headers=op).status_code == 201

    detail = store_client.get(
        "/v1/products/RICE-XIAN-5KG", headers=auth(store_runtime, "guide")
    ).json()
    assert [(s["sku"], s["spec"]) for s in detail["skus"]] == [
        ("RICE-XIAN-10KG", "10kg"),
        ("RICE-XIAN-5KG", "5kg"),
    ]
    assert detail["peak_months"] == [10, 11] and detail["price"] == "69.90"

    found = store_client.get("/v1/products", params={"q": "丝苗"}, headers=op).json()
    assert found["total"] == 1 and found["rows"][0]["sku"] == "RICE-XIAN-5KG"
    page = store_client.get("/v1/products", params={"spu": "RICE-XIAN", "page_size": 1}, headers=op)
    assert page.json()["total"] == 2 and len(page.json()["rows"]) == 1
    # A search for a LIKE wildcard finds nothing rather than everything.
    assert store_client.get("/v1/products", params={"q": "%"}, headers=op).json()["total"] == 0


def test_a_sku_is_sold_only_in_its_pool_and_while_on_sale(store_client, store_runtime):
    op = auth(store_runtime, "operator")
    store_client.post("/v1/products", json=RICE_5, headers=op)
    jing = {**RICE_5, "sku": "RICE-JING-5KG", "name": "五常稻花香粳米 5kg", "pool": "north"}
    jing |= {"spu": "RICE-JING"}
    store_client.post("/v1/products", json=jing, headers=op)
    with transaction(store_runtime.read_sessions) as session:
        refused = commerce.sellable_in(session, ["RICE-XIAN-5KG", "RICE-JING-5KG"], "广东")
        assert list(refused) == ["RICE-JING-5KG"] and "北方粳米区" in refused["RICE-JING-5KG"]
        assert commerce.sellable_in(session, ["RICE-XIAN-5KG"], "广东省") == {}
        assert "RICE-XIAN-5KG" in commerce.sellable_in(session, ["RICE-XIAN-5KG"], "黑龙江")

    off = store_client.post("/v1/products/RICE-XIAN-5KG/deactivate", headers=op)
    assert off.status_code == 200 and off.json()["active"] is False
    assert store_client.post("/v1/products/RICE-XIAN-5KG/deactivate", headers=op).status_code == 200
    with transaction(store_runtime.read_sessions) as session:
        assert "下架" in commerce.sellable_in(session, ["RICE-XIAN-5KG"], "广东")["RICE-XIAN-5KG"]
        assert "RICE-XIAN-5KG" not in commerce.known_skus(session)

    # A pool changed moves every SKU in it at once.
    moved = store_client.put(
        "/v1/product-pools/north",
        json={"label": "北方粳米区", "provinces": ["北京", "广东"]},
        headers=op,
    )
    assert moved.status_code == 200 and moved.json()["provinces"] == ["北京市", "广东省"]
    with transaction(store_runtime.read_sessions) as session:
        assert commerce.sellable_in(session, ["RICE-JING-5KG"], "广东") == {}


def test_a_patch_changes_only_what_it_sends_and_null_clears(client, runtime):
    op = auth(runtime, "operator")
    client.post("/v1/products", json=RICE_5, headers=op)
    changed = client.patch(
        "/v1/products/RICE-XIAN-5KG",
        json={"price": "65.00", "pool": None, "months_on_sale": None},
        headers=op,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["price"] == "65.00" and body["pool"] is None and body["provinces"] == []
    assert body["months_on_sale"] is None and body["peak_months"] == [10, 11]
    assert body["name"] == RICE_5["name"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({**RICE_5, "pool": "mars"}, {"pool"}),
        ({**RICE_5, "peak_months": [6]}, {"peak_months"}),
        ({**RICE_5, "spu": None}, {"spec"}),
        ({**RICE_5, "pool": "mars", "peak_months": [6]}, {"pool", "peak_months"}),
    ],
)
def test_a_product_that_cannot_mean_one_thing_is_refused_naming_each_field(
    client, runtime, body, fields
):
    op = auth(runtime, "operator")
    refused = client.post("/v1/products", json=body, headers=op)
    assert refused.status_code == 422, refused.text
    assert {d["field"] for d in refused.json()["details"]} == fields
    assert client.get("/v1/products", headers=op).json()["total"] == 0


def test_refusals_are_4xx_with_reasons(client, runtime):
    op = auth(runtime, "operator")
    assert client.post("/v1/products", json=RICE_5, headers=op).status_code == 201
    taken = client.post("/v1/products", json=RICE_5, headers=op)
    assert taken.status_code == 409 and "已存在" in taken.json()["reason"]
    assert client.get("/v1/products/NOPE", headers=op).status_code == 404
    assert client.patch("/v1/products/NOPE", json={"price": "1"}, headers=op).status_code == 404
    bad = client.post("/v1/products", json={**RICE_5, "sku": "X", "price": "-1"}, headers=op)
    assert bad.status_code == 422
    guide = auth(runtime, "guide")
    assert client.post("/v1/products", json=RICE_5, headers=guide).status_code == 403
    assert client.get("/v1/products").status_code == 401


def test_the_legacy_upsert_still_writes_a_nationwide_sku(runtime):
    with transaction(runtime.sessions) as session:
        commerce.upsert_product(
            session,
            commerce.ProductSpec("SOY-500", "酱油", "调味品", Decimal("19.90"), 540),
            runtime.clock.now(),
        )
    with transaction(runtime.read_sessions) as session:
        view = commerce.get_product(session, "SOY-500").product
    assert view.provinces == () and view.season(7) == "on_sale"


def test_an_order_to_a_province_outside_the_skus_pool_is_refused_with_the_reason(client, runtime):
    op = auth(runtime, "operator")
    jing = {**RICE_5, "sku": "RICE-JING-5KG", "name": "五常稻花香粳米 5kg", "pool": "north"}
    assert client.post("/v1/products", json=jing | {"spu": "RICE-JING"}, headers=op).is_success

    def order(no: str, province: str):
        return client.post(
            "/v1/orders",
            json={
                "order_no": no,
                "customer": {"type": "phone", "value": "+8613800138000"},
                "lines": [{"sku": "RICE-JING-5KG", "quantity": 1}],
                "address": {
                    "name": "张秀英",
                    "phone": "+8613800138000",
                    "province": province,
                    "city": "广州市",
                    "district": "天河区",
                    "detail": "体育西路 1 号",
                },
                "channel": "miniapp",
            },
            headers=op,
        )

    refused = order("POOL-1", "广东省")
    assert refused.status_code == 422
    assert "只在北方粳米区销售" in refused.json()["reason"] and "广东省" in refused.json()["reason"]
    assert client.get("/v1/orders/POOL-1", headers=op).status_code == 404
    assert order("POOL-2", "黑龙江省").status_code == 201
