"""Profiles: counters, traits, consent and rule tags as events arrive; the 360 API."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from liveloop import bootstrap
from liveloop.access.service import create_api_key, create_user
from liveloop.commerce.service import OrderLine, ProductSpec, record_order, upsert_product
from liveloop.guides.service import create_task
from liveloop.identity.service import resolve
from liveloop.loyalty.events import POINTS_EARNED, TIER_CHANGED
from liveloop.profiles.models import Customer, CustomerTag, TagRule
from liveloop.store.engine import transaction
from liveloop.store.eventlog import NewEvent, append

PHONE = "13800138000"
UNION = {"type": "unionid", "id": "oZhang-union"}


def track(rt, name, minutes, *, kind="track", properties=None, user_id="M00000001"):
    with transaction(rt.sessions) as session:
        append(
            session,
            [
                NewEvent(
                    name=name,
                    type=kind,
                    timestamp=rt.clock.now() + timedelta(minutes=minutes),
                    source="mini_program",
                    user_id=user_id,
                    properties=properties or {},
                    context={"externalIds": [UNION]},
                )
            ],
            received_at=rt.clock.now(),
        )


def drain(rt):
    bootstrap.wire(rt)
    rt.consumers.run_until_idle(rt.sessions, rt.clock)


@pytest.fixture
def zhang(runtime):
    """张秀英: identifies with her phone, orders three times with coupons, watches two lives, asks
    whether the rice suits diabetics, and is active in the evening."""
    rt = runtime
    evening = 11  # 19:00 in Shanghai is 11:00 UTC
    rt.clock.current = rt.clock.now().replace(hour=evening, minute=0)
    track(
        rt,
        None,
        0,
        kind="identify",
        properties={
            "traits": {
                "phone": PHONE,
                "name": "张秀英",
                "consent_sms": True,
                "consent_wecom": False,
            },
            "set_once": {"first_channel": "直播间"},
        },
    )
    track(
        rt,
        None,
        1,
        kind="identify",
        properties={"set_once": {"first_channel": "门店"}, "traits": {"tier_hint": "金卡"}},
    )
    for n, live in enumerate((7, 8)):
        track(rt, "Live Joined", 10 + n, properties={"live_session_id": live})
        track(rt, "Live Left", 40 + n, properties={"live_session_id": live, "watch_seconds": 1800})
    track(
        rt,
        "Live Comment Posted",
        30,
        properties={"live_session_id": 7, "text": "这个米适合糖尿病人吃吗?"},
    )
    drain(rt)
    with transaction(rt.sessions) as session:
        customer_id = resolve(
            session, [("phone", PHONE)], rt.clock.now(), source="test"
        ).customer_id
        upsert_product(
            session,
            ProductSpec("GOJI-250", "宁夏枸杞", "滋补健康", Decimal("39.00"), 540),
            rt.clock.now(),
        )
        for n in range(3):
            record_order(
                session,
                order_no=f"Z{n}",
                customer_id=customer_id,
                lines=[OrderLine("GOJI-250", 2)],
                placed_at=rt.clock.now() + timedelta(hours=n),
                channel="mini_program",
                source="test",
                discount=Decimal("10"),
            )
    drain(rt)
    return customer_id


LOYALTY_EVENTS = {POINTS_EARNED, TIER_CHANGED}


def tags_of(rt, customer_id):
    with transaction(rt.read_sessions) as session:
        return set(
            session.scalars(select(CustomerTag.tag).where(CustomerTag.customer_id == customer_id))
        )


def test_counters_traits_consent_and_tags_follow_the_events(runtime, zhang, client):
    with transaction(runtime.sessions) as session:
        key = create_api_key(session, "crm", "operator", runtime.clock.now())[1]
    profile = client.get(
        f"/v1/profiles?type=phone&value={PHONE}", headers={"Authorization": f"Bearer {key}"}
    ).json()
    counters = profile["counters"]
    assert counters["orders"] == 3 and Decimal(counters["spend"]) == Decimal("204.00")
    assert Decimal(counters["aov"]) == Decimal("68.00")
    assert counters["lives_attended"] == 2 and counters["watch_minutes"] == 60
    assert counters["categories"] == ["滋补健康"]
    assert profile["traits"] == {"name": "张秀英", "first_channel": "直播间", "tier_hint": "金卡"}
    assert profile["consent"] == {"sms": True, "wecom": False}
    assert {t["tag"] for t in profile["tags"]} == {
        "有特定健康需求",
        "关注健康",
        "活跃于晚间时段",
        "价格敏感型",
    }
    assert all(t["source"].startswith("rule:") for t in profile["tags"])
    assert {i["type"] for i in profile["identities"]} == {"phone", "member_no", "unionid"}
    # The orders are the latest facts; loyalty's points and tier for them sit beside them.
    names = [e["name"] for e in profile["timeline"] if e["name"] not in LOYALTY_EVENTS]
    assert names[:3] == ["Order Completed"] * 3
    assert POINTS_EARNED in {e["name"] for e in profile["timeline"]}
    assert profile["masked"] is False


def test_analysts_see_personal_data_masked(runtime, zhang, client):
    with transaction(runtime.sessions) as session:
        key = create_api_key(session, "bi", "analyst", runtime.clock.now())[1]
    profile = client.get(
        f"/v1/profiles?type=phone&value={PHONE}", headers={"Authorization": f"Bearer {key}"}
    ).json()
    assert profile["masked"] is True
    phone = next(i["value"] for i in profile["identities"] if i["type"] == "phone")
    assert phone == "+86138****8000" and PHONE not in str(profile)
    assert profile["name"] is None or profile["name"].startswith("张*")
    assert profile["traits"]["name"] == "张**"
    assert all(not isinstance(v, str) or "*" in v or "…" in v for v in profile["traits"].values())


def test_guides_see_only_their_customers_the_name_whole_and_the_phone_masked(
    runtime, zhang, client
):
    with transaction(runtime.sessions) as session:
        create_user(session, "xiaomei", "guide", runtime.clock.now(), password="s3cret-密码-ok")
        key = create_api_key(session, "xiaomei", "guide", runtime.clock.now())[1]
    headers = {"Authorization": f"Bearer {key}"}
    lookup = client.get(f"/v1/profiles?type=phone&value={PHONE}", headers=headers)
    assert lookup.status_code == 404  # not theirs: the same answer as nobody
    assert PHONE in lookup.json()["reason"] and "张" not in lookup.text
    with transaction(runtime.sessions) as session:
        oneid = session.get(Customer, zhang).oneid
        now = runtime.clock.now()
        create_task(
            session,
            customer_id=zhang,
            title="回访",
            body="问问吃得怎样",
            kind="follow_up",
            due_at=now,
            now=now,
            idempotency_key="t1",
            assignee="xiaomei",
        )
    assert client.get(f"/v1/profiles/{oneid}", headers=headers).status_code == 200
    profile = client.get(f"/v1/profiles?type=phone&value={PHONE}", headers=headers).json()
    assert profile["masked"] is True
    assert profile["traits"]["name"] == "张秀英"
    phone = next(i["value"] for i in profile["identities"] if i["type"] == "phone")
    assert phone == "+86138****8000" and PHONE not in str(profile)


def test_masked_roles_never_see_personal_data_hidden_in_event_properties(runtime, zhang, client):
    track(
        runtime,
        "Order Shipped",
        900,
        properties={
            "order_id": "Z0",
            "shipping_phone": "13912345678",
            "receiver": "王芳",
            "sku": "GOJI-250",
        },
    )
    track(runtime, "Live Comment Posted", 901, properties={"text": "我电话13912345678,请联系"})
    drain(runtime)
    with transaction(runtime.sessions) as session:
        key = create_api_key(session, "bi", "analyst", runtime.clock.now())[1]
    body = client.get(
        f"/v1/profiles?type=phone&value={PHONE}", headers={"Authorization": f"Bearer {key}"}
    ).text
    assert "13912345678" not in body and "王芳" not in body
    assert "GOJI-250" in body and "请联系" in body


def test_a_rule_added_in_the_store_tags_without_code(runtime, zhang):
    with transaction(runtime.sessions) as session:
        session.add(
            TagRule(
                tag="枸杞回头客",
                kind="profile",
                enabled=True,
                created_at=runtime.clock.now(),
                rule={
                    "kind": "profile",
                    "tag": "枸杞回头客",
                    "where": {"field": "orders", "op": "gte", "value": 3},
                },
            )
        )
    track(runtime, "Product Viewed", 300, properties={"sku": "GOJI-250"})
    drain(runtime)
    assert "枸杞回头客" in tags_of(runtime, zhang)


def test_profile_api_answers_4xx_for_unknown_or_bad_lookups(runtime, zhang, client):
    with transaction(runtime.sessions) as session:
        key = create_api_key(session, "crm", "operator", runtime.clock.now())[1]
    auth = {"Authorization": f"Bearer {key}"}
    assert client.get("/v1/profiles/PNOPE", headers=auth).status_code == 404
    assert client.get("/v1/profiles?type=phone&value=null", headers=auth).status_code == 400
    assert client.get("/v1/profiles?type=fax&value=1", headers=auth).status_code == 422
    assert client.get("/v1/profiles?type=phone&value=13900000001", headers=auth).status_code == 404
    assert client.get("/v1/profiles?type=phone&value=1", headers={}).status_code == 401
    leader = None
    with transaction(runtime.sessions) as session:
        leader = create_api_key(session, "leader", "leader", runtime.clock.now())[1]
    assert (
        client.get(
            f"/v1/profiles?type=phone&value={PHONE}", headers={"Authorization": f"Bearer {leader}"}
        ).status_code
        == 403
    )


def test_a_merged_oneid_answers_with_the_survivor(runtime, zhang, client):
    with transaction(runtime.sessions) as session:
        key = create_api_key(session, "crm", "operator", runtime.clock.now())[1]
        other = resolve(session, [("douyin_id", "dy-zhang")], runtime.clock.now(), source="t")
    auth = {"Authorization": f"Bearer {key}"}
    from liveloop.profiles.models import Customer

    with transaction(runtime.read_sessions) as session:
        old_oneid = session.get(Customer, other.customer_id).oneid
    track(runtime, None, 500, kind="identify", properties={}, user_id="M00000001")
    with transaction(runtime.sessions) as session:
        resolve(
            session,
            [("unionid", "oZhang-union"), ("douyin_id", "dy-zhang")],
            runtime.clock.now(),
            source="t",
        )
    body = client.get(f"/v1/profiles/{old_oneid}", headers=auth).json()
    assert body["resolved_from"] == old_oneid and body["oneid"] != old_oneid
    assert body["counters"]["orders"] == 3


def test_operators_add_and_switch_tag_rules_over_http(runtime, zhang, client):
    with transaction(runtime.sessions) as session:
        key = create_api_key(session, "ops", "operator", runtime.clock.now())[1]
    auth = {"Authorization": f"Bearer {key}"}
    rule = {
        "kind": "event",
        "tag": "问过物流",
        "event": "Live Comment Posted",
        "where": {"field": "properties.text", "op": "contains_any", "value": ["发货", "包邮"]},
    }
    created = client.post("/v1/tag-rules", json=rule, headers=auth)
    assert created.status_code == 201, created.text
    track(runtime, "Live Comment Posted", 600, properties={"text": "什么时候发货?"})
    drain(runtime)
    assert "问过物流" in tags_of(runtime, zhang)
    rule_id = created.json()["id"]
    off = client.patch(f"/v1/tag-rules/{rule_id}", json={"enabled": False}, headers=auth)
    assert off.status_code == 200 and off.json()["enabled"] is False
    listed = client.get("/v1/tag-rules", headers=auth).json()
    assert [r["tag"] for r in listed][-1] == "问过物流" and len(listed) == 5
    bad = client.post(
        "/v1/tag-rules",
        json={**rule, "where": {"field": "x", "op": "regex", "value": 1}},
        headers=auth,
    )
    assert bad.status_code == 422
    unknown = client.post("/v1/tag-rules", json={"kind": "magic", "tag": "x"}, headers=auth)
    assert unknown.status_code == 422
    assert (
        client.patch("/v1/tag-rules/999", json={"enabled": True}, headers=auth).status_code == 404
    )


def test_an_invalid_rule_in_the_store_is_skipped_not_fatal(runtime, zhang):
    with transaction(runtime.sessions) as session:
        session.add(
            TagRule(
                tag="坏规则",
                kind="event",
                enabled=True,
                created_at=runtime.clock.now(),
                rule={"kind": "event", "tag": "坏规则"},
            )
        )
    track(runtime, "Product Viewed", 700)
    drain(runtime)
    from liveloop.store.consumers import failures

    with transaction(runtime.read_sessions) as session:
        assert failures(session) == []
