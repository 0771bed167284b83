"""Guide tasks through the service, the API and the console page 导购任务."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from liveloop.access.service import create_api_key, create_user
from liveloop.guides import service
from liveloop.guides.models import GuideTask
from liveloop.identity.contracts import IdentityType
from liveloop.identity.service import create_customer_with_identities
from liveloop.profiles.models import Customer
from liveloop.profiles.service import NewCustomer, absorb, create_customer
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event

PASSWORD = "s3cret-导购-ok"


def setup(runtime) -> dict[str, int]:
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session:
        for username, role in (("xiaomei", "guide"), ("ahua", "guide"), ("yunying", "operator")):
            create_user(session, username, role, now, password=PASSWORD, display_name=username)
        create_user(session, "fenxi", "analyst", now, password=PASSWORD, display_name="分析")
        zhang = create_customer_with_identities(
            session,
            NewCustomer(name="张秀英"),
            {IdentityType.PHONE: "+8613800138000"},
            now,
            "test",
        )
        li = create_customer(session, NewCustomer(name="李静"), now, "test")
    return {"zhang": zhang, "li": li}


def task(runtime, customer, key, **kw) -> int:
    now = runtime.clock.now()
    fields = {
        "title": "张女士已收货2天,建议发送食谱",
        "body": "推荐: 酱油红烧肉",
        "kind": "follow_up",
        "due_at": now + timedelta(hours=4),
    } | kw
    with transaction(runtime.sessions) as session:
        return service.create_task(
            session, customer_id=customer, now=now, idempotency_key=key, **fields
        )


def events(runtime, name):
    with transaction(runtime.read_sessions) as session:
        return list(session.scalars(select(Event).where(Event.name == name)))


def test_creating_a_task_is_idempotent_on_its_key_and_logged_once(store_runtime):
    rt = store_runtime
    people = setup(rt)
    origin = {"journey_id": 3, "journey_version": 2, "step": "follow_up"}
    first = task(rt, people["zhang"], "j3:v2:follow_up:1", assignee="xiaomei", origin=origin)
    again = task(rt, people["zhang"], "j3:v2:follow_up:1", assignee="xiaomei", origin=origin)
    assert first == again
    [created] = events(rt, "Guide Task Created")
    assert created.customer_id == people["zhang"]
    assert created.properties["origin"] == origin and created.properties["assignee"] == "xiaomei"
    with transaction(rt.read_sessions) as session:
        row = session.get(GuideTask, first)
        assert (row.status, row.origin, row.kind) == ("open", origin, "follow_up")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"assignee": "nobody"}, "no active console user"),
        ({"assignee": "fenxi"}, "tasks go to guides"),
        ({"kind": "Follow Up"}, "lowercase slug"),
        ({"title": "  "}, "title of 1-128"),
    ],
)
def test_a_task_that_cannot_be_done_as_asked_is_refused(runtime, fields, reason):
    people = setup(runtime)
    with pytest.raises(service.GuideError, match=reason):
        task(runtime, people["zhang"], "k", **fields)
    with pytest.raises(service.UnknownCustomer):
        task(runtime, 999_999, "k")


def test_a_guide_sees_own_and_pool_tasks_and_completing_a_pool_task_takes_it(runtime):
    people = setup(runtime)
    mine = task(runtime, people["zhang"], "a", assignee="xiaomei")
    pool = task(runtime, people["li"], "b", due_at=runtime.clock.now() + timedelta(hours=1))
    theirs = task(runtime, people["li"], "c", assignee="ahua")
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session:
        seen = service.list_tasks(session, guide="xiaomei")
        assert [t.id for t in seen.rows] == [pool, mine]  # soonest due first
        assert service.list_tasks(session).total == 3
        with pytest.raises(service.UnknownTask):
            service.complete_task(session, theirs, by="xiaomei", now=now)
        done = service.complete_task(session, pool, by="xiaomei", now=now, outcome="已发食谱")
        assert (done.status, done.assignee, done.outcome) == ("done", "xiaomei", "已发食谱")
        with pytest.raises(service.TaskClosed):
            service.complete_task(session, pool, by="xiaomei", now=now)
        cancelled = service.cancel_task(session, theirs, by="yunying", now=now, reason="已退订")
        assert cancelled.status == "cancelled"
        assert service.list_tasks(session, guide="xiaomei", status=None).total == 2
    [completed] = events(runtime, "Guide Task Completed")
    assert completed.properties == {
        "task_id": pool,
        "kind": "follow_up",
        "by": "xiaomei",
        "outcome": "已发食谱",
    }


def test_tasks_follow_a_merged_customer(runtime):
    people = setup(runtime)
    task(runtime, people["li"], "a")
    with transaction(runtime.sessions) as session:
        absorb(session, people["zhang"], people["li"])
    second = task(runtime, people["li"], "b")
    with transaction(runtime.read_sessions) as session:
        assert session.get(GuideTask, second).customer_id == people["zhang"]
        assert service.list_tasks(session, customer_id=people["li"]).total == 1


def auth(runtime, name, role) -> dict[str, str]:
    with transaction(runtime.sessions) as session:
        key = create_api_key(session, name, role, runtime.clock.now())[1]
    return {"Authorization": f"Bearer {key}"}


def test_api_shows_guides_their_tasks_with_masked_phones_and_operators_everything(client, runtime):
    people = setup(runtime)
    mine = task(runtime, people["zhang"], "a", assignee="xiaomei")
    task(runtime, people["li"], "b", assignee="ahua")
    guide, operator = auth(runtime, "xiaomei", "guide"), auth(runtime, "ops", "operator")

    seen = client.get("/v1/guide-tasks", headers=guide).json()
    assert seen["total"] == 1 and seen["rows"][0]["id"] == mine
    assert seen["rows"][0]["phone"] == "+86138****8000"
    everything = client.get("/v1/guide-tasks", headers=operator).json()
    assert everything["total"] == 2
    assert {r["phone"] for r in everything["rows"]} == {"+8613800138000", None}

    other = everything["rows"][1]["id"] if everything["rows"][0]["id"] == mine else None
    other = other or everything["rows"][0]["id"]
    assert client.get(f"/v1/guide-tasks/{other}", headers=guide).status_code == 404
    assert client.post(f"/v1/guide-tasks/{other}/complete", headers=guide).status_code == 404
    done = client.post(
        f"/v1/guide-tasks/{mine}/complete", json={"outcome": "已电话确认"}, headers=guide
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    again = client.post(f"/v1/guide-tasks/{mine}/complete", headers=guide)
    assert again.status_code == 409 and "already done" in again.json()["reason"]

    with transaction(runtime.read_sessions) as session:
        oneid = session.scalar(select(Customer.oneid).where(Customer.id == people["li"]))
    body = {"oneid": oneid, "title": "回访", "due_at": "2026-11-21T10:00:00+08:00"}
    created = client.post("/v1/guide-tasks", json=body, headers=operator)
    assert created.status_code == 201 and created.json()["assignee"] is None
    assert client.post("/v1/guide-tasks", json=body, headers=guide).status_code == 403
    naive = client.post(
        "/v1/guide-tasks", json=body | {"due_at": "2026-11-21T10:00:00"}, headers=operator
    )
    assert naive.status_code == 422 and "timezone" in naive.json()["reason"]
    unknown = client.post("/v1/guide-tasks", json=body | {"oneid": "P0"}, headers=operator)
    assert unknown.status_code == 404
    assigned_badly = client.post(
        "/v1/guide-tasks", json=body | {"assignee": "ghost"}, headers=operator
    )
    assert assigned_badly.status_code == 400 and "ghost" in assigned_badly.json()["reason"]
    cancelled = client.post(f"/v1/guide-tasks/{created.json()['id']}/cancel", headers=operator)
    assert cancelled.json()["status"] == "cancelled"
    assert client.get("/v1/guide-tasks", headers=auth(runtime, "x", "analyst")).status_code == 403
    assert (
        client.get("/v1/guide-tasks", params={"status": "nope"}, headers=guide).status_code == 422
    )


def login(client, username) -> str:
    page = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/console/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    tasks = client.get("/console/tasks")
    return re.search(r'"X-CSRF-Token": "([^"]+)"', tasks.text).group(1)


def test_console_lists_my_open_tasks_in_shanghai_time_and_completes_one_with_htmx(client, runtime):
    people = setup(runtime)
    # 2026-11-20 12:00 UTC + 4 h = 2026-11-21 00:00 in Asia/Shanghai
    mine = task(runtime, people["zhang"], "a", assignee="xiaomei")
    task(runtime, people["li"], "b", assignee="ahua", title="李女士的任务")
    csrf = login(client, "xiaomei")

    page = client.get("/console/tasks")
    assert page.status_code == 200
    assert 'href="/console/tasks"' in page.text and "导购任务" in page.text
    assert "张秀英" in page.text and "2026-11-21 00:00" in page.text
    assert "李女士的任务" not in page.text
    assert f'hx-post="/console/tasks/{mine}/complete"' in page.text

    refused = client.post(f"/console/tasks/{mine}/complete", data={"outcome": "x"})
    assert refused.status_code == 403  # no CSRF token
    done = client.post(
        f"/console/tasks/{mine}/complete",
        data={"outcome": "已发食谱"},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )
    assert done.status_code == 200
    assert 'data-status="done"' in done.text and "已完成:已发食谱" in done.text
    assert "张秀英" not in client.get("/console/tasks").text


def test_console_tasks_page_is_for_guides_operators_and_admins(client, runtime):
    setup(runtime)
    task_id = task(runtime, 1, "a", assignee="ahua")
    login(client, "yunying")
    assert "ahua" in client.get("/console/tasks").text  # operators see everyone's
    client.cookies.clear()
    page = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post(
        "/console/login",
        data={"username": "fenxi", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert client.get("/console/tasks").status_code == 403
    assert 'href="/console/tasks"' not in client.get("/console").text
    assert task_id


def test_concurrent_creates_with_one_key_make_one_task(store_runtime):
    from tests.commerce.test_coupons import _race

    rt = store_runtime
    people = setup(rt)
    now = rt.clock.now()

    def create(session):
        return service.create_task(
            session,
            customer_id=people["zhang"],
            title="回访",
            body="",
            kind="call",
            due_at=now,
            now=now,
            idempotency_key="journey:1:v1:call:1",
        )

    results = _race(rt, [create] * 4)
    assert len(set(results)) == 1 and isinstance(results[0], int), results
    assert len(events(rt, "Guide Task Created")) == 1
