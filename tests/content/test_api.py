"""/v1/content: operators write, hosts and analysts read and search, every bad input a 4xx
with its reason."""

from __future__ import annotations

from liveloop.access.contracts import Role
from liveloop.access.service import create_api_key
from liveloop.store.engine import transaction
from tests.content.library import fill


def auth(runtime, role: Role) -> dict[str, str]:
    with transaction(runtime.sessions) as session:
        key = create_api_key(session, f"k-{role.value}", role, runtime.clock.now())[1]
    return {"Authorization": f"Bearer {key}"}


CLIP = {
    "kind": "clip",
    "title": "低GI荞麦面怎么吃不升糖",
    "body": "荞麦面膳食纤维高，控糖人群的主食。",
    "tags": ["营养科普", "sku:BUCKWHEAT-NOODLE", "aspect:health"],
    "clip": {"live_session_id": 3, "start_s": 12.5, "end_s": 58},
    "media_path": "clips/3/12500-58000.mp4",
}


def test_an_operator_adds_a_clip_once_and_a_host_finds_it_in_chinese(client, runtime):
    operator, host = auth(runtime, Role.OPERATOR), auth(runtime, Role.HOST)
    made = client.post("/v1/content", json=CLIP, headers=operator)
    assert made.status_code == 200, made.text
    item = made.json()
    assert item["clip"] == {"live_session_id": 3, "start_s": 12.5, "end_s": 58.0}
    assert item["created_by"] == "k-operator"
    again = client.post("/v1/content", json=CLIP, headers=operator)
    assert again.json()["id"] == item["id"]
    found = client.get("/v1/content/search", params={"q": "适合糖尿病人的面条"}, headers=host)
    assert found.status_code == 200, found.text
    assert [h["item"]["id"] for h in found.json()] == [item["id"]]
    tagged = client.get(
        "/v1/content/search", params=[("tag", "营养科普"), ("tag", "aspect:health")], headers=host
    )
    assert [h["item"]["title"] for h in tagged.json()] == [CLIP["title"]]
    assert client.get(f"/v1/content/{item['id']}", headers=host).json()["title"] == CLIP["title"]
    listed = client.get("/v1/content", params={"kind": "clip"}, headers=host)
    assert [i["id"] for i in listed.json()] == [item["id"]]


def test_an_operator_changes_an_item_and_its_words_follow(client, runtime):
    operator = auth(runtime, Role.OPERATOR)
    item = fill(runtime)[3]
    changed = client.patch(
        f"/v1/content/{item.id}",
        json={"body": "限时第二件半价，七色杂粮一斤不到十块", "tags": ["aspect:price"]},
        headers=operator,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["tags"] == ["aspect:price"]
    hits = client.get("/v1/content/search", params={"q": "半价"}, headers=operator).json()
    assert [h["item"]["id"] for h in hits] == [item.id]


def test_hostile_queries_are_answered_safely(client, runtime):
    analyst = auth(runtime, Role.ANALYST)
    fill(runtime)
    for query in ["AND (", '"', "*", ")))", "杂粮 AND (", "NOT *:*"]:
        answer = client.get("/v1/content/search", params={"q": query}, headers=analyst)
        assert answer.status_code == 200, (query, answer.text)
    # 10 KB of text (UTF-8), more than a search box holds.
    huge = client.get("/v1/content/search", params={"q": "杂粮" * 1_707}, headers=analyst)
    assert huge.status_code == 422 and "q" in huge.json()["reason"]
    control = client.get("/v1/content/search", params={"q": "杂粮\x00"}, headers=analyst)
    assert control.status_code == 422


def test_bad_content_is_refused_with_its_reason(client, runtime):
    operator = auth(runtime, Role.OPERATOR)
    cases = [
        ({**CLIP, "tags": ["好吃"]}, 400, "unknown tags"),
        ({**CLIP, "clip": {"live_session_id": 3, "start_s": 60, "end_s": 10}}, 422, "end_s"),
        ({**CLIP, "clip": None}, 400, "clip"),
        ({**CLIP, "kind": "video"}, 422, "kind"),
        ({**CLIP, "title": ""}, 422, "title"),
        ({**CLIP, "title": "x" * 129}, 422, "title"),
        ({**CLIP, "body": "长" * 20_001}, 422, "body"),
        ({**CLIP, "surprise": 1}, 422, "surprise"),
        ({**CLIP, "tags": ["营养科普"] * 17}, 422, "tags"),
    ]
    for body, status, reason in cases:
        answer = client.post("/v1/content", json=body, headers=operator)
        assert answer.status_code == status, (body, answer.text)
        assert reason in answer.json()["reason"], answer.text
    assert client.get("/v1/content/999", headers=operator).status_code == 404
    assert client.patch("/v1/content/999", json={}, headers=operator).status_code == 404
    bad_tag = client.get("/v1/content/search", params={"tag": "好吃"}, headers=operator)
    assert bad_tag.status_code == 400
    assert client.get("/v1/content", headers=operator).json() == []


def test_hosts_and_analysts_read_but_do_not_write(client, runtime):
    for role in (Role.HOST, Role.ANALYST, Role.GUIDE):
        answer = client.post("/v1/content", json=CLIP, headers=auth(runtime, role))
        assert answer.status_code == 403
    assert client.get("/v1/content", headers=auth(runtime, Role.GUIDE)).status_code == 403
