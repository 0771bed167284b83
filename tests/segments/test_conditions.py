"""Each condition kind on a hand-built brand, on SQLite and PostgreSQL: the full evaluation
(``member_ids``), the preview count and the batch check (``members_among``) agree with the
people planted for it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from liveloop.profiles.models import Customer
from liveloop.segments.service import member_ids, members_among, parse_rule, preview
from liveloop.store.engine import transaction
from tests.segments.conftest import NOW

BAKER = {"type": "tag", "tag": "烘焙爱好者"}
VIEWED_RICE = {
    "type": "event",
    "name": "Product Viewed",
    "where": [{"property": "sku", "op": "eq", "value": "RICE"}],
    "within": {"days": 7},
}
LOYAL_VIEWERS = {"type": "live", "last": 3, "min_minutes": 15}

CASES = {
    "province": ({"type": "trait", "field": "province", "op": "eq", "value": "广东省"}, {"gd"}),
    "not province (unknown province included)": (
        {
            "and": [
                {"not": {"type": "trait", "field": "province", "op": "eq", "value": "广东省"}},
                {"type": "trait", "field": "member_tier", "op": "exists"},
            ]
        },
        {"zj"},
    ),
    "member tier in": (
        {"type": "trait", "field": "member_tier", "op": "in", "value": ["金卡", "银卡"]},
        {"gd", "zj"},
    ),
    "birthday relative": (
        {"type": "trait", "field": "birthday", "op": "gte", "value": "1990-01-01"},
        {"gd"},
    ),
    "json trait text": ({"type": "trait", "field": "traits.diet", "value": "素食"}, {"gd"}),
    "json trait number": (
        {"type": "trait", "field": "traits.kids", "op": "gte", "value": 1},
        {"gd"},
    ),
    "json trait bool": ({"type": "trait", "field": "traits.vip", "value": True}, {"gd"}),
    "json trait bool false": ({"type": "trait", "field": "traits.vip", "value": False}, {"zj"}),
    "json trait exists": (
        {"type": "trait", "field": "traits.kids", "op": "exists"},
        {"gd", "zj"},
    ),
    "tag (merged-away people never count)": (
        BAKER,
        {"baker_recent", "baker_idle", "baker_refunded"},
    ),
    "tag and no purchase in 7 days": (
        {"and": [BAKER, {"not": {"type": "order", "within": {"days": 7}}}]},
        {"baker_idle", "baker_refunded"},
    ),
    "tag and no purchase, as a zero count": (
        {
            "and": [
                BAKER,
                {"type": "order", "within": {"days": 7}, "count": {"op": "eq", "value": 0}},
            ]
        },
        {"baker_idle", "baker_refunded"},
    ),
    "bought a category": (
        {"type": "order", "category": ["烘焙"]},
        {"baker_recent", "baker_idle"},
    ),
    "bought A and viewed B": (
        {"and": [{"type": "order", "sku": ["MILK"], "within": {"days": 30}}, VIEWED_RICE]},
        {"milk_viewer"},
    ),
    "viewed B at least twice in 7 days": (
        {**VIEWED_RICE, "count": {"op": "gte", "value": 2}},
        {"viewer_only"},
    ),
    "viewed B fewer than 2 times (zero included)": (
        {
            "and": [
                {**VIEWED_RICE, "count": {"op": "lt", "value": 2}},
                {"type": "order", "sku": ["MILK"]},
            ]
        },
        {"milk_viewer", "milk_only"},
    ),
    "event property numeric filter": (
        {
            "type": "event",
            "name": "Product Viewed",
            "where": [{"property": "price", "op": "gt", "value": 20}],
        },
        {"milk_viewer", "viewer_only"},
    ),
    "spend on a SKU": (
        {"type": "order", "sku": ["MILK"], "spend": {"op": "gte", "value": "50"}},
        {"milk_viewer"},
    ),
    "orders in a live": ({"type": "order", "live": True}, {"buying_viewer"}),
    "watched 15 min in each of the last 3 lives": (
        LOYAL_VIEWERS,
        {"loyal_viewer", "split_viewer", "buying_viewer"},
    ),
    "watched each of the last 3 lives and bought nothing": (
        {"and": [LOYAL_VIEWERS, {"not": {"type": "order", "within": {"last_lives": 3}}}]},
        {"loyal_viewer", "split_viewer"},
    ),
    "a visit counts for 0 to 24 hours": (
        {"type": "live", "last": 1, "min_minutes": 15},
        {"loyal_viewer", "split_viewer", "short_viewer", "buying_viewer", "bogus_viewer"},
    ),
    "watched 15 min in at least 2 of the last 3": (
        {**LOYAL_VIEWERS, "at_least": 2},
        {"loyal_viewer", "split_viewer", "buying_viewer", "short_viewer"},
    ),
    "score group": ({"type": "score", "field": "rfm_group", "value": "VIP"}, {"vip"}),
    "score money": (
        {"type": "score", "field": "clv_12m", "op": "between", "value": ["1000", "2000"]},
        {"vip"},
    ),
    "score churn risk in": (
        {"type": "score", "field": "churn_risk", "op": "in", "value": ["高", "中"]},
        {"sleepy"},
    ),
    "score missing counts people without scores": (
        {
            "and": [
                {"type": "score", "field": "rfm_group", "op": "missing"},
                {"type": "trait", "field": "province", "op": "exists"},
            ]
        },
        {"gd", "zj"},
    ),
    "counter": ({"type": "counter", "field": "orders", "op": "gte", "value": 10}, {"vip"}),
    "counter relative datetime": (
        {"type": "counter", "field": "last_order_at", "op": "lt", "value": {"days_ago": 90}},
        {"sleepy"},
    ),
    "consent granted": ({"type": "consent", "channel": "sms"}, {"vip"}),
    "consent not granted (withdrawn or never given)": (
        {
            "and": [
                {"type": "consent", "channel": "sms", "granted": False},
                {"type": "score", "field": "rfm_group", "op": "exists"},
            ]
        },
        {"sleepy"},
    ),
    "or": (
        {
            "or": [
                {"type": "consent", "channel": "wecom"},
                {"type": "trait", "field": "city", "value": "杭州市"},
            ]
        },
        {"sleepy", "zj"},
    ),
    "unknown SKU: nobody bought it": ({"type": "order", "sku": ["NOPE"]}, set()),
    "not_in needs a value": (
        {"type": "trait", "field": "member_tier", "op": "not_in", "value": ["金卡"]},
        {"zj"},
    ),
    "json trait ne": (
        {"type": "trait", "field": "traits.diet", "op": "ne", "value": "素食"},
        {"zj"},
    ),
    "hours window": (
        {"type": "event", "name": "Product Viewed", "within": {"hours": 36}},
        {"milk_viewer", "milk_only", "viewer_only"},
    ),
    "fixed window": (
        {
            "type": "event",
            "name": "Product Viewed",
            "within": {"since": "2026-10-01T00:00:00+08:00", "until": "2026-10-31T00:00:00+08:00"},
        },
        {"viewer_only"},
    ),
    "exact count": (
        {"type": "event", "name": "Product Viewed", "count": {"op": "eq", "value": 3}},
        {"viewer_only"},
    ),
    "counter between": (
        {"type": "counter", "field": "spend", "op": "between", "value": ["50", "100"]},
        {"sleepy"},
    ),
    "birthday in days relative to now": (
        {"type": "trait", "field": "birthday", "op": "lt", "value": {"days_ago": 14000}},
        {"zj"},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_condition_holds_exactly_the_planted_people(world_runtime, case):
    runtime, world = world_runtime
    doc, expected_names = CASES[case]
    rule = parse_rule(doc)
    expected = world.of(*expected_names)
    with transaction(runtime.read_sessions) as session:
        everyone = list(session.scalars(select(Customer.id)))
        assert set(member_ids(session, rule, NOW)) == expected
        assert preview(session, rule, NOW, sample=0).count == len(expected)
        assert members_among(session, rule, everyone, NOW) == expected


def test_members_among_only_answers_for_the_ids_asked(sqlite_world):
    runtime, world = sqlite_world
    rule = parse_rule({"and": [BAKER, {"not": {"type": "order", "within": {"days": 7}}}]})
    asked = world.of("baker_idle", "baker_recent", "gd", "merged")
    with transaction(runtime.read_sessions) as session:
        assert members_among(session, rule, asked, NOW) == world.of("baker_idle")
        assert members_among(session, rule, [], NOW) == set()


def test_windows_follow_the_injected_now(sqlite_world):
    runtime, world = sqlite_world
    rule = parse_rule({"and": [BAKER, {"not": {"type": "order", "within": {"days": 7}}}]})
    from datetime import timedelta

    with transaction(runtime.read_sessions) as session:
        # Three weeks earlier, baker_idle had just bought (20 days before NOW); baker_recent's
        # order had not happened yet.
        earlier = NOW - timedelta(days=17)
        assert set(member_ids(session, rule, earlier)) == world.of("baker_recent", "baker_refunded")


def test_preview_masks_names_unless_asked_not_to(sqlite_world):
    runtime, _ = sqlite_world
    rule = parse_rule({"type": "trait", "field": "province", "value": "广东省"})
    with transaction(runtime.read_sessions) as session:
        masked = preview(session, rule, NOW)
        plain = preview(session, rule, NOW, masked=False)
    assert masked.count == 1
    assert masked.sample[0]["name"] == "张**"
    assert plain.sample[0]["name"] == "张秀英"
    assert masked.sample[0]["oneid"] == "OID-gd"
