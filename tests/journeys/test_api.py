"""The journeys API and console page: YAML or JSON in, 4xx with reasons for bad input, versions,
switching on built-ins, metrics; the console's 旅程 pages for the roles that may see them."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from liveloop.access.service import create_api_key
from liveloop.app import create_app
from liveloop.store.engine import transaction
from tests.console.test_console_analytics import add_user, login
from tests.journeys.conftest import build_world

CART_YAML = """
key: cart
name: 加购提醒
trigger: {type: event, event: Product Added}
steps:
  - {id: wait_pay, type: wait_for_event, event: Order Completed, timeout: 1h,
     on_event: end, on_timeout: remind}
  - {id: remind, type: tag, add: [加购未付]}
"""


def headers(runtime, role="operator", kind="application/yaml"):
    with transaction(runtime.sessions) as session:
        key = create_api_key(session, f"k-{role}", role, runtime.clock.now())[1]
    return {"Authorization": f"Bearer {key}", "Content-Type": kind}


@pytest.fixture
def http(runtime):
    with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as client:
        yield client


def test_an_operator_saves_yaml_edits_it_into_version_two_and_switches_it_on(http, runtime):
    h = headers(runtime)
    created = http.post("/v1/journeys", content=CART_YAML.encode(), headers=h)
    assert created.status_code == 201, created.text
    assert (created.json()["version"], created.json()["status"]) == (1, "draft")
    edited = http.post("/v1/journeys", content=CART_YAML.replace("1h", "2h").encode(), headers=h)
    assert edited.json()["version"] == 2
    assert http.post("/v1/journeys/cart/activate", headers=h).json()["status"] == "active"
    current = http.get("/v1/journeys/cart", headers=h).json()
    assert current["definition"]["steps"][0]["timeout"] == "2h"
    first = http.get("/v1/journeys/cart/versions/1", headers=h).json()
    assert first["steps"][0]["timeout"] == "1h"
    metrics = http.get("/v1/journeys/cart/metrics", headers=h).json()
    assert metrics["entered"] == 0 and metrics["steps"] == []


@pytest.mark.parametrize(
    ("body", "kind", "status", "reason"),
    [
        ("key: x\n", "application/yaml", 422, "not valid"),
        ("[1, 2", "application/yaml", 422, "YAML"),
        ("{}", "text/plain", 415, "application/json or application/yaml"),
        (
            CART_YAML.replace("on_timeout: remind", "on_timeout: nowhere"),
            "application/yaml",
            422,
            "not valid",
        ),
        (
            CART_YAML.replace("{type: event, event: Product Added}", "{type: event}"),
            "application/json",
            422,
            "not valid",
        ),
        (
            CART_YAML.replace(
                "trigger: {type: event, event: Product Added}",
                "trigger: {type: event, event: Product Added}\n"
                'audience: {type: tag, tag: "x\'; DROP TABLE customers; --", op: bogus}',
            ),
            "application/yaml",
            422,
            "rule",
        ),
    ],
)
def test_bad_definitions_are_refused_with_a_reason(http, runtime, body, kind, status, reason):
    response = http.post("/v1/journeys", content=body.encode(), headers=headers(runtime, kind=kind))
    assert response.status_code == status, response.text
    assert reason in response.json()["reason"]


def test_roles_and_unknown_journeys(http, runtime):
    analyst = headers(runtime, "analyst")
    assert http.post("/v1/journeys", content=CART_YAML.encode(), headers=analyst).status_code == 403
    assert http.get("/v1/journeys", headers=analyst).status_code == 200
    assert http.get("/v1/journeys/nope", headers=analyst).status_code == 404
    assert http.get("/v1/journeys/Bad Key", headers=analyst).status_code == 422
    assert http.post("/v1/journeys/builtins/nope", headers=headers(runtime)).status_code == 404
    host = headers(runtime, "host")
    assert http.get("/v1/journeys", headers=host).status_code == 403


def test_builtins_list_and_switch_on_over_the_api(http, runtime):
    h = headers(runtime)
    listed = http.get("/v1/journeys/builtins", headers=h).json()
    assert {b["key"] for b in listed} >= {"new-customer-welcome", "post-live-follow-up"}
    assert all(b["status"] == "off" for b in listed)
    on = http.post("/v1/journeys/builtins/cart-abandonment", headers=h)
    assert on.status_code == 200 and on.json()["status"] == "active"
    statuses = {b["key"]: b["status"] for b in http.get("/v1/journeys/builtins", headers=h).json()}
    assert statuses["cart-abandonment"] == "active"


def test_console_shows_journeys_with_their_flow_and_moving_metrics(runtime):
    world = build_world(runtime)
    add_user(runtime, "wang", "operator")
    with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as client:
        login(client, "wang")
        page = client.get("/console/journeys")
        assert page.status_code == 200 and "新客欢迎" in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        switched = client.post(
            "/console/journeys/builtins/new-customer-welcome",
            data={"csrf_token": token},
            follow_redirects=False,
        )
        assert switched.status_code == 303
        world.order(world.person("赵新客"))
        world.run()
        detail = client.get("/console/journeys/new-customer-welcome")
        assert detail.status_code == 200
        assert re.search(r'data-testid="entered">1<', detail.text)
        thanks = detail.text.split('data-step="thanks"')[1].split('data-step="day1"')[0]
        assert re.search(r'data-testid="reached">1<', thanks)
        refused = client.post(
            "/console/journeys/new-customer-welcome/pause", data={"csrf_token": "wrong"}
        )
        assert refused.status_code == 403


def test_console_journeys_are_not_for_hosts_or_guides(runtime):
    for name, role in (("zhou", "host"), ("qian", "guide")):
        add_user(runtime, name, role)
    with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as client:
        for name in ("zhou", "qian"):
            login(client, name)
            assert client.get("/console/journeys").status_code == 403
            client.post("/console/logout")


def test_people_in_a_journey_are_listed_by_status_and_step(runtime):
    world = build_world(runtime)
    world.journey(CART_YAML)
    buyer, browser = world.person("买家"), world.person("逛逛")
    world.event(buyer, "Product Added", sku="MILK-1")
    world.event(browser, "Product Added", sku="MILK-1")
    world.run()
    world.event(buyer, "Order Completed", total="10")
    world.run()
    with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as http:
        h = headers(runtime, "analyst")
        everyone = http.get("/v1/journeys/cart/people", headers=h).json()
        waiting = http.get("/v1/journeys/cart/people?status=waiting", headers=h).json()
        bad = http.get("/v1/journeys/cart/people?status=lost", headers=h)
    assert everyone["total"] == 2
    assert [p["step"] for p in waiting["people"]] == ["wait_pay"]
    assert waiting["people"][0]["waiting_for"] == "Order Completed"
    assert "name" not in waiting["people"][0]
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("path", "method", "body", "status"),
    [
        ("/v1/journeys", "post", "[" * 5000, 422),
        ("/v1/journeys/cart/versions/99999999999999999999", "get", None, 422),
        ("/v1/journeys/cart/metrics?version=99999999999999999999", "get", None, 422),
        ("/v1/journeys/builtins/birthday-gift", "post", '{"since": "2026-11-20T10:00:00"}', 422),
        ("/v1/journeys/cart/activate", "post", '{"since": "2026-11-20T10:00:00"}', 422),
    ],
)
def test_hostile_input_is_a_4xx_never_a_500(http, runtime, path, method, body, status):
    h = headers(runtime, kind="application/json")
    http.post("/v1/journeys", content=CART_YAML.encode(), headers=headers(runtime))
    response = http.request(method.upper(), path, content=body, headers=h)
    assert response.status_code == status, response.text


def test_yaml_reads_on_and_times_as_operators_mean_them(http, runtime):
    once = """
key: once
name: 一次性
trigger:
  type: schedule
  every: once
  on: 2026-12-12
  at: 10:00
  audience: {type: tag, tag: 双十二}
steps: [{id: mark, type: tag, add: [收到]}]
"""
    response = http.post("/v1/journeys", content=once.encode(), headers=headers(runtime))
    assert response.status_code == 201, response.text
    trigger = http.get("/v1/journeys/once", headers=headers(runtime)).json()["definition"][
        "trigger"
    ]
    assert (trigger["on"], trigger["at"]) == ("2026-12-12", "10:00")
    bad = once.replace("2026-12-12", "2026-13-45")
    assert (
        http.post("/v1/journeys", content=bad.encode(), headers=headers(runtime)).status_code == 422
    )


def test_a_refused_definition_lists_each_problem_with_its_path(http, runtime):
    bad = CART_YAML.replace("timeout: 1h", "timeout: soon")
    response = http.post("/v1/journeys", content=bad.encode(), headers=headers(runtime))
    body = response.json()
    assert (response.status_code, body["error"]) == (422, "unprocessable")
    assert body["details"][0]["path"].startswith("steps.0")
    assert "duration" in body["details"][0]["reason"]
