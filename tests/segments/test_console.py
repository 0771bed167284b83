"""The console's 分群 page: list, build a rule from presets, preview through htmx, save (which
refreshes the members), export; analysts preview with names masked and cannot save."""

from __future__ import annotations

import json
import re

from liveloop.access.service import create_user
from liveloop.store.engine import transaction
from tests.segments.conftest import build_world

PASSWORD = "s3cret-分群-ok"
IDLE_BAKERS = {
    "and": [
        {"type": "tag", "tag": "烘焙爱好者"},
        {"not": {"type": "order", "within": {"days": 7}}},
    ]
}


def login(client, runtime, role):
    with transaction(runtime.sessions) as session:
        create_user(
            session, role, role, runtime.clock.now(), password=PASSWORD, display_name="王运营"
        )
    page = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/console/login",
        data={"username": role, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = client.get("/console/segments")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_operator_previews_saves_refreshes_and_exports_a_segment(client, runtime):
    world = build_world(runtime)
    csrf = login(client, runtime, "operator")
    page = client.get("/console/segments")
    assert page.status_code == 200
    assert "分群构建器" in page.text and 'href="/console/segments"' in page.text
    assert "近3场直播每场看满15分钟" in page.text  # a preset
    assert "<script>" not in page.text  # CSP: no inline scripts

    fragment = client.post(
        "/console/segments/preview",
        data={"rule": json.dumps(IDLE_BAKERS)},
        headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
    )
    assert fragment.status_code == 200
    assert re.search(r'data-testid="preview-count">2<', fragment.text)
    assert "OID-" in fragment.text and "张秀英" in fragment.text

    bad = client.post(
        "/console/segments/preview",
        data={"rule": '{"type": "trait", "field": "pwd"}'},
        headers={"X-CSRF-Token": csrf},
    )
    assert "规则有误" in bad.text and "field" in bad.text
    broken = client.post(
        "/console/segments/preview", data={"rule": "{"}, headers={"X-CSRF-Token": csrf}
    )
    assert "不是合法的 JSON" in broken.text

    saved = client.post(
        "/console/segments",
        data={"name": "沉睡烘焙爱好者", "rule": json.dumps(IDLE_BAKERS), "csrf_token": csrf},
    )
    assert saved.status_code == 201
    assert "已保存分群「沉睡烘焙爱好者」,当前 2 人" in saved.text
    segment_id = re.search(r"/console/segments/(\d+)/refresh", saved.text).group(1)

    again = client.post(f"/console/segments/{segment_id}/refresh", data={"csrf_token": csrf})
    assert "新进入 0 人,退出 0 人,当前 2 人" in again.text

    export = client.get(f"/console/segments/{segment_id}/members.csv")
    assert export.status_code == 200
    lines = export.content.decode("utf-8").strip().splitlines()
    assert lines[0].startswith("\ufeffcustomer_id,oneid,name") and len(lines) == 3
    assert str(world.ids["baker_idle"]) in lines[1]

    dup = client.post(
        "/console/segments",
        data={"name": "沉睡烘焙爱好者", "rule": json.dumps(IDLE_BAKERS), "csrf_token": csrf},
    )
    assert dup.status_code == 400 and "exists" in dup.text


def test_analyst_previews_masked_and_cannot_save(client, runtime):
    build_world(runtime)
    csrf = login(client, runtime, "analyst")
    page = client.get("/console/segments")
    assert page.status_code == 200 and 'data-testid="save"' not in page.text
    fragment = client.post(
        "/console/segments/preview",
        data={"rule": json.dumps({"type": "trait", "field": "province", "value": "广东省"})},
        headers={"X-CSRF-Token": csrf},
    )
    assert "张**" in fragment.text and "张秀英" not in fragment.text
    refused = client.post(
        "/console/segments",
        data={"name": "x", "rule": json.dumps(IDLE_BAKERS), "csrf_token": csrf},
    )
    assert refused.status_code == 403


def test_preview_needs_the_csrf_token(client, runtime):
    login(client, runtime, "operator")
    response = client.post("/console/segments/preview", data={"rule": "{}"})
    assert response.status_code == 403


def test_hosts_do_not_see_segments(client, runtime):
    login_page = client.get("/console/login")
    assert login_page.status_code == 200
    with transaction(runtime.sessions) as session:
        create_user(
            session, "host", "host", runtime.clock.now(), password=PASSWORD, display_name="主播"
        )
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_page.text).group(1)
    client.post(
        "/console/login",
        data={"username": "host", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert client.get("/console/segments").status_code == 403
    assert 'href="/console/segments"' not in client.get("/console").text
