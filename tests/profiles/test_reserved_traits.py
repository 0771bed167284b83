"""Segment's reserved traits, sent the way Segment's and RudderStack's SDKs send them, fill the
person's own fields; phone and e-mail find the person through OneID; an unreadable value is
ignored for its field with its reason kept, and never stops the consumer."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from liveloop import bootstrap
from liveloop.identity.models import Identity
from liveloop.profiles.models import Customer
from liveloop.store.consumers import failures
from liveloop.store.engine import transaction
from tests.ingest.conftest import basic, make_source


def send(client, key, path, body):
    answer = client.post(path, json=body, headers=basic(key))
    assert answer.status_code == 200, answer.text


def drain(runtime):
    bootstrap.wire(runtime)
    runtime.consumers.run_until_idle(runtime.sessions, runtime.clock)


def person(runtime, user_id="M1") -> Customer:
    with transaction(runtime.read_sessions) as session:
        found = session.scalar(
            select(Customer)
            .join(Identity, Identity.customer_id == Customer.id)
            .where(Identity.type == "member_no", Identity.value == user_id)
        )
        assert found is not None
        session.expunge(found)
        return found


def identifiers(runtime, customer_id) -> set[tuple[str, str]]:
    with transaction(runtime.read_sessions) as session:
        query = select(Identity.type, Identity.value).where(Identity.customer_id == customer_id)
        return {(kind, value) for kind, value in session.execute(query)}


def test_segment_identify_traits_fill_the_profile_fields(client, runtime):
    key = make_source(runtime).write_key
    traits = {
        "name": "张秀英",
        "gender": "female",
        "birthday": "1986-03-08",
        "address": {"city": "广州市", "state": "广东省", "street": "天河路 1 号"},
        "createdAt": "2021-05-01T08:00:00Z",
        "phone": "138 0013 8000",
        "email": "Zhang.XY@Example.com",
        "plan": "醋文化会员",
    }
    send(client, key, "/v1/identify", {"userId": "M1", "traits": traits})
    drain(runtime)

    zhang = person(runtime)
    assert (zhang.name, zhang.gender, zhang.birthday) == ("张秀英", "女", date(1986, 3, 8))
    assert (zhang.province, zhang.city) == ("广东省", "广州市")
    assert zhang.created_at == datetime(2021, 5, 1, 8, tzinfo=UTC)
    assert zhang.traits["plan"] == "醋文化会员" and "ignored_traits" not in zhang.traits
    assert {("phone", "+8613800138000"), ("email", "zhang.xy@example.com")} <= identifiers(
        runtime, zhang.id
    )


def test_rudderstack_context_traits_fill_the_fields_and_find_the_person_by_email(client, runtime):
    key = make_source(runtime).write_key
    # RudderStack's SDKs put an identify's traits in context.traits.
    send(
        client,
        key,
        "/v1/identify",
        {
            "userId": "M2",
            "context": {
                "traits": {"firstName": "丽", "lastName": "王", "gender": "男", "email": "w@x.cn"}
            },
        },
    )
    # Later, another device names the same e-mail only: OneID finds the same person.
    send(
        client,
        key,
        "/v1/identify",
        {"anonymousId": "dev-7", "traits": {"email": "W@X.CN", "address": {"city": "杭州市"}}},
    )
    drain(runtime)

    wang = person(runtime, "M2")
    assert (wang.name, wang.gender, wang.city) == ("王丽", "男", "杭州市")
    assert ("anonymous_id", "dev-7") in identifiers(runtime, wang.id)


def test_an_unreadable_trait_is_ignored_with_its_reason_and_the_consumer_goes_on(client, runtime):
    key = make_source(runtime).write_key
    send(client, key, "/v1/identify", {"userId": "M3", "traits": {"birthday": "1990-01-02"}})
    send(
        client,
        key,
        "/v1/identify",
        {
            "userId": "M3",
            "traits": {
                "name": "李娜",
                "birthday": "去年春天",
                "gender": "unknown-x",
                "createdAt": "2999-01-01T00:00:00Z",
                "address": "广州",
            },
        },
    )
    send(client, key, "/v1/track", {"userId": "M3", "event": "Product Viewed"})
    drain(runtime)

    li = person(runtime, "M3")
    assert li.name == "李娜" and li.birthday == date(1990, 1, 2) and li.gender is None
    ignored = li.traits["ignored_traits"]
    assert set(ignored) == {"birthday", "gender", "createdAt", "address"}
    assert "不是有效日期" in ignored["birthday"] and "无法识别" in ignored["gender"]
    with transaction(runtime.read_sessions) as session:
        assert failures(session) == []

    # A good value later clears its reason.
    send(client, key, "/v1/identify", {"userId": "M3", "traits": {"gender": "F"}})
    drain(runtime)
    li = person(runtime, "M3")
    assert li.gender == "女" and "gender" not in li.traits["ignored_traits"]
