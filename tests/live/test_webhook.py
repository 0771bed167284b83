"""The live-platform webhook: signed deliveries become our live events; unsigned, stale, forged
and replayed deliveries change nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from liveloop.live.webhook import signature
from tests.ingest.conftest import basic, make_source, stored_events
from tests.live.helpers import live_platform

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def platform(runtime):
    return live_platform(runtime, "抖音直播", rooms=("main", "night-show"))


def _viewer(**extra):
    return {
        "anonymous_id": "dy-anon-1",
        "external_ids": [{"type": "douyin_id", "id": "dy830777193548"}],
        "nickname": "爱吃米的猫",
        **extra,
    }


def deliver(client, platform, body, *, at=NOW, room="main", secret=None, key=None):
    raw = orjson.dumps(body)
    timestamp = str(int(at.timestamp()))
    headers = {
        **basic(key or platform.write_key),
        "X-Liveloop-Timestamp": timestamp,
        "X-Liveloop-Signature": signature(secret or platform.signing_secret, timestamp, raw),
        "Content-Type": "application/json",
    }
    return client.post(f"/v1/live/{room}/events", content=raw, headers=headers)


EVERY_KIND = [
    {"id": "e1", "type": "viewer_joined", "live_session_id": 77, "viewer": _viewer()},
    {"id": "e2", "type": "comment", "viewer": _viewer(), "data": {"text": "糖尿病人能吃吗?"}},
    {"id": "e3", "type": "like", "viewer": _viewer(), "data": {"count": 12}},
    {"id": "e4", "type": "share", "viewer": _viewer(), "data": {"channel": "wechat"}},
    {
        "id": "e5",
        "type": "product_click",
        "viewer": _viewer(),
        "data": {"sku": "RICE-5KG", "price": "59.9"},
    },
    {
        "id": "e6",
        "type": "add_to_cart",
        "viewer": _viewer(),
        "data": {"sku": "RICE-5KG", "quantity": 2, "price": 59.9},
    },
    {
        "id": "e7",
        "type": "order",
        "viewer": _viewer(user_id="M00000001"),
        "occurred_at": "2026-11-20T19:58:00+08:00",
        "data": {
            "order_id": "DY2026112000001",
            "total": "119.80",
            "discount": "0",
            "products": [{"sku": "RICE-5KG", "quantity": 2, "price": "59.90"}],
        },
    },
    {"id": "e8", "type": "viewer_left", "viewer": _viewer(), "data": {"watch_seconds": 866}},
]


def test_a_signed_delivery_becomes_events_named_by_our_live_spec(client, runtime, platform):
    body = {"events": [{**e, "live_session_id": 77} for e in EVERY_KIND]}
    response = deliver(client, platform, body)
    assert response.status_code == 200, response.text
    events = {e.message_id.rsplit(":", 1)[1]: e for e in stored_events(runtime)}
    assert {k: e.name for k, e in events.items()} == {
        "e1": "Live Joined",
        "e2": "Live Comment Posted",
        "e3": "Live Liked",
        "e4": "Live Shared",
        "e5": "Live Product Clicked",
        "e6": "Product Added",
        "e7": "Order Completed",
        "e8": "Live Left",
    }
    assert all(e.type == "track" and e.source == "抖音直播" for e in events.values())
    assert all(e.properties["room"] == "main" for e in events.values())
    assert all(e.properties["live_session_id"] == 77 for e in events.values())
    assert events["e2"].properties["text"] == "糖尿病人能吃吗?"
    assert events["e3"].properties["count"] == 12
    assert events["e5"].properties["price"] == "59.90"  # money as a 2-place string
    assert events["e6"].properties | {} == {
        "room": "main",
        "live_session_id": 77,
        "sku": "RICE-5KG",
        "quantity": 2,
        "price": "59.90",
    }
    assert events["e7"].properties == {
        "room": "main",
        "live_session_id": 77,
        "order_id": "DY2026112000001",
        "total": "119.80",
        "discount": "0.00",
        "currency": "CNY",
        "channel": "live",
        "products": [{"sku": "RICE-5KG", "quantity": 2, "price": "59.90"}],
    }
    assert events["e7"].user_id == "M00000001"
    assert events["e7"].timestamp == datetime(2026, 11, 20, 11, 58, tzinfo=UTC)
    assert events["e8"].properties["watch_seconds"] == 866
    assert events["e1"].timestamp == NOW  # no occurred_at: when we received it
    assert events["e1"].anonymous_id == "dy-anon-1"
    assert events["e1"].context == {
        "channel": "抖音直播",
        "externalIds": [{"type": "douyin_id", "id": "dy830777193548"}],
        "traits": {"nickname": "爱吃米的猫"},
    }


def test_one_event_on_its_own_is_a_delivery_too(client, runtime, platform):
    event = {"id": "solo", "type": "viewer_joined", "platform": "douyin", "viewer": _viewer()}
    assert deliver(client, platform, event, room="night-show").status_code == 200
    [stored] = stored_events(runtime)
    assert stored.properties == {"room": "night-show"}
    assert stored.context["channel"] == "douyin"


def test_a_replayed_delivery_writes_nothing_new(store_client, store_runtime):
    platform = live_platform(store_runtime, "视频号")
    body = {"events": EVERY_KIND}
    assert deliver(store_client, platform, body, at=store_runtime.clock.now()).status_code == 200
    assert deliver(store_client, platform, body, at=store_runtime.clock.now()).status_code == 200
    assert len(stored_events(store_runtime)) == len(EVERY_KIND)


def test_the_same_event_id_from_two_platforms_is_two_events(client, runtime, platform):
    other = live_platform(runtime, "快手直播")
    event = {"id": "1", "type": "like", "viewer": _viewer()}
    assert deliver(client, platform, event).status_code == 200
    assert deliver(client, other, event).status_code == 200
    assert len(stored_events(runtime)) == 2


def test_a_wrong_signature_is_a_401_and_writes_nothing(client, runtime, platform):
    response = deliver(client, platform, {"events": EVERY_KIND}, secret="whsec_guessed")
    assert response.status_code == 401
    assert "does not match" in response.json()["reason"]
    assert stored_events(runtime) == []


def test_a_body_changed_after_signing_is_refused(client, runtime, platform):
    raw = orjson.dumps({"id": "x", "type": "like", "viewer": _viewer()})
    timestamp = str(int(NOW.timestamp()))
    forged = raw.replace(b'"like"', b'"comment"')
    response = client.post(
        "/v1/live/main/events",
        content=forged,
        headers={
            **basic(platform.write_key),
            "X-Liveloop-Timestamp": timestamp,
            "X-Liveloop-Signature": signature(platform.signing_secret, timestamp, raw),
        },
    )
    assert response.status_code == 401
    assert stored_events(runtime) == []


@pytest.mark.parametrize("minutes", [-6, 6])
def test_a_stale_or_future_timestamp_is_a_401(client, runtime, platform, minutes):
    runtime.clock.advance(minutes=minutes)
    response = deliver(client, platform, {"events": EVERY_KIND}, at=NOW)
    assert response.status_code == 401
    assert "5 minutes" in response.json()["reason"]
    assert stored_events(runtime) == []


def test_a_timestamp_within_five_minutes_is_accepted(client, runtime, platform):
    runtime.clock.advance(minutes=4, seconds=59)
    assert deliver(client, platform, {"events": EVERY_KIND[:1]}, at=NOW).status_code == 200


def test_missing_signature_headers_are_a_401(client, runtime, platform):
    raw = orjson.dumps({"events": EVERY_KIND})
    response = client.post("/v1/live/main/events", content=raw, headers=basic(platform.write_key))
    assert response.status_code == 401
    assert "X-Liveloop-Signature" in response.json()["reason"]
    not_a_number = client.post(
        "/v1/live/main/events",
        content=raw,
        headers={
            **basic(platform.write_key),
            "X-Liveloop-Timestamp": "yesterday",
            "X-Liveloop-Signature": "sha256=00",
        },
    )
    assert not_a_number.status_code == 401
    assert stored_events(runtime) == []


def test_a_source_that_is_not_a_live_platform_may_not_use_the_webhook(client, runtime):
    source = make_source(runtime, kind="mini_program")
    event = {"id": "x", "type": "like", "viewer": _viewer()}
    response = deliver(client, source, event, secret="whsec_any")
    assert response.status_code == 403
    assert "live_platform" in response.json()["reason"]


def test_an_unknown_key_is_a_401(client, platform):
    event = {"id": "x", "type": "like", "viewer": _viewer()}
    assert deliver(client, platform, event, key="wk_unknown").status_code == 401


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"id": "x", "type": "dance", "viewer": {"anonymous_id": "a"}}, "events[1]"),
        ({"id": "x", "type": "comment", "viewer": {"anonymous_id": "a"}}, "data"),
        ({"id": "x", "type": "like", "viewer": {"nickname": "无名"}}, "user_id or anonymous_id"),
        ({"type": "like", "viewer": {"anonymous_id": "a"}}, "id"),
        (
            {"id": "x", "type": "order", "viewer": {"anonymous_id": "a"}, "data": {"total": "1"}},
            "order_id",
        ),
        (
            {
                "id": "x",
                "type": "product_click",
                "viewer": {"anonymous_id": "a"},
                "data": {"sku": "S", "price": "1.999"},
            },
            "price",
        ),
        (
            {
                "id": "x",
                "type": "like",
                "viewer": {"anonymous_id": "a"},
                "occurred_at": "2026-11-20T12:00:00",
            },
            "timezone",
        ),
    ],
)
def test_a_delivery_breaking_the_schema_is_a_400_naming_the_field(
    client, runtime, platform, event, reason
):
    good = {"id": "ok", "type": "like", "viewer": {"anonymous_id": "a"}}
    response = deliver(client, platform, {"events": [good, event]})
    assert response.status_code == 400, response.text
    assert reason in response.json()["reason"]
    assert stored_events(runtime) == []


def test_a_bad_room_name_is_refused(client, platform):
    event = {"id": "x", "type": "like", "viewer": _viewer()}
    assert deliver(client, platform, event, room="a b").status_code in (400, 404, 422)


def test_the_platform_rate_applies_to_webhook_events(client, runtime):
    platform = make_source(runtime, "限速平台", kind="live_platform", rate_limit_per_s=5)
    live_platform(runtime, "另一个平台")  # makes the room
    body = {"events": [{"id": f"c{i}", "type": "like", "viewer": _viewer()} for i in range(5)]}
    assert deliver(client, platform, body).status_code == 200
    again = deliver(
        client, platform, {"events": [{"id": "late", "type": "like", "viewer": _viewer()}]}
    )
    assert again.status_code == 429
    assert int(again.headers["retry-after"]) >= 1
    assert len(stored_events(runtime)) == 5


def test_a_timestamp_from_the_far_future_is_a_401_not_a_500(client, runtime, platform):
    raw = orjson.dumps({"id": "e1", "type": "like", "viewer": _viewer()})
    headers = {
        **basic(platform.write_key),
        "X-Liveloop-Timestamp": "999999999999",
        "X-Liveloop-Signature": signature(platform.signing_secret, "999999999999", raw),
        "Content-Type": "application/json",
    }
    response = client.post("/v1/live/main/events", content=raw, headers=headers)
    assert response.status_code == 401 and "5 minutes" in response.json()["reason"]


@pytest.mark.parametrize(
    "timestamp", ["²", "１７６３６４００００", "01763640000", "+1763640000", " 1763640000"]
)
def test_a_timestamp_that_is_not_plain_unix_seconds_is_a_401(client, runtime, platform, timestamp):
    raw = orjson.dumps({"id": "e1", "type": "like", "viewer": _viewer()})
    headers = {
        **basic(platform.write_key),
        "X-Liveloop-Timestamp": timestamp.encode(),
        "X-Liveloop-Signature": signature(platform.signing_secret, "1763640000", raw),
        "Content-Type": "application/json",
    }
    response = client.post("/v1/live/main/events", content=raw, headers=headers)
    assert response.status_code == 401
    assert "Unix time in seconds" in response.json()["reason"]
    assert stored_events(runtime) == []


@pytest.mark.parametrize("placeholder", ["null", "0", "anonymous", "undefined", " NULL "])
def test_a_viewer_named_only_by_a_placeholder_is_refused(client, runtime, platform, placeholder):
    viewer = {"user_id": placeholder, "anonymous_id": placeholder}
    body = {"id": "e1", "type": "like", "viewer": viewer, "data": {"count": 1}}
    response = deliver(client, platform, body)
    assert response.status_code == 400
    assert "placeholder" in response.json()["reason"]
    assert stored_events(runtime) == []


def test_a_room_nobody_made_is_a_404_naming_it_and_nothing_is_written(client, runtime, platform):
    body = {"events": [EVERY_KIND[0]]}
    response = deliver(client, platform, body, room="no-such-room")
    assert response.status_code == 404
    assert "没有直播间 no-such-room" in response.json()["reason"]
    assert stored_events(runtime) == []


def test_a_stranger_learns_no_room_codes(client, runtime, platform):
    body = {"events": [EVERY_KIND[0]]}
    forged = deliver(client, platform, body, room="no-such-room", secret="not-the-secret")
    assert forged.status_code == 401
