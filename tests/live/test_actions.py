"""One-click actions: recorded once per key in an append-only log, a Live Action Taken event
and a delivery on the outbox, all or nothing; kept for the retention period, then purged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from liveloop.access.contracts import Role
from liveloop.access.service import create_api_key
from liveloop.config import Settings
from liveloop.live import service as lives
from liveloop.live.action_tables import LiveAction
from liveloop.live.contracts import ActionKind
from liveloop.live.retention import purge
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event, NewEvent, append
from liveloop.store.outbox import OutboxMessage
from tests.live.helpers import COUPON, SKU, show_on_air


def take(runtime, live_id, kind=ActionKind.PUSH_COUPON, target=COUPON, key="k-1", room="main"):
    with transaction(runtime.sessions) as session:
        return lives.take_action(
            session,
            room=room,
            live_session_id=live_id,
            kind=kind,
            target=target,
            detail={"reason": "在线人数一分钟掉了 30%"},
            by="ops-wang",
            key=key,
            now=runtime.clock.now(),
        )


def counts(runtime) -> tuple[int, int, int]:
    with runtime.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(LiveAction)),
            session.scalar(
                select(func.count()).select_from(Event).where(Event.name == "Live Action Taken")
            ),
            session.scalar(select(func.count()).select_from(OutboxMessage)),
        )


def test_an_action_is_recorded_emitted_and_queued_for_its_room_together(runtime):
    live_id = show_on_air(runtime)
    action = take(runtime, live_id)
    assert action.kind is ActionKind.PUSH_COUPON and action.target == COUPON
    assert action.by == "ops-wang" and action.delivery_status == "pending"
    with runtime.sessions() as session:
        event = session.scalars(select(Event).where(Event.name == "Live Action Taken")).one()
        queued = session.scalars(select(OutboxMessage)).one()
        timeline = lives.actions_of(session, live_id)
    assert event.properties == {
        "room": "main",
        "live_session_id": live_id,
        "action": "push_coupon",
        "target": COUPON,
        "by": "ops-wang",
        "detail": {"reason": "在线人数一分钟掉了 30%"},
    }
    assert queued.kind == "live-action" and queued.payload == {"action_id": action.id}
    assert timeline == [action]


def test_replaying_the_same_key_returns_the_first_action_and_writes_nothing(runtime, clock):
    live_id = show_on_air(runtime)
    first = take(runtime, live_id)
    clock.advance(seconds=3)
    again = take(runtime, live_id, kind=ActionKind.SHELF_OFF, target=SKU)
    assert again == first
    assert counts(runtime) == (1, 1, 1)


def test_a_key_of_another_show_is_refused(runtime):
    first = show_on_air(runtime)
    take(runtime, first)
    runtime.clock.advance(minutes=1)
    second = show_on_air(runtime)
    with pytest.raises(lives.KeyReused):
        take(runtime, second)


@pytest.mark.parametrize(
    ("kind", "target", "reason"),
    [
        ("wave_hands", COUPON, "未知的操作 'wave_hands'"),
        (ActionKind.PUSH_COUPON, None, r"需要指明对象 \(push_coupon needs a target: the coupon"),
        (ActionKind.PUSH_COUPON, "NO-SUCH", "没有这个优惠券模板 'NO-SUCH'"),
        (ActionKind.START_EXPLAINING, "SKU-NOPE", "没有这个商品 'SKU-NOPE'"),
        (ActionKind.ANSWER_QUESTION, "  ", "answer_question needs a target"),
        (ActionKind.PIN_COMMENT, None, "pin_comment needs a target: the comment id"),
    ],
)
def test_an_action_its_kind_cannot_take_is_refused_with_nothing_written(
    runtime, kind, target, reason
):
    live_id = show_on_air(runtime)
    with pytest.raises(lives.ActionRefused, match=reason):
        take(runtime, live_id, kind=kind, target=target)
    assert counts(runtime) == (0, 0, 0)


def test_an_unknown_show_or_one_not_on_air_takes_no_action(runtime):
    with pytest.raises(lives.UnknownShow):
        take(runtime, 999)
    with transaction(runtime.sessions) as session:
        scheduled = lives.schedule_live(
            session, room="main", title="下周", host=None, scheduled_at=runtime.clock.now()
        )
    with pytest.raises(lives.ShowNotLive, match="直播未在进行中"):
        take(runtime, scheduled)
    live_id = show_on_air(runtime, room="other")
    with pytest.raises(lives.ActionRefused, match="is in room 'other'"):
        take(runtime, live_id)


def test_the_database_refuses_to_change_or_delete_an_action(store_runtime):
    runtime = store_runtime
    live_id = show_on_air(runtime)
    action = take(runtime, live_id)
    for statement in (
        "UPDATE live_actions SET target = 'LIVE99' WHERE id = :id",
        "UPDATE live_actions SET taken_by = 'someone' WHERE id = :id",
        "DELETE FROM live_actions WHERE id = :id",
    ):
        with pytest.raises(DBAPIError), transaction(runtime.sessions) as session:
            session.execute(text(statement), {"id": action.id})
    # Its delivery may move.
    with transaction(runtime.sessions) as session:
        session.execute(
            text("UPDATE live_actions SET delivery_status = 'delivered' WHERE id = :id"),
            {"id": action.id},
        )
    with runtime.sessions() as session:
        assert lives.actions_of(session, live_id)[0].target == COUPON


def test_the_purge_deletes_only_what_is_older_than_the_retention(store_runtime, clock):
    runtime = store_runtime
    live_id = show_on_air(runtime)
    old = take(runtime, live_id, key="old")
    with transaction(runtime.sessions) as session:
        append(
            session,
            [
                NewEvent("Live Comment Posted", clock.now(), "h5", type="track", anonymous_id="a"),
                NewEvent("Order Completed", clock.now(), "h5", type="track", anonymous_id="a"),
            ],
            clock.now(),
        )
    clock.advance(days=1096)
    young = take(runtime, live_id, key="young")
    with transaction(runtime.sessions) as session:
        assert purge(session, clock.now(), 1095) == 3  # the action, its event, the comment
    with runtime.sessions() as session:
        assert [a.id for a in lives.actions_of(session, live_id)] == [young.id]
        names = set(session.scalars(select(Event.name)))
    assert "Live Comment Posted" not in names and "Order Completed" in names
    assert old.id != young.id
    # Even right after a purge, nothing younger than the horizon can be deleted.
    with pytest.raises(DBAPIError), transaction(runtime.sessions) as session:
        session.execute(text("DELETE FROM live_actions WHERE id = :id"), {"id": young.id})
    # The purge runs as a periodic task of live's jobs.
    from liveloop import bootstrap

    bootstrap.wire(runtime)
    assert "live-retention" in {task.name for task in runtime.tasks}


def test_prod_refuses_to_keep_live_records_less_than_three_years():
    secret = "x" * 40
    with pytest.raises(ValueError, match="at least 1095"):
        Settings(mode="prod", secret_key=secret, live_retention_days=365, _env_file=None)
    assert Settings(mode="prod", secret_key=secret, _env_file=None).live_retention_days == 1095
    assert Settings(live_retention_days=30, _env_file=None).live_retention_days == 30  # dev


# -- over HTTP -------------------------------------------------------------------------------


def bearer(runtime, role: Role) -> dict[str, str]:
    with transaction(runtime.sessions) as session:
        key = create_api_key(session, f"k-{role.value}", role, runtime.clock.now())[1]
    return {"Authorization": f"Bearer {key}"}


def test_an_operator_takes_an_action_over_http_and_reads_the_show_s_log(client, runtime):
    live_id = show_on_air(runtime)
    headers = bearer(runtime, Role.OPERATOR)
    body = {"kind": "start_explaining", "target": SKU, "key": "click-1", "detail": {"n": 1}}
    answer = client.post(f"/v1/live-sessions/{live_id}/actions", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["by"] == "k-operator" and answer.json()["kind"] == "start_explaining"
    again = client.post(f"/v1/live-sessions/{live_id}/actions", json=body, headers=headers)
    assert again.json()["id"] == answer.json()["id"]
    listed = client.get(f"/v1/live-sessions/{live_id}/actions", headers=headers)
    assert [a["id"] for a in listed.json()] == [answer.json()["id"]]


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ({"kind": "dance", "key": "a"}, 400, "未知的操作"),
        ({"kind": "push_coupon", "key": "a"}, 400, "需要指明对象"),
        ({"kind": "push_coupon", "target": "NOPE", "key": "a"}, 400, "没有这个优惠券模板"),
        ({"kind": "push_coupon", "target": COUPON}, 422, "key"),
    ],
)
def test_bad_actions_over_http_get_a_4xx_with_a_reason(client, runtime, body, status, reason):
    live_id = show_on_air(runtime)
    answer = client.post(
        f"/v1/live-sessions/{live_id}/actions", json=body, headers=bearer(runtime, Role.OPERATOR)
    )
    assert answer.status_code == status
    assert reason in answer.text


def test_a_host_may_not_act_in_another_hosts_show(client, runtime):
    live_id = show_on_air(runtime)  # host01's show
    body = {"kind": "start_explaining", "target": SKU, "key": "other-host"}
    answer = client.post(
        f"/v1/live-sessions/{live_id}/actions", json=body, headers=bearer(runtime, Role.HOST)
    )
    assert answer.status_code == 404 and "没有这场直播" in answer.json()["reason"]


def test_an_unknown_show_is_404_and_a_show_not_on_air_409_over_http(client, runtime):
    headers = bearer(runtime, Role.OPERATOR)
    body = {"kind": "push_coupon", "target": COUPON, "key": "a"}
    assert (
        client.post("/v1/live-sessions/77/actions", json=body, headers=headers).status_code == 404
    )
    live_id = show_on_air(runtime)
    with transaction(runtime.sessions) as session:
        now = runtime.clock.now()
        lives.close_live(
            session, live_id, started_at=now - timedelta(hours=1), ended_at=now, peak_viewers=9
        )
    answer = client.post(f"/v1/live-sessions/{live_id}/actions", json=body, headers=headers)
    assert answer.status_code == 409 and "not on air" in answer.json()["reason"]
