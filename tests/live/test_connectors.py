"""Connectors: an action reaches its room through the outbox and the room's connector — our
own H5 page reads it from its feed; a platform with no way in marks it for the host; a
refusal is final with its reason kept; a rate limit is retried."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from liveloop import bootstrap
from liveloop.ingest.service import SourceKind, create_source
from liveloop.live import jobs as live_jobs
from liveloop.live import service as lives
from liveloop.live.connectors.base import (
    ActionDelivery,
    DeliveryResult,
    NoPull,
    Platform,
    Refused,
    Registry,
    RetryLater,
)
from liveloop.live.connectors.own_h5 import OwnH5Connector, WeChatChannelsConnector
from liveloop.live.contracts import ActionKind
from liveloop.store.engine import transaction
from liveloop.store.outbox import OutboxMessage
from tests.live.helpers import COUPON, SKU, show_on_air


class ScriptedPlatform(NoPull):
    """A platform connector that answers as told (a rate limit first, then a refusal …)."""

    platform = Platform.WECOM_LIVING

    def __init__(self, *answers: DeliveryResult | Exception) -> None:
        self.answers = list(answers)
        self.seen: list[ActionDelivery] = []

    def deliver(self, action: ActionDelivery) -> DeliveryResult:
        self.seen.append(action)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def wired(runtime, *connectors) -> Registry:
    bootstrap.wire(runtime)
    registry = Registry()
    for connector in connectors:
        registry.register(connector)
    return live_jobs.register(runtime, connectors=registry)


def take(runtime, live_id, key="k", kind=ActionKind.PUSH_COUPON, target=COUPON, room="main"):
    with transaction(runtime.sessions) as session:
        return lives.take_action(
            session,
            room=room,
            live_session_id=live_id,
            kind=kind,
            target=target,
            detail={"title": "直播专享 10 元券"},
            by="host01",
            key=key,
            now=runtime.clock.now(),
        )


def delivery(runtime, live_id):
    with runtime.sessions() as session:
        return [(a.delivery_status, a.delivery_note) for a in lives.actions_of(session, live_id)]


def test_the_registry_finds_a_connector_by_platform(runtime):
    registry = wired(runtime, OwnH5Connector(), WeChatChannelsConnector())
    assert registry.get("own_h5").platform is Platform.OWN_H5
    assert "wecom_living" not in registry
    # Without WeCom living credentials the default registry has the two webhook platforms.
    assert {c.platform for c in live_jobs.build_connectors(runtime)} == {
        Platform.OWN_H5,
        Platform.WECHAT_CHANNELS,
    }


def test_an_action_in_the_own_room_reaches_its_page_feed(client, runtime):
    wired(runtime, OwnH5Connector())
    live_id = show_on_air(runtime, platform="own_h5")
    first = take(runtime, live_id, key="a")
    second = take(runtime, live_id, key="b", kind=ActionKind.START_EXPLAINING, target=SKU)
    with transaction(runtime.sessions) as session:
        key = create_source(
            session, "h5-room", runtime.clock.now(), kind=SourceKind.LIVE_PLATFORM
        ).write_key
    feed = client.get("/v1/live/main/actions", auth=(key, ""))
    assert feed.status_code == 200 and feed.json() == []  # not delivered yet

    assert runtime.outbox.drain_until_idle(runtime.sessions, runtime.clock) == 2
    assert delivery(runtime, live_id) == [("delivered", None), ("delivered", None)]
    feed = client.get("/v1/live/main/actions", auth=(key, "")).json()
    assert [(f["id"], f["kind"], f["target"]) for f in feed] == [
        (first.id, "push_coupon", COUPON),
        (second.id, "start_explaining", SKU),
    ]
    assert "by" not in feed[0]  # the page is public: who clicked stays in the console
    after = client.get(f"/v1/live/main/actions?after={first.id}", auth=(key, "")).json()
    assert [f["id"] for f in after] == [second.id]
    assert client.get("/v1/live/other/actions", auth=(key, "")).json() == []


def test_the_feed_is_refused_without_a_live_sources_write_key(client, runtime):
    assert client.get("/v1/live/main/actions").status_code == 401
    with transaction(runtime.sessions) as session:
        key = create_source(session, "pos", runtime.clock.now(), kind=SourceKind.POS).write_key
    answer = client.get("/v1/live/main/actions", auth=(key, ""))
    assert answer.status_code == 403 and "live_platform" in answer.json()["reason"]


def test_a_platform_with_no_way_in_marks_the_action_for_the_host(runtime):
    wired(runtime, OwnH5Connector(), WeChatChannelsConnector())
    channels_show = show_on_air(runtime, room="channels", platform="wechat_channels")
    take(runtime, channels_show, key="c", room="channels")
    runtime.clock.advance(minutes=1)
    elsewhere = show_on_air(runtime, room="douyin", platform="douyin")
    take(runtime, elsewhere, key="d", room="douyin")
    runtime.outbox.drain_until_idle(runtime.sessions, runtime.clock)
    [(status, note)] = delivery(runtime, channels_show)
    assert status == "manual" and "视频号" in note
    [(status, note)] = delivery(runtime, elsewhere)
    assert status == "manual" and "没有接入连接器" in note


def test_a_rate_limited_delivery_is_retried_and_a_refusal_is_final_with_its_reason(runtime, clock):
    platform = ScriptedPlatform(
        RetryLater(timedelta(seconds=30), "45009"),
        DeliveryResult(delivered=True),
        Refused("平台拒绝了这个操作：券已下架"),
    )
    wired(runtime, platform)
    live_id = show_on_air(runtime, room="wl", platform="wecom_living")
    take(runtime, live_id, key="one", room="wl")
    runtime.outbox.drain_until_idle(runtime.sessions, runtime.clock)
    assert delivery(runtime, live_id) == [("pending", None)]
    clock.advance(seconds=31)
    runtime.outbox.drain_until_idle(runtime.sessions, runtime.clock)
    assert delivery(runtime, live_id) == [("delivered", None)]

    take(runtime, live_id, key="two", room="wl")
    runtime.outbox.drain_until_idle(runtime.sessions, runtime.clock)
    assert delivery(runtime, live_id)[1] == ("failed", "平台拒绝了这个操作：券已下架")
    with runtime.sessions() as session:
        statuses = list(session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))
    assert statuses == ["sent", "dead"]
    assert [a.key for a in platform.seen] == ["one", "one", "two"]


def test_a_redelivered_action_is_not_handed_to_the_connector_twice(runtime):
    platform = ScriptedPlatform(DeliveryResult(delivered=True))
    wired(runtime, platform)
    live_id = show_on_air(runtime, room="wl", platform="wecom_living")
    action = take(runtime, live_id, room="wl")
    runtime.outbox.drain_until_idle(runtime.sessions, runtime.clock)
    # The outbox sends again (a lease ran out after the answer was recorded): nothing happens.
    send = runtime.outbox.senders["live-action"]
    from liveloop.store.outbox import Envelope

    send(Envelope(1, "live-action", "x", {"action_id": action.id}, 2, runtime.clock.now()))
    assert len(platform.seen) == 1
