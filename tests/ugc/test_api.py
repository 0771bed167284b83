"""/v1/ugc as the mini-program's backend (an integrator) and an operator call it: a recipe
submitted for a customer named by phone, invisible until approved, approved by the operator;
a review of the customer's order; a vote replayed; an honour awarded twice with points once;
refusals with their reasons."""

from __future__ import annotations

from datetime import timedelta

import pytest

from liveloop.access.contracts import Role
from liveloop.access.service import create_api_key
from liveloop.store.engine import transaction


@pytest.fixture
def keys(circle):
    found = {}
    with transaction(circle.runtime.sessions) as session:
        for role in (Role.OPERATOR, Role.INTEGRATOR, Role.ANALYST):
            _, key = create_api_key(session, role.value, role, circle.clock.now())
            found[role] = {"Authorization": f"Bearer {key}"}
    return found


def test_a_recipe_goes_from_the_mini_program_through_moderation_to_the_public(circle, client, keys):
    app, op, analyst = keys[Role.INTEGRATOR], keys[Role.OPERATOR], keys[Role.ANALYST]
    body = {
        "customer": {"type": "phone", "value": "13800138000"},
        "title": "七色杂粮粥",
        "body": "前一晚泡好杂粮，电饭煲预约煮粥档，早上加几颗红枣再焖十分钟。有问题打13912345678",
        "skus": ["GRAIN-MIX-1KG"],
        "photos": ["ugc/2026/05/congee-1.jpg"],
        "client_ref": "mp-1",
    }
    made = client.post("/v1/ugc/recipes", json=body, headers=app)
    assert made.status_code == 201, made.text
    item = made.json()
    assert item["status"] == "submitted" and item["flags"] == ["phone"]
    assert client.post("/v1/ugc/recipes", json=body, headers=app).status_code == 200
    assert (
        client.post("/v1/ugc/recipes", json={**body, "skus": ["NOPE"]}, headers=app).status_code
        == 422
    )
    assert client.get(f"/v1/ugc/recipes/{item['id']}", headers=app).status_code == 404
    assert client.get("/v1/ugc/recipes", headers=app).json() == []
    queue = client.get("/v1/ugc/moderation", headers=op).json()
    assert [q["id"] for q in queue] == [item["id"]]
    assert client.post(f"/v1/ugc/items/{item['id']}/approve", headers=analyst).status_code == 403
    refused = client.post(f"/v1/ugc/items/{item['id']}/reject", json={"reason": " "}, headers=op)
    assert refused.status_code == 422
    assert client.post(f"/v1/ugc/items/{item['id']}/approve", headers=op).status_code == 200
    public = client.get("/v1/ugc/recipes?sku=GRAIN-MIX-1KG", headers=analyst).json()
    assert [p["id"] for p in public] == [item["id"]]
    assert "13912345678" not in public[0]["body"] and "139****5678" in public[0]["body"]
    like = {"customer": {"type": "oneid", "value": circle.oneid("林姐")}}
    assert (
        client.post(f"/v1/ugc/recipes/{item['id']}/likes", json=like, headers=app).status_code
        == 201
    )
    again = client.post(f"/v1/ugc/recipes/{item['id']}/likes", json=like, headers=app)
    assert again.status_code == 200 and again.json()["likes"] == 1


def test_reviews_votes_and_honours_over_http(circle, client, keys):
    app, op = keys[Role.INTEGRATOR], keys[Role.OPERATOR]
    order_no = circle.order("林姐", "VINEGAR-SX-500")
    me = {"type": "oneid", "value": circle.oneid("林姐")}
    review = {
        "customer": me,
        "order_no": order_no,
        "sku": "VINEGAR-SX-500",
        "rating": 5,
        "body": "醋香醇厚，拌凉菜正好。",
    }
    assert client.post("/v1/ugc/reviews", json=review, headers=app).status_code == 201
    assert (
        client.post("/v1/ugc/reviews", json={**review, "rating": 2}, headers=app).status_code == 409
    )
    assert (
        client.post("/v1/ugc/reviews", json={**review, "rating": 9}, headers=app).status_code == 422
    )

    now = circle.clock.now()
    poll = {
        "code": "CONGEE",
        "title": "下一款杂粮粥口味",
        "options": [{"key": "a", "label": "红豆薏米"}, {"key": "b", "label": "紫薯燕麦"}],
        "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(days=7)).isoformat(),
    }
    assert client.post("/v1/ugc/polls", json=poll, headers=app).status_code == 403
    assert client.post("/v1/ugc/polls", json=poll, headers=op).status_code == 201
    vote = {"customer": me, "option": "a"}
    assert client.post("/v1/ugc/polls/CONGEE/votes", json=vote, headers=app).status_code == 201
    assert client.post("/v1/ugc/polls/CONGEE/votes", json=vote, headers=app).status_code == 200
    other = client.post("/v1/ugc/polls/CONGEE/votes", json={**vote, "option": "b"}, headers=app)
    assert other.status_code == 409 and "只能投一次" in other.json()["reason"]
    results = client.get("/v1/ugc/polls/CONGEE", headers=app).json()
    assert [(o["key"], o["votes"]) for o in results["options"]] == [("a", 1), ("b", 0)]

    month = now.astimezone(circle.runtime.settings.tz).strftime("%Y-%m")
    award = {
        "honour": "star_of_month",
        "month": month,
        "oneid": circle.oneid("林姐"),
        "points": 150,
    }
    first = client.post("/v1/ugc/honours", json=award, headers=op)
    assert first.status_code == 201 and first.json()["name"] == "月度之星"
    assert client.post("/v1/ugc/honours", json=award, headers=op).status_code == 200
    assert len(client.get("/v1/ugc/honours", headers=app).json()) == 1
    best = client.post("/v1/ugc/honours/best-recipe", json={"month": month}, headers=op)
    assert best.status_code == 404 and "没有获赞" in best.json()["reason"]
    unscored = client.get(f"/v1/ugc/koc-scores/{circle.oneid('林姐')}", headers=op)
    assert unscored.status_code == 404
