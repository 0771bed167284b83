"""Each room's alert rules: the operator's overrides change the thresholds the room's processor
alerts by, bad ones are refused with the reason, and only operators change them."""

from __future__ import annotations

import pytest

from liveloop.access.contracts import Role
from liveloop.live import service as lives
from liveloop.live.jobs import processor_sources
from liveloop.store.engine import transaction
from tests.live.show_script import Script
from tests.live.showkit import keys, schedule, seed_room
from tests.live.test_alerts import codes, crowd, run


def dropping_by_a_third() -> Script:
    s = Script()
    s.started(0)
    viewers = crowd(s, 30)
    for viewer in viewers[:10]:
        s.left(100, viewer)
    return s


def test_a_rooms_drop_percent_stops_the_alert_the_default_raises(runtime):
    seed_room(runtime)
    with transaction(runtime.read_sessions) as session:
        default = lives.alert_rules_of(session, "main")
    assert codes(run(dropping_by_a_third(), range(90, 200), rules=default)) == [
        ("viewers_dropping", "room")
    ]
    with transaction(runtime.sessions) as session:
        rules = lives.set_alert_rules(session, "main", {"drop_percent": 50})
    assert rules.drop_percent == 50 and rules.queue_count == default.queue_count
    with transaction(runtime.read_sessions) as session:
        kept = lives.alert_rules_of(session, "main")
    assert kept == rules
    assert run(dropping_by_a_third(), range(90, 200), rules=kept) == []


def test_the_feed_makes_a_rooms_processor_with_its_rules(runtime):
    seed_room(runtime)
    with transaction(runtime.sessions) as session:
        lives.set_alert_rules(
            session, "main", {"queue_count": 3, "welcome_tiers": ["黑金", "银卡"]}
        )
    processor = processor_sources(runtime)("main").processor
    assert processor.rules.queue_count == 3
    assert processor.rules.welcome_tiers == frozenset({"银卡", "黑金"})
    assert processor.show.alerts.rules is processor.rules
    # A room nobody made yet (a webhook's first events) has the defaults.
    assert processor_sources(runtime)("elsewhere").processor.rules == lives.AlertRules()


def test_empty_overrides_go_back_to_the_defaults(runtime):
    seed_room(runtime)
    with transaction(runtime.sessions) as session:
        lives.set_alert_rules(session, "main", {"cooldown_seconds": 60})
        assert lives.set_alert_rules(session, "main", {}) == lives.AlertRules()
        assert lives.alert_overrides_of(session, "main") == {}


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"drop_percent": 0}, "在线人数一分钟内下降超过(%) 的值不可用"),
        ({"drop_percent": 150}, "drop_percent"),
        ({"stock_minutes": 121}, "预计售罄提前提醒"),
        ({"queue_count": 0}, "等待问题达到"),
        ({"welcome_tiers": ["钻石"]}, "welcome_tiers"),
        ({"surge": 3}, "没有提醒规则 surge"),
    ],
)
def test_bad_rules_are_refused_with_the_reason(runtime, overrides, reason):
    seed_room(runtime)
    with transaction(runtime.sessions) as session, pytest.raises(lives.LiveRefused) as refused:
        lives.set_alert_rules(session, "main", overrides)
    assert reason in str(refused.value)
    with transaction(runtime.read_sessions) as session:
        assert lives.alert_overrides_of(session, "main") == {}


def test_an_unknown_room_has_no_rules_to_set(runtime):
    with transaction(runtime.sessions) as session, pytest.raises(lives.UnknownRoom):
        lives.set_alert_rules(session, "nowhere", {"drop_percent": 30})


def test_the_api_reads_and_replaces_a_rooms_rules(runtime, client):
    seed_room(runtime)
    seed_room(runtime, "other", "视频号直播间")
    schedule(runtime, host="xiaohe")
    headers = keys(runtime, ("yunying", Role.OPERATOR), ("xiaohe", Role.HOST))
    put = client.put(
        "/v1/live-rooms/main/alert-rules",
        json={"drop_percent": 35, "queue_age_seconds": 120},
        headers=headers["yunying"],
    )
    assert put.status_code == 200, put.text
    assert put.json()["overrides"] == {"drop_percent": 35.0, "queue_age_seconds": 120}
    read = client.get("/v1/live-rooms/main/alert-rules", headers=headers["xiaohe"]).json()
    assert read["rules"]["drop_percent"] == 35.0 and read["rules"]["cooldown_seconds"] == 300
    assert read["rules"]["welcome_tiers"] == ["金卡", "黑金"]
    # A host sees only their rooms; only operators change rules.
    assert (
        client.get("/v1/live-rooms/other/alert-rules", headers=headers["xiaohe"]).status_code == 404
    )
    assert (
        client.put(
            "/v1/live-rooms/main/alert-rules", json={}, headers=headers["xiaohe"]
        ).status_code
        == 403
    )
    bad = client.put(
        "/v1/live-rooms/main/alert-rules",
        json={"drop_percent": 0, "surge": 1},
        headers=headers["yunying"],
    )
    assert bad.status_code == 422
    assert "surge" in bad.text and "drop_percent" in bad.text
    missing = client.put("/v1/live-rooms/nowhere/alert-rules", json={}, headers=headers["yunying"])
    assert missing.status_code == 404


def test_the_live_pages_form_sets_a_rooms_rules_with_reasons_in_chinese(runtime, client):
    import re

    from tests.console.test_console_live import _login

    seed_room(runtime)
    _login(client, runtime, "yunying", Role.OPERATOR)
    page = client.get("/console/live")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {"csrf_token": csrf, "room": "main", "drop_percent": "50", "queue_count": ""}
    saved = client.post("/console/live/alert-rules", data=form)
    assert saved.status_code == 200 and "已保存「官方直播间」的提醒规则" in saved.text
    assert "在线人数一分钟内下降超过(%) 50" in saved.text
    with transaction(runtime.read_sessions) as session:
        assert lives.alert_overrides_of(session, "main") == {"drop_percent": 50}
    bad = client.post("/console/live/alert-rules", data={**form, "drop_percent": "0"})
    assert bad.status_code == 422 and "的值不可用" in bad.text
    word = client.post("/console/live/alert-rules", data={**form, "drop_percent": "很多"})
    assert word.status_code == 422 and "需要是数字" in word.text
