"""Shows: scheduled in a room, on air and off with Live Started / Live Ended stated once, a
clear 409 for a move that cannot happen, the audience rule judged by may_enter, and hosts who
see only the shows of their rooms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from liveloop.access.contracts import Role
from liveloop.live import events
from liveloop.live import service as lives
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event
from tests.live.showkit import at, keys, schedule, seed_room


@pytest.fixture
def room(runtime):
    seed_room(runtime)
    return "main"


def _logged(runtime, name):
    with transaction(runtime.read_sessions) as session:
        return [e.properties for e in session.scalars(select(Event).where(Event.name == name))]


def test_a_show_is_scheduled_with_its_series_people_and_audience_rule(runtime, room):
    now = runtime.clock.now()
    rule = lives.AudienceRule(members_only=True, early_entry_tier="银卡", early_minutes=15)
    with transaction(runtime.sessions) as session:
        show = lives.schedule_show(
            session,
            lives.ShowSpec(
                room=room,
                title="每周三晚8点 主食健康课",
                series="主食健康课",
                scheduled_at=now + timedelta(days=1),
                host="xiaohe",
                controllers=("changkong1", "changkong2"),
                planned_minutes=90,
                audience=rule,
            ),
            now,
        )
    with transaction(runtime.read_sessions) as session:
        again = lives.get_show(session, show.id)
    assert again == show
    assert (again.status, again.platform, again.controllers) == (
        "scheduled",
        "own_h5",
        ("changkong1", "changkong2"),
    )
    assert again.audience == rule
    assert again.planned_end_at == now + timedelta(days=1, minutes=90)


@pytest.mark.parametrize(
    ("change", "error", "reason"),
    [
        ({"room": "nowhere"}, lives.UnknownRoom, "没有直播间"),
        ({"scheduled_at": -1}, lives.LiveRefused, "已经过去"),
        ({"controllers": ("a", "a")}, lives.LiveRefused, "重复"),
        ({"planned_minutes": 0}, lives.LiveRefused, "计划时长"),
        (
            {"audience": lives.AudienceRule(early_entry_tier="钻石", early_minutes=10)},
            lives.LiveRefused,
            "未知的会员等级",
        ),
        (
            {"audience": lives.AudienceRule(early_entry_tier="银卡")},
            lives.LiveRefused,
            "同时给出",
        ),
    ],
)
def test_a_show_that_cannot_be_scheduled_is_refused_and_nothing_is_written(
    runtime, room, change, error, reason
):
    now = runtime.clock.now()
    fields = {"room": room, "title": "课", "scheduled_at": now + timedelta(hours=2), **change}
    if fields["scheduled_at"] == -1:
        fields["scheduled_at"] = now - timedelta(minutes=1)
    with transaction(runtime.sessions) as session, pytest.raises(error) as refused:
        lives.schedule_show(session, lives.ShowSpec(**fields), now)
    assert reason in str(refused.value)
    with transaction(runtime.read_sessions) as session:
        assert lives.list_shows(session) == []


def test_two_shows_of_a_room_are_not_scheduled_over_each_other(runtime, room):
    schedule(runtime, in_hours=8)  # 90 minutes from then
    with pytest.raises(lives.LiveConflict):
        schedule(runtime, in_hours=9)
    seed_room(runtime, "channels", "视频号直播间")
    schedule(runtime, room="channels", in_hours=9)  # another room is free
    schedule(runtime, in_hours=9.5)  # after the first one's planned end


def test_a_show_goes_on_air_and_off_stating_each_once(runtime, room):
    show = schedule(runtime)
    runtime.clock.advance(hours=8)
    with transaction(runtime.sessions) as session:
        started = lives.start_show(session, show.id, runtime.clock.now())
    with transaction(runtime.read_sessions) as session:
        assert lives.current_show(session, room) == started
    runtime.clock.advance(minutes=95)
    with transaction(runtime.sessions) as session:
        ended = lives.end_show(session, show.id, runtime.clock.now())
    assert (started.status, ended.status) == ("live", "ended")
    assert ended.ended_at - ended.started_at == timedelta(minutes=95)
    assert _logged(runtime, events.LIVE_STARTED) == [
        {"room": "main", "live_session_id": show.id, "title": "主食健康课", "host": "xiaohe"}
    ]
    assert _logged(runtime, events.LIVE_ENDED) == [
        {
            "room": "main",
            "live_session_id": show.id,
            "started_at": started.started_at.isoformat(),
            "ended_at": ended.ended_at.isoformat(),
        }
    ]
    with transaction(runtime.read_sessions) as session:
        assert lives.current_show(session, room) is None


def test_starting_twice_ending_a_scheduled_show_or_airing_two_in_a_room_is_a_conflict(
    runtime, room
):
    first, second = schedule(runtime, in_hours=1), schedule(runtime, in_hours=3)
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session, pytest.raises(lives.LiveConflict) as early:
        lives.end_show(session, first.id, now)
    assert "未开播" in str(early.value)
    with transaction(runtime.sessions) as session:
        lives.start_show(session, first.id, now)
    with transaction(runtime.sessions) as session, pytest.raises(lives.LiveConflict) as twice:
        lives.start_show(session, first.id, now)
    assert "直播中" in str(twice.value)
    with transaction(runtime.sessions) as session, pytest.raises(lives.LiveConflict) as busy:
        lives.start_show(session, second.id, now)
    assert "正在直播" in str(busy.value)
    assert len(_logged(runtime, events.LIVE_STARTED)) == 1


def test_a_cancelled_or_ended_show_is_history(runtime, room):
    show = schedule(runtime)
    with transaction(runtime.sessions) as session:
        assert lives.cancel_show(session, show.id).status == "cancelled"
    for move in (
        lambda s: lives.start_show(s, show.id, runtime.clock.now()),
        lambda s: lives.update_show(s, show.id, {"title": "新"}, runtime.clock.now()),
        lambda s: lives.cancel_show(s, show.id),
    ):
        with transaction(runtime.sessions) as session, pytest.raises(lives.LiveConflict):
            move(session)


def test_a_show_changes_what_its_state_allows(runtime, room):
    show = schedule(runtime)
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session:
        changed = lives.update_show(
            session,
            show.id,
            {"controllers": ("ck",), "series": None, "scheduled_at": now + timedelta(hours=2)},
            now,
        )
    assert (changed.controllers, changed.series) == (("ck",), None)
    with transaction(runtime.sessions) as session:
        lives.start_show(session, show.id, now)
    with transaction(runtime.sessions) as session:
        live = lives.update_show(session, show.id, {"controllers": ("ck", "ck2")}, now)
    assert live.controllers == ("ck", "ck2")
    with transaction(runtime.sessions) as session, pytest.raises(lives.LiveConflict):
        lives.update_show(session, show.id, {"scheduled_at": now + timedelta(hours=5)}, now)
    with transaction(runtime.sessions) as session, pytest.raises(lives.LiveRefused):
        lives.update_show(session, show.id, {"status": "ended"}, now)


def test_the_audience_rule_lets_members_in_and_higher_tiers_in_early(runtime, room):
    rule = lives.AudienceRule(members_only=True, early_entry_tier="银卡", early_minutes=15)
    with transaction(runtime.sessions) as session:
        show = lives.schedule_show(
            session,
            lives.ShowSpec(room=room, title="课", scheduled_at=at(runtime, 1), audience=rule),
            runtime.clock.now(),
        )
    early, start = at(runtime, 1) - timedelta(minutes=10), at(runtime, 1)
    assert lives.may_enter(show, "金卡", early) and lives.may_enter(show, "银卡", early)
    assert not lives.may_enter(show, "普通", early)
    assert not lives.may_enter(show, "黑金", at(runtime, 1) - timedelta(minutes=16))
    assert lives.may_enter(show, "普通", start)
    assert not lives.may_enter(show, None, start)  # members only
    with pytest.raises(lives.LiveRefused):
        lives.may_enter(show, "钻石", early)
    open_show = lives.AudienceRule()
    with transaction(runtime.sessions) as session:
        everyone = lives.schedule_show(
            session,
            lives.ShowSpec(
                room=room, title="公开课", scheduled_at=at(runtime, 5), audience=open_show
            ),
            runtime.clock.now(),
        )
        lives.start_show(session, everyone.id, at(runtime, 4.5))
        on_air = lives.get_show(session, everyone.id)
    assert lives.may_enter(on_air, None, at(runtime, 4.6))  # started early: the door is open
    with transaction(runtime.sessions) as session:
        over = lives.end_show(session, everyone.id, at(runtime, 6))
    assert not lives.may_enter(over, "黑金", at(runtime, 6.1))


def test_shows_over_http_operators_edit_hosts_see_and_air_only_their_rooms(client, runtime, room):
    seed_room(runtime, "channels", "视频号直播间")
    headers = keys(
        runtime,
        ("ops", Role.OPERATOR),
        ("xiaohe", Role.HOST),
        ("axian", Role.HOST),
        ("ana", Role.ANALYST),
    )
    made = client.post(
        "/v1/live-sessions",
        json={
            "room": "main",
            "title": "每周三晚8点 主食健康课",
            "series": "主食健康课",
            "scheduled_at": at(runtime, 8).isoformat(),
            "host": "xiaohe",
            "controllers": ["ck"],
            "planned_minutes": 90,
            "audience": {"members_only": False, "early_entry_tier": "银卡", "early_minutes": 15},
        },
        headers=headers["ops"],
    )
    assert made.status_code == 201, made.text
    show = made.json()
    assert (show["room_name"], show["shelf"], show["offers"]) == ("官方直播间", [], [])
    other = schedule(runtime, room="channels", host="axian")

    mine = client.get("/v1/live-sessions", headers=headers["xiaohe"]).json()
    assert [s["id"] for s in mine] == [show["id"]]
    assert client.get(f"/v1/live-sessions/{other.id}", headers=headers["xiaohe"]).status_code == 404
    assert (
        client.post(f"/v1/live-sessions/{other.id}/start", headers=headers["xiaohe"]).status_code
        == 404
    )
    filtered = client.get(
        "/v1/live-sessions",
        params={"room": "channels", "status": "scheduled", "from": at(runtime, 7).isoformat()},
        headers=headers["ana"],
    ).json()
    assert [s["id"] for s in filtered] == [other.id]

    patched = client.patch(
        f"/v1/live-sessions/{show['id']}",
        json={"controllers": ["ck", "ck2"], "audience": {"members_only": True}},
        headers=headers["ops"],
    )
    assert patched.status_code == 200
    assert patched.json()["controllers"] == ["ck", "ck2"]
    assert patched.json()["audience"] == {
        "members_only": True,
        "early_entry_tier": None,
        "early_minutes": 0,
    }
    assert (
        client.patch(
            f"/v1/live-sessions/{show['id']}", json={"title": "x"}, headers=headers["xiaohe"]
        ).status_code
        == 403
    )

    started = client.post(f"/v1/live-sessions/{show['id']}/start", headers=headers["xiaohe"])
    assert started.status_code == 200 and started.json()["status"] == "live"
    twice = client.post(f"/v1/live-sessions/{show['id']}/start", headers=headers["xiaohe"])
    assert twice.status_code == 409 and "直播中" in twice.json()["reason"]
    ended_early = client.post(f"/v1/live-sessions/{other.id}/end", headers=headers["ops"])
    assert ended_early.status_code == 409
    assert (
        client.post(f"/v1/live-sessions/{show['id']}/end", headers=headers["xiaohe"]).json()[
            "status"
        ]
        == "ended"
    )


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"room": "nowhere"}, 404),
        ({"scheduled_at": "2026-12-09T20:00:00"}, 422),  # no zone
        ({"audience": {"early_entry_tier": "钻石", "early_minutes": 5}}, 422),
        ({"controllers": ["a\u0000"]}, 422),
        ({"title": ""}, 422),
        ({"extra": 1}, 422),
    ],
)
def test_a_bad_show_over_http_is_a_4xx_with_a_reason(client, runtime, room, body, status):
    headers = keys(runtime, ("ops", Role.OPERATOR))["ops"]
    given = {"room": "main", "title": "课", "scheduled_at": at(runtime, 3).isoformat(), **body}
    answer = client.post("/v1/live-sessions", json=given, headers=headers)
    assert answer.status_code == status and answer.json()["reason"]
    assert client.get("/v1/live-sessions", headers=headers).json() == []
