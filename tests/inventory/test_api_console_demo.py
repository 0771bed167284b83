"""/v1/inventory as an ERP (integrator), an operator and an analyst call it: receipts (replayed:
nothing moves), counts, stock by SKU, moves, the route preview with its Chinese explanation;
the 库存 console page; ``liveloop inventory stock``; the demo's warehouses and lots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from liveloop.access.contracts import Role
from liveloop.access.service import create_api_key
from liveloop.commerce import service as commerce
from liveloop.inventory import service as inventory
from liveloop.sim import inventory as sim_inventory
from liveloop.sim.catalog import CATALOG
from liveloop.store.engine import transaction
from tests.console.test_console import _user, login
from tests.inventory.conftest import MILK, RICE


@pytest.fixture
def keys(stockroom):
    found = {}
    with transaction(stockroom.runtime.sessions) as session:
        for role in (Role.OPERATOR, Role.INTEGRATOR, Role.ANALYST):
            _, key = create_api_key(session, role.value, role, stockroom.clock.now())
            found[role] = {"Authorization": f"Bearer {key}"}
    return found


def receipt(no: str, quantity: int = 20) -> dict:
    today = datetime(2026, 11, 20).date()
    return {
        "receipt_no": no,
        "lines": [
            {
                "warehouse": "SH",
                "sku": MILK,
                "lot_no": "M20261119",
                "zone": "chilled",
                "produced_on": str(today - timedelta(days=1)),
                "expires_on": str(today + timedelta(days=6)),
                "quantity": quantity,
            }
        ],
    }


def test_an_erp_receipt_a_count_and_the_stock_over_http(stockroom, client, keys):
    erp, ops, analyst = keys[Role.INTEGRATOR], keys[Role.OPERATOR], keys[Role.ANALYST]
    first = client.post("/v1/inventory/receipts", json=receipt("ERP-1"), headers=erp)
    again = client.post("/v1/inventory/receipts", json=receipt("ERP-1"), headers=erp)
    assert first.status_code == 200 and first.json()[0]["changed"] is True
    assert again.json()[0]["changed"] is False and again.json()[0]["lot"]["on_hand"] == 20
    count = {
        "key": "PD-1",
        "warehouse": "SH",
        "sku": MILK,
        "lot_no": "M20261119",
        "counted": 18,
        "reason": "盘点:破损 2 瓶",
    }
    assert client.post("/v1/inventory/adjustments", json=count, headers=erp).status_code == 403
    adjusted = client.post("/v1/inventory/adjustments", json=count, headers=ops)
    assert adjusted.json()["delta"] == -2
    stock = client.get(f"/v1/inventory/stock/{MILK}", headers=analyst).json()
    assert (stock["on_hand"], stock["available"]) == (18, 18)
    moves = client.get("/v1/inventory/moves", params={"sku": MILK}, headers=analyst).json()
    assert [m["kind"] for m in moves] == ["adjust", "receive"]
    bad = receipt("ERP-2")
    bad["lines"][0]["warehouse"] = "BJ"
    refused = client.post("/v1/inventory/receipts", json=bad, headers=erp)
    assert refused.status_code == 422 and "华北仓没有冷藏温区" in refused.json()["reason"]
    unknown = receipt("ERP-3")
    unknown["lines"][0]["warehouse"] = "XX"
    assert client.post("/v1/inventory/receipts", json=unknown, headers=erp).status_code == 404


def test_the_route_preview_sends_a_chilled_order_to_the_cold_warehouse_that_holds_it(
    stockroom, client, keys
):
    stockroom.receive("SH", MILK, "M1", 30, expires_in=6, zone=inventory_zone("chilled"))
    stockroom.receive("BJ", RICE, "R1", 30)
    body = {
        "lines": [{"sku": MILK, "quantity": 2, "name": "鲜牛奶周卡"}],
        "lat": 39.3434,
        "lon": 117.3616,
        "label": "天津和平区",
        "at": "2026-11-20T02:00:00+00:00",
    }
    plan = client.post("/v1/inventory/route-preview", json=body, headers=keys[Role.ANALYST])
    assert plan.status_code == 200, plan.text
    found = plan.json()
    assert [(s["warehouse"], s["carrier"]) for s in found["shipments"]] == [("SH", "顺丰冷运")]
    assert found["shipments"][0]["lines"][0]["cold"] == "chilled"  # as its lots are stored
    assert any("华北仓没有冷藏区" in line for line in found["explanation"])


def inventory_zone(name):
    from liveloop.inventory.contracts import Zone

    return Zone(name)


def test_place_order_over_http_is_refused_out_of_stock_with_the_reason(stockroom, client, keys):
    stockroom.receive("SH", RICE, "R1", 2)
    buyer = stockroom.person()
    from liveloop.profiles.service import oneids_of

    with transaction(stockroom.runtime.read_sessions) as session:
        oneid = oneids_of(session, [buyer])[buyer]
    body = {
        "order_no": "HTTP-SHORT",
        "customer": {"type": "oneid", "value": oneid},
        "channel": "mini_program",
        "lines": [{"sku": RICE, "quantity": 3}],
    }
    answer = client.post("/v1/orders", json=body, headers=keys[Role.INTEGRATOR])
    assert answer.status_code == 409, answer.text
    assert answer.json()["reason"].startswith("库存不足:五常大米 5kg 仅剩 2 件")
    with transaction(stockroom.runtime.read_sessions) as session:
        assert commerce.get_order(session, "HTTP-SHORT") is None


def test_the_inventory_page_shows_warehouses_lots_and_near_expiry_in_chinese(stockroom, client):
    stockroom.receive("SH", MILK, "M-OLD", 5, expires_in=1, zone=inventory_zone("chilled"))
    stockroom.receive("GZ", RICE, "R-NEW", 40, expires_in=300)
    _user(stockroom.runtime)
    login(client)
    page = client.get("/console/inventory")
    assert page.status_code == 200
    text = page.text
    for words in (
        "华东仓",
        "华南仓",
        "冷藏 2–8 °C",
        "五常大米 5kg",
        "鲜牛奶周卡 7瓶",
        "临期·剩 1 天",
    ):
        assert words in text
    assert "chilled" not in text and "receive" not in text


def test_the_cli_lists_stock_by_lot(stockroom, cli):
    stockroom.receive("SH", RICE, "R-CLI", 7)
    result = cli("inventory", "stock", RICE)
    assert result.exit_code == 0, result.output
    assert "R-CLI" in result.output and "常温" in result.output


def test_the_demo_plants_warehouses_and_lots_of_every_sku_once(runtime, clock):
    with transaction(runtime.sessions) as session:
        now = clock.now()
        for sku in CATALOG:
            commerce.upsert_product(
                session,
                commerce.ProductSpec(
                    sku.sku,
                    sku.name,
                    sku.category,
                    sku.price,
                    sku.shelf_life_days,
                    cold_chain=sku.cold_chain,
                ),
                now,
            )
        planted = sim_inventory.plant(session, now, runtime.settings.tz)
        assert planted > len(CATALOG)
        assert sim_inventory.plant(session, now, runtime.settings.tz) == planted  # replays
        lots = inventory.list_lots(session, limit=5000)
        assert {lot.sku for lot in lots} == {sku.sku for sku in CATALOG}
        assert sum(lot.on_hand for lot in lots) == sum(
            lot.on_hand for lot in inventory.list_lots(session, limit=5000)
        )
        assert len(inventory.list_warehouses(session)) == 3
        assert inventory.reconcile(session) == []
    # A chilled order placed after the plant is reserved, not refused.
    with transaction(runtime.sessions) as session:
        from liveloop.profiles.service import NewCustomer, create_customer

        buyer = create_customer(session, NewCustomer(name="演示买家"), now, "test")
        commerce.place_order(
            session,
            commerce.OrderRequest(
                "DEMO-MILK-1", buyer, (commerce.OrderLine("MILK-WEEK-7", 2),), "mini_program"
            ),
            at=now,
            source="test",
        )
        held = inventory.reservation_of(session, "DEMO-MILK-1")
    assert held is not None and sum(u.quantity for u in held.units) == 2
    assert datetime.now(UTC)  # the plant used the given clock, not the wall
