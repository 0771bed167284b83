"""Rooms: made with a Chinese name and a platform, their connector's settings kept without a
secret, a room for every room code the sessions already name, and who sees which room."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import text

from liveloop import schema
from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.live import service as lives
from liveloop.store.engine import transaction
from tests.live.showkit import keys, schedule, seed_room


def test_a_room_is_made_with_its_platform_and_listed(runtime):
    with transaction(runtime.sessions) as session:
        room = lives.create_room(
            session,
            code="wecom-main",
            name="企业微信直播间",
            platform="wecom_living",
            now=runtime.clock.now(),
            connector={"anchor_userid": "XiaoHe"},
            secret_ref="LIVELOOP_WECOM_LIVING_SECRET",
        )
    assert room.platform == "wecom_living"
    with transaction(runtime.read_sessions) as session:
        listed = lives.list_rooms(session)
    assert [(r.code, r.name, r.connector) for r in listed] == [
        ("wecom-main", "企业微信直播间", {"anchor_userid": "XiaoHe"})
    ]
    assert listed[0].secret_ref == "LIVELOOP_WECOM_LIVING_SECRET"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"code": "主 room"}, "直播间编号"),
        ({"name": "  "}, "名称"),
        ({"platform": "douyin"}, "未知的直播平台"),
        ({"connector": {"secret": "s3cret"}}, "连接设置不含 secret"),
        ({"secret_ref": "my secret value"}, "secret_ref"),
    ],
)
def test_a_room_that_cannot_mean_one_thing_is_refused_with_the_reason(runtime, fields, reason):
    given = {"code": "main", "name": "官方直播间", "platform": "own_h5", **fields}
    with transaction(runtime.sessions) as session, pytest.raises(lives.LiveRefused) as refused:
        lives.create_room(session, now=runtime.clock.now(), **given)
    assert reason in str(refused.value)
    with transaction(runtime.read_sessions) as session:
        assert lives.list_rooms(session) == []


def test_a_taken_room_code_is_a_conflict(runtime):
    seed_room(runtime)
    with transaction(runtime.sessions) as session, pytest.raises(lives.LiveConflict):
        lives.create_room(
            session, code="main", name="另一个", platform="own_h5", now=runtime.clock.now()
        )


def test_a_session_imported_for_a_new_room_code_makes_the_room(runtime):
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session:
        lives.schedule_live(session, room="main", title="主食健康课", host="小禾", scheduled_at=now)
        lives.schedule_live(
            session, room="pop-up", title="快闪", host=None, scheduled_at=now + timedelta(days=1)
        )
    with transaction(runtime.read_sessions) as session:
        rooms = {r.code: (r.name, r.platform.value) for r in lives.list_rooms(session)}
    assert rooms == {"main": ("官方直播间", "own_h5"), "pop-up": ("直播间 pop-up", "own_h5")}


def test_the_migration_makes_a_room_for_each_room_code_sessions_name(runtime):
    engine = runtime.engine
    command.downgrade(schema.alembic_config(engine), "0012")
    with engine.begin() as connection:
        for room in ("main", "main", "night"):
            connection.execute(
                text(
                    "INSERT INTO live_sessions (room, title, platform, status, scheduled_at,"
                    " peak_viewers, costs) VALUES (:room, '课', 'wechat_channels', 'ended',"
                    " '2026-11-01 12:00:00', 0, '{}')"
                ),
                {"room": room},
            )
    schema.upgrade(engine)
    with transaction(runtime.read_sessions) as session:
        rooms = {r.code: r.name for r in lives.list_rooms(session)}
        shows = lives.list_shows(session)
    assert rooms == {"main": "官方直播间", "night": "直播间 night"}
    assert {s.controllers for s in shows} == {()}
    assert {s.audience for s in shows} == {lives.AudienceRule()}


def _principal(name: str, role: Role) -> Principal:
    return Principal("user", 1, name, role)


def test_operators_see_every_room_and_a_host_only_the_rooms_of_their_shows(runtime):
    seed_room(runtime)
    seed_room(runtime, "channels", "视频号直播间")
    seed_room(runtime, "night", "夜间直播间")
    schedule(runtime, room="main", host="xiaohe")
    schedule(runtime, room="channels", host="axian", controllers=("xiaohe",))
    schedule(runtime, room="night", host="axian")
    with transaction(runtime.read_sessions) as session:
        assert lives.rooms_of(session, _principal("ops", Role.OPERATOR)) is None
        assert lives.rooms_of(session, _principal("ana", Role.ANALYST)) is None
        assert lives.rooms_of(session, _principal("xiaohe", Role.HOST)) == {"main", "channels"}
        assert lives.rooms_of(session, _principal("nobody", Role.HOST)) == frozenset()
        assert lives.rooms_of(session, _principal("g", Role.GUIDE)) == frozenset()


def test_rooms_over_http_operators_create_and_hosts_see_their_own(client, runtime):
    headers = keys(runtime, ("ops", Role.OPERATOR), ("xiaohe", Role.HOST), ("ana", Role.ANALYST))
    made = client.post(
        "/v1/live-rooms",
        json={"code": "main", "name": "官方直播间", "platform": "own_h5"},
        headers=headers["ops"],
    )
    assert made.status_code == 201 and made.json()["name"] == "官方直播间"
    client.post(
        "/v1/live-rooms",
        json={
            "code": "channels",
            "name": "视频号直播间",
            "platform": "wechat_channels",
            "connector": {"finder_id": "sphABC"},
        },
        headers=headers["ops"],
    )
    schedule(runtime, room="channels", host="xiaohe")
    assert [r["code"] for r in client.get("/v1/live-rooms", headers=headers["ana"]).json()] == [
        "main",
        "channels",
    ]
    assert [r["code"] for r in client.get("/v1/live-rooms", headers=headers["xiaohe"]).json()] == [
        "channels"
    ]
    again = client.post(
        "/v1/live-rooms",
        json={"code": "main", "name": "x", "platform": "own_h5"},
        headers=headers["ops"],
    )
    assert again.status_code == 409
    secret = client.post(
        "/v1/live-rooms",
        json={
            "code": "w",
            "name": "企微",
            "platform": "wecom_living",
            "connector": {"secret": "abc"},
        },
        headers=headers["ops"],
    )
    assert secret.status_code == 422 and "secret_ref" in secret.json()["reason"]
    assert (
        client.post(
            "/v1/live-rooms",
            json={"code": "x", "name": "x", "platform": "own_h5"},
            headers=headers["xiaohe"],
        ).status_code
        == 403
    )
