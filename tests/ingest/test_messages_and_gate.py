"""Pure rules without HTTP: Segment's clock-skew formula, the body limits, the token bucket and
the write-key cache."""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime, timedelta

import pytest

from liveloop.clock import ManualClock
from liveloop.ingest.body import gunzip
from liveloop.ingest.errors import BadWriteKey, RateLimited, TooLarge
from liveloop.ingest.gate import RateLimiter, SourceGate, basic_auth_user
from liveloop.ingest.messages import batch_rows, corrected_timestamp
from liveloop.ingest.service import SourceInfo, SourceKind, disable_source
from liveloop.store.engine import transaction
from tests.ingest.conftest import make_source

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _source(rate: int | None) -> SourceInfo:
    return SourceInfo(1, "pos", SourceKind.POS, "wk_abc", rate, NOW, None)


def test_skew_correction_is_received_minus_the_devices_own_delay():
    stamped = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # device clock two hours fast
    sent = datetime(2026, 11, 20, 14, 0, 30, tzinfo=UTC)
    assert corrected_timestamp(stamped, sent, NOW) == NOW - timedelta(seconds=30)
    assert corrected_timestamp(stamped, None, NOW) == stamped
    # A device whose clock is behind is moved forward by the same rule.
    slow = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert corrected_timestamp(slow, slow + timedelta(minutes=3), NOW) == NOW - timedelta(minutes=3)


def test_batch_timestamps_follow_the_same_formula_with_offsets():
    body = {
        "batch": [
            {
                "type": "track",
                "userId": "u",
                "event": "E",
                "timestamp": "2026-11-20T22:00:00+08:00",
            }
        ],
        "sentAt": "2026-11-20T14:00:05.5Z",
    }
    [row] = batch_rows(body, 100, NOW, "s")
    assert row["timestamp"] == NOW - timedelta(seconds=5, milliseconds=500)
    assert row["timestamp"].tzinfo is UTC


def test_a_timestamp_that_cannot_be_corrected_is_a_400_not_a_crash():
    body = {
        "batch": [{"type": "track", "userId": "u", "event": "E", "timestamp": "0001-01-01T00:00Z"}],
        "sentAt": "9999-12-31T00:00:00Z",
    }
    with pytest.raises(Exception, match="out of range"):
        batch_rows(body, 100, NOW, "s")


def test_gunzip_stops_at_the_limit_and_reads_concatenated_members():
    assert gunzip(gzip.compress(b"ab") + gzip.compress(b"cd"), 10) == b"abcd"
    with pytest.raises(TooLarge):
        gunzip(gzip.compress(b"x" * 1_000_000), 500 * 1024)
    with pytest.raises(TooLarge):
        gunzip(gzip.compress(b"x" * 6) + gzip.compress(b"y" * 6), 10)


def test_basic_auth_carries_the_write_key_as_the_username():
    header = "Basic " + base64.b64encode(b"wk_key:").decode()
    assert basic_auth_user(header) == "wk_key"
    assert basic_auth_user("Basic " + base64.b64encode(b"wk_key:ignored").decode()) == "wk_key"
    assert basic_auth_user(None) is None
    assert basic_auth_user("Bearer ll_x") is None
    with pytest.raises(BadWriteKey):
        basic_auth_user("Basic ***")


def test_the_bucket_holds_one_second_and_refills_continuously():
    limiter = RateLimiter()
    source = _source(rate=10)
    limiter.take(source, 10, NOW)
    with pytest.raises(RateLimited) as refused:
        limiter.take(source, 1, NOW)
    assert refused.value.headers == {"Retry-After": "1"}
    limiter.take(source, 5, NOW + timedelta(milliseconds=500))  # half a second refills 5
    with pytest.raises(RateLimited):
        limiter.take(source, 1, NOW + timedelta(milliseconds=500))


def test_a_batch_larger_than_the_bucket_passes_when_full_and_leaves_a_debt():
    limiter = RateLimiter()
    source = _source(rate=10)
    limiter.take(source, 100, NOW)  # full bucket: allowed, now 90 in debt
    with pytest.raises(RateLimited) as refused:
        limiter.take(source, 100, NOW + timedelta(seconds=5))
    # -40 tokens after 5 s at 10/s: 50 short of a full bucket, so retry in 5 s.
    assert refused.value.headers == {"Retry-After": "5"}
    limiter.take(source, 100, NOW + timedelta(seconds=10))


def test_an_unlimited_source_is_never_refused():
    limiter = RateLimiter()
    for _ in range(100):
        limiter.take(_source(rate=None), 10_000, NOW)


def test_the_gate_caches_keys_for_five_seconds(runtime):
    clock = ManualClock(NOW)
    created = make_source(runtime, "h5", kind="h5_live")
    gate = SourceGate(runtime.read_sessions, clock)
    assert gate.source(created.write_key).name == "h5"
    with transaction(runtime.sessions) as session:
        disable_source(session, "h5", NOW)
    assert gate.source(created.write_key).name == "h5"  # still cached
    clock.advance(seconds=5, microseconds=1)
    with pytest.raises(BadWriteKey):
        gate.source(created.write_key)
