"""The Segment-compatible tracking API over HTTP: what each call stores, who may send, and what
every kind of bad request gets back (and that it leaves the store as it was)."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from tests.ingest.conftest import basic, make_source, stored_events

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _track(**extra):
    return {
        "type": "track",
        "userId": "M00000001",
        "event": "Live Joined",
        "properties": {"room": "main"},
        **extra,
    }


# ------------------------------------------------------------------ what each call stores


@pytest.mark.parametrize(
    ("call", "body", "expected"),
    [
        (
            "track",
            {"userId": "M1", "event": "Product Added", "properties": {"sku": "SOY-500"}},
            {"type": "track", "name": "Product Added", "properties": {"sku": "SOY-500"}},
        ),
        (
            "identify",
            {"userId": "M1", "traits": {"phone": "13800138000", "name": "张秀英"}},
            {
                "type": "identify",
                "name": None,
                "properties": {"traits": {"phone": "13800138000", "name": "张秀英"}},
            },
        ),
        (
            "page",
            {"anonymousId": "a-1", "name": "直播预告", "category": "live", "properties": {"x": 1}},
            {"type": "page", "name": "直播预告", "properties": {"x": 1, "category": "live"}},
        ),
        (
            "screen",
            {"anonymousId": "a-1", "name": "商品详情", "properties": {"sku": "MILK"}},
            {"type": "screen", "name": "商品详情", "properties": {"sku": "MILK"}},
        ),
        (
            "group",
            {"userId": "M1", "groupId": "G-9", "traits": {"leader": "王团长"}},
            {
                "type": "group",
                "name": None,
                "properties": {"groupId": "G-9", "traits": {"leader": "王团长"}},
            },
        ),
        (
            "alias",
            {"userId": "M1", "previousId": "a-1"},
            {"type": "alias", "name": None, "properties": {"previousId": "a-1"}},
        ),
    ],
)
def test_each_call_is_stored_in_the_event_log_shape(client, runtime, auth, call, body, expected):
    context = {"channel": "mini_program", "externalIds": [{"type": "unionid", "id": "o-1"}]}
    response = client.post(
        f"/v1/{call}", json={**body, "context": context, "messageId": f"m-{call}"}, headers=auth
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True}
    [event] = stored_events(runtime)
    assert event.type == expected["type"]
    assert event.name == expected["name"]
    assert event.properties == expected["properties"]
    assert event.context == context  # as sent, externalIds included
    assert event.message_id == f"m-{call}"
    assert event.user_id == body.get("userId")
    assert event.anonymous_id == body.get("anonymousId")
    assert event.customer_id is None  # OneID resolves later, from the log
    assert event.source == "小程序"
    assert event.received_at == NOW
    assert event.timestamp == NOW  # no timestamp sent


def test_a_batch_stores_every_message_with_the_shared_context_under_its_own(client, runtime, auth):
    body = {
        "batch": [
            {"type": "identify", "anonymousId": "a-1", "traits": {"city": "杭州"}},
            {
                "type": "track",
                "anonymousId": "a-1",
                "event": "Live Comment Posted",
                "properties": {"text": "糖尿病人能吃吗?"},
                "context": {"channel": "douyin"},
            },
            {"type": "page", "userId": 42, "name": "首页"},
        ],
        "context": {"channel": "h5", "ip": "10.0.0.1"},
        "integrations": {"All": True},
    }
    assert client.post("/v1/batch", json=body, headers=auth).status_code == 200
    events = stored_events(runtime)
    assert [e.type for e in events] == ["identify", "track", "page"]
    assert events[0].context == {"channel": "h5", "ip": "10.0.0.1"}
    assert events[1].context == {"channel": "douyin", "ip": "10.0.0.1"}
    assert events[1].properties == {"text": "糖尿病人能吃吗?"}
    assert events[2].user_id == "42"  # numeric ids become strings


def test_the_official_segment_shape_with_a_body_write_key_and_gzip_is_accepted(
    client, runtime, source
):
    body = {
        "batch": [_track(messageId="m-1", timestamp="2026-11-20T19:59:00+08:00")],
        "sentAt": "2026-11-20T12:00:00Z",
        "writeKey": source.write_key,
    }
    response = client.post(
        "/v1/batch",
        content=gzip.compress(json.dumps(body).encode()),
        headers={"Content-Encoding": "gzip", "Content-Type": "text/plain"},
    )
    assert response.status_code == 200, response.text
    [event] = stored_events(runtime)
    assert event.timestamp == NOW - timedelta(minutes=1)
    assert "writeKey" not in event.context and "writeKey" not in event.properties


# ------------------------------------------------------------------ clock skew


def test_timestamps_are_corrected_by_the_gap_between_stamping_and_sending(client, runtime, auth):
    # The phone's clock is 2 hours fast: it stamped 14:00 and sent at 14:05, we received at 12:00.
    body = {
        "batch": [
            _track(messageId="a", timestamp="2026-11-20T14:00:00Z"),
            _track(messageId="b", timestamp="2026-11-20T14:04:30.250Z", sentAt=None),
            _track(messageId="c"),
            _track(messageId="d", timestamp="2026-11-20T13:00:00Z", sentAt="2026-11-20T13:00:10Z"),
        ],
        "sentAt": "2026-11-20T14:05:00Z",
    }
    assert client.post("/v1/batch", json=body, headers=auth).status_code == 200
    stamps = {e.message_id: e.timestamp for e in stored_events(runtime)}
    assert stamps["a"] == NOW - timedelta(minutes=5)
    assert stamps["b"] == NOW - timedelta(seconds=29, milliseconds=750)
    assert stamps["c"] == NOW  # no timestamp: when we received it
    assert stamps["d"] == NOW - timedelta(seconds=10)  # the message's own sentAt wins


def test_without_sent_at_the_timestamp_is_kept_as_sent_and_read_as_utc(client, runtime, auth):
    body = _track(timestamp="2026-11-19T08:30:00")
    assert client.post("/v1/track", json=body, headers=auth).status_code == 200
    [event] = stored_events(runtime)
    assert event.timestamp == datetime(2026, 11, 19, 8, 30, tzinfo=UTC)


# ------------------------------------------------------------------ replay and de-duplication


def test_a_replayed_batch_creates_nothing_new(store_client, store_runtime):
    key = make_source(store_runtime).write_key
    body = {"batch": [_track(messageId=f"m-{i}", properties={"seq": i}) for i in range(50)]}
    first = store_client.post("/v1/batch", json=body, headers=basic(key))
    again = store_client.post("/v1/batch", json=body, headers=basic(key))
    assert first.status_code == again.status_code == 200
    events = stored_events(store_runtime)
    assert len(events) == 50
    assert sorted(e.properties["seq"] for e in events) == list(range(50))


def test_repeated_message_ids_inside_one_batch_are_stored_once(client, runtime, auth):
    body = {"batch": [_track(messageId="same", properties={"n": n}) for n in (1, 2)]}
    assert client.post("/v1/batch", json=body, headers=auth).status_code == 200
    [event] = stored_events(runtime)
    assert event.properties == {"n": 1}


def test_every_endpoint_stores_on_both_stores(store_client, store_runtime):
    key = make_source(store_runtime).write_key
    calls = {
        "track": _track(messageId="t"),
        "identify": {"userId": "M1", "traits": {"phone": "+8613800138000"}, "messageId": "i"},
        "page": {"anonymousId": "a", "name": "首页", "messageId": "p"},
        "screen": {"anonymousId": "a", "name": "我的", "messageId": "s"},
        "group": {"userId": "M1", "groupId": "g", "messageId": "g"},
        "alias": {"userId": "M1", "previousId": "a", "messageId": "a"},
    }
    for call, body in calls.items():
        response = store_client.post(f"/v1/{call}", json=body, headers=basic(key))
        assert response.status_code == 200, (call, response.text)
    batch = {"batch": [{"type": "track", "anonymousId": "a", "event": "X", "messageId": "b"}]}
    assert store_client.post("/v1/batch", json=batch, headers=basic(key)).status_code == 200
    events = {e.message_id: e for e in stored_events(store_runtime)}
    assert set(events) == {"t", "i", "p", "s", "g", "a", "b"}
    assert events["i"].properties == {"traits": {"phone": "+8613800138000"}}
    assert events["t"].timestamp == store_runtime.clock.now()


# ------------------------------------------------------------------ who may send


def test_a_missing_or_unknown_write_key_is_a_401_and_writes_nothing(client, runtime, source):
    missing = client.post("/v1/track", json=_track())
    assert missing.status_code == 401
    assert "write key" in missing.json()["reason"]
    assert missing.headers["www-authenticate"].startswith("Basic")
    unknown = client.post("/v1/track", json=_track(), headers=basic("wk_not-a-real-key"))
    assert unknown.status_code == 401
    in_body = client.post("/v1/batch", json={"batch": [_track()], "writeKey": "wk_nope"})
    assert in_body.status_code == 401
    garbled = client.post(
        "/v1/track", json=_track(), headers={"Authorization": "Basic %%%not-base64"}
    )
    assert garbled.status_code == 401
    assert stored_events(runtime) == []


def test_a_disabled_source_is_refused_once_the_key_cache_expires(client, runtime, source, auth):
    from liveloop.ingest.service import disable_source
    from liveloop.store.engine import transaction

    assert client.post("/v1/track", json=_track(), headers=auth).status_code == 200
    with transaction(runtime.sessions) as session:
        disable_source(session, source.source.name, runtime.clock.now())
    runtime.clock.advance(seconds=6)
    response = client.post("/v1/track", json=_track(), headers=auth)
    assert response.status_code == 401
    assert len(stored_events(runtime)) == 1


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"batch": "nope"}', "batch must be a list"),
        (b'{"batch": []}', "batch is empty"),
        (b'{"batch": [1]}', "batch[0] must be an object"),
        (b'{"batch": [{"type": "explode", "userId": "u"}]}', "batch[0].type"),
        (b'{"batch": [{"type": "track", "event": "X"}]}', "batch[0]: needs userId or anonymousId"),
        (b'{"batch": [{"type": "track", "userId": "u"}]}', "event name"),
        (b'{"batch": [{"type": "alias", "userId": "u"}]}', "previousId"),
        (b'{"batch": [{"type": "group", "userId": "u"}]}', "groupId"),
        (b'{"batch": [{"type": "identify", "userId": {"a": 1}}]}', "userId must be a string"),
        (b'{"batch": [{"type": "identify", "userId": "u", "traits": [1]}]}', "traits"),
        (b'{"batch": [{"type": "identify", "userId": "u", "context": "x"}]}', "context"),
        (b'{"batch": [{"type": "identify", "userId": "u", "timestamp": "soon"}]}', "ISO-8601"),
        (b'{"batch": [{"type": "identify", "userId": "u"}], "sentAt": 5}', "sentAt"),
        (b'{"batch": [{"type": "track", "userId": "u", "event": "a\\u0000b"}]}', "NUL"),
    ],
)
def test_a_bad_batch_is_a_400_with_the_reason_and_writes_nothing(
    client, runtime, auth, body, reason
):
    good = {"type": "track", "userId": "ok", "event": "Fine", "messageId": "good-one"}
    document = body
    if body.startswith(b'{"batch": [') and not body.startswith(b'{"batch": []'):
        # Put a valid message first: one bad message refuses the whole request.
        parsed = orjson.loads(body)
        parsed["batch"].insert(0, good)
        document = orjson.dumps(parsed)
        reason = reason.replace("batch[0]", "batch[1]")
    response = client.post("/v1/batch", content=document, headers=auth)
    assert response.status_code == 400, response.text
    assert reason in response.json()["reason"]
    assert stored_events(runtime) == []


def test_ids_longer_than_the_store_holds_are_refused(client, runtime, auth):
    response = client.post("/v1/track", json=_track(userId="u" * 129), headers=auth)
    assert response.status_code == 400
    assert "longer than 128" in response.json()["reason"]
    assert stored_events(runtime) == []


def test_a_message_of_the_wrong_type_for_its_endpoint_is_refused(client, auth):
    response = client.post("/v1/identify", json=_track(), headers=auth)
    assert response.status_code == 400
    assert "/v1/identify" in response.json()["reason"]


# ------------------------------------------------------------------ size limits


def test_a_single_call_over_32_kb_is_a_400(client, runtime, auth):
    body = _track(properties={"note": "好" * 12_000})  # 36 KB in UTF-8
    response = client.post("/v1/track", json=body, headers=auth)
    assert response.status_code == 400
    assert response.json()["error"] == "payload_too_large"
    assert "32 KB" in response.json()["reason"]
    assert stored_events(runtime) == []


def test_one_event_over_32_kb_in_a_batch_is_named_and_nothing_is_written(client, runtime, auth):
    body = {
        "batch": [
            _track(messageId="small"),
            _track(messageId="large", properties={"note": "x" * 33_000}),
        ]
    }
    response = client.post("/v1/batch", json=body, headers=auth)
    assert response.status_code == 400
    assert "batch[1]" in response.json()["reason"] and "32 KB" in response.json()["reason"]
    assert stored_events(runtime) == []


def test_a_batch_over_500_kb_is_a_400(client, runtime, auth):
    body = {
        "batch": [_track(messageId=f"m{i}", properties={"pad": "x" * 20_000}) for i in range(30)]
    }
    response = client.post("/v1/batch", json=body, headers=auth)
    assert response.status_code == 400
    assert "500 KB" in response.json()["reason"]
    assert stored_events(runtime) == []


def test_a_gzip_bomb_is_refused_after_decompressing_no_more_than_the_limit(client, runtime, auth):
    bomb = gzip.compress(b'{"batch": [' + b" " * 50_000_000 + b"]}")
    assert len(bomb) < 100_000
    response = client.post("/v1/batch", content=bomb, headers={**auth, "Content-Encoding": "gzip"})
    assert response.status_code == 400
    assert "after decompression" in response.json()["reason"]
    assert stored_events(runtime) == []


def test_broken_gzip_and_unknown_encodings_are_400s(client, auth):
    broken = client.post(
        "/v1/batch", content=b"not gzip at all", headers={**auth, "Content-Encoding": "gzip"}
    )
    assert broken.status_code == 400 and "gzip" in broken.json()["reason"]
    truncated = gzip.compress(json.dumps({"batch": [_track()]}).encode())[:-12]
    cut = client.post("/v1/batch", content=truncated, headers={**auth, "Content-Encoding": "gzip"})
    assert cut.status_code == 400
    brotli = client.post("/v1/batch", content=b"{}", headers={**auth, "Content-Encoding": "br"})
    assert brotli.status_code == 400 and "br" in brotli.json()["reason"]


# ------------------------------------------------------------------ rate limits


def test_a_source_over_its_rate_gets_429_with_retry_after_then_recovers(client, runtime):
    key = make_source(runtime, "pos-01", kind="pos", rate_limit_per_s=100).write_key
    batch = {"batch": [_track(messageId=f"a{i}") for i in range(80)]}
    assert client.post("/v1/batch", json=batch, headers=basic(key)).status_code == 200
    more = {"batch": [_track(messageId=f"b{i}") for i in range(80)]}
    refused = client.post("/v1/batch", json=more, headers=basic(key))
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert "100 events per second" in refused.json()["reason"]
    assert len(stored_events(runtime)) == 80  # the refused request wrote nothing
    runtime.clock.advance(seconds=1)
    assert client.post("/v1/batch", json=more, headers=basic(key)).status_code == 200
    assert len(stored_events(runtime)) == 160


def test_sources_have_separate_rates(client, runtime):
    slow = make_source(runtime, "slow", rate_limit_per_s=1).write_key
    fast = make_source(runtime, "fast").write_key
    assert client.post("/v1/track", json=_track(messageId="1"), headers=basic(slow)).is_success
    assert (
        client.post("/v1/track", json=_track(messageId="2"), headers=basic(slow)).status_code == 429
    )
    for n in range(3, 10):
        assert client.post(
            "/v1/track", json=_track(messageId=str(n)), headers=basic(fast)
        ).is_success


# ------------------------------------------------------------------ browsers


def test_browser_sdks_get_cors_answers(client, auth):
    preflight = client.options(
        "/v1/batch",
        headers={"Origin": "https://h5.example.cn", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "Authorization" in preflight.headers["access-control-allow-headers"]
    response = client.post("/v1/track", json=_track(), headers=auth)
    assert response.headers["access-control-allow-origin"] == "*"


def test_a_store_that_cannot_be_written_is_a_503_to_retry(client, runtime, auth):
    from sqlalchemy.exc import OperationalError

    writer = client.app.state.event_writer

    def locked(session, rows):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    writer._insert = locked
    response = client.post("/v1/track", json=_track(), headers=auth)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["error"] == "busy"
    assert stored_events(runtime) == []


def test_absurdly_nested_properties_are_a_400_not_a_500(client, runtime, auth):
    nested: dict = {}
    for _ in range(300):
        nested = {"a": nested}
    body = _track(properties=nested)
    response = client.post("/v1/track", json=body, headers=auth)
    assert response.status_code == 400 and "nest" in response.json()["reason"]
    assert stored_events(runtime) == []


def test_an_event_whose_only_identity_is_a_placeholder_is_refused(client, runtime, auth):
    response = client.post("/v1/track", json=_track(userId="null"), headers=auth)
    assert response.status_code == 400 and "placeholder" in response.json()["reason"]
    both = client.post("/v1/track", json=_track(userId="undefined", anonymousId="0"), headers=auth)
    assert both.status_code == 400
    assert stored_events(runtime) == []
    # a real anonymousId beside a placeholder userId still identifies someone
    ok = client.post("/v1/track", json=_track(userId="null", anonymousId="dev-1"), headers=auth)
    assert ok.status_code == 200
