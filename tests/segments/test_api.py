"""/v1/segments over HTTP: roles, previews with masking, CRUD, refresh, paged members and
CSV/Excel exports; bad input is a 4xx with a reason, never a 500."""

from __future__ import annotations

import io

import pytest

from liveloop.access.service import create_api_key
from liveloop.store.engine import transaction
from tests.segments.conftest import build_world

IDLE_BAKERS = {
    "and": [
        {"type": "tag", "tag": "烘焙爱好者"},
        {"not": {"type": "order", "within": {"days": 7}}},
    ]
}


def auth(runtime, role):
    with transaction(runtime.sessions) as session:
        key = create_api_key(session, f"seg-{role}", role, runtime.clock.now())[1]
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def world(runtime):
    return build_world(runtime)


def test_preview_counts_and_masks_for_analysts_only(client, runtime, world):
    body = {"rule": {"type": "trait", "field": "province", "value": "广东省"}}
    operator = client.post("/v1/segments/preview", json=body, headers=auth(runtime, "operator"))
    analyst = client.post("/v1/segments/preview", json=body, headers=auth(runtime, "analyst"))
    assert operator.status_code == analyst.status_code == 200
    assert operator.json()["count"] == 1
    assert operator.json()["sample"][0]["name"] == "张秀英"
    assert analyst.json()["sample"][0]["name"] == "张**"
    assert analyst.json()["masked"] is True


def test_a_bad_rule_is_a_422_naming_the_path(client, runtime, world):
    body = {"rule": {"and": [{"type": "tag", "tag": "x"}, {"type": "trait", "field": "pwd"}]}}
    response = client.post("/v1/segments/preview", json=body, headers=auth(runtime, "operator"))
    assert response.status_code == 422
    assert response.json()["reason"].startswith("and[1].field: unknown trait 'pwd'")


def test_roles_write_read_and_are_refused(client, runtime, world):
    body = {"name": "沉睡烘焙爱好者", "rule": IDLE_BAKERS, "description": "7天未购"}
    assert (
        client.post("/v1/segments", json=body, headers=auth(runtime, "analyst")).status_code == 403
    )
    assert (
        client.post("/v1/segments/preview", json=body, headers=auth(runtime, "host")).status_code
        == 403
    )
    assert client.get("/v1/segments").status_code == 401


def test_crud_refresh_members_and_exports(client, runtime, world):
    op = auth(runtime, "operator")
    created = client.post(
        "/v1/segments", json={"name": "沉睡烘焙爱好者", "rule": IDLE_BAKERS}, headers=op
    )
    assert created.status_code == 201, created.text
    seg = created.json()
    assert seg["version"] == 1 and seg["created_by"] == "seg-operator"
    assert (
        client.post(
            "/v1/segments", json={"name": "沉睡烘焙爱好者", "rule": IDLE_BAKERS}, headers=op
        ).status_code
        == 409
    )

    refreshed = client.post(f"/v1/segments/{seg['id']}/refresh", headers=op).json()
    assert refreshed == {"segment_id": seg["id"], "entered": 2, "exited": 0, "members": 2}

    page = client.get(f"/v1/segments/{seg['id']}/members?page_size=1", headers=op).json()
    assert page["total"] == 2 and len(page["rows"]) == 1
    assert page["rows"][0]["customer_id"] == world.ids["baker_idle"]

    csv = client.get(
        f"/v1/segments/{seg['id']}/members?format=csv", headers=auth(runtime, "analyst")
    )
    assert csv.status_code == 200
    text = csv.content.decode("utf-8")
    assert text.startswith("\ufeffcustomer_id,oneid,name")
    assert "张**" in text and "张秀英" not in text
    assert len(text.strip().splitlines()) == 3

    xlsx = client.get(f"/v1/segments/{seg['id']}/members?format=xlsx", headers=op)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 3 and sheet.cell(1, 1).value == "customer_id"

    edited = client.put(
        f"/v1/segments/{seg['id']}",
        json={"rule": {"type": "tag", "tag": "烘焙爱好者"}},
        headers=op,
    ).json()
    assert edited["version"] == 2
    assert (
        client.put(
            f"/v1/segments/{seg['id']}", json={"rule": {"type": "x"}}, headers=op
        ).status_code
        == 422
    )
    assert len(client.get("/v1/segments", headers=auth(runtime, "analyst")).json()) == 1
    assert client.delete(f"/v1/segments/{seg['id']}", headers=op).status_code == 204
    assert client.get(f"/v1/segments/{seg['id']}", headers=op).status_code == 404
    assert client.post(f"/v1/segments/{seg['id']}/refresh", headers=op).status_code == 404
    assert client.get("/v1/segments/0", headers=op).status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {"rule": "not an object"},
        {"rule": {"type": "tag", "tag": "x"}, "sample": 10_000},
        {"rule": {"type": "tag", "tag": "x"}, "at": "2026-11-20T12:00:00"},
        {"rule": {"type": "tag", "tag": "\x00"}},
        {
            "rule": {
                "type": "event",
                "name": "A",
                "where": [{"property": "p", "op": "gt", "value": 1e308}],
            }
        },
        {"rule": {"type": "counter", "field": "spend", "op": "gt", "value": "1e400"}},
        {"rule": {"type": "trait", "field": "birthday", "op": "gt", "value": "2026-02-31"}},
        {"rule": {"type": "order", "spend": {"op": "gt", "value": "abc"}}},
    ],
)
def test_odd_input_is_a_4xx_or_an_answer_never_a_500(client, runtime, world, body):
    response = client.post("/v1/segments/preview", json=body, headers=auth(runtime, "operator"))
    assert response.status_code in (200, 400, 422), response.text
    assert "reason" in response.json() or "count" in response.json()
