"""Guard rails at send time: 退订 on a channel, consent, frequency caps, WeCom's monthly quota,
quiet hours in the person's timezone, per-channel rate limits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from liveloop.access.service import create_api_key
from liveloop.app import create_app
from liveloop.channels import jobs as channels_jobs
from liveloop.channels import service
from liveloop.channels.adapters.console import ConsoleAdapter
from liveloop.channels.adapters.wecom import WeComAdapter, WeComClient
from liveloop.channels.models import InboxMessage
from liveloop.profiles.models import Consent
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from liveloop.store.outbox import OutboxMessage
from tests.channels.conftest import CALLBACK_TOKEN, drain, message, open_runtime, queue, seed
from tests.channels.servers import FakeWeCom, serve


@pytest.fixture
def api(channel_runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=channel_runtime), raise_server_exceptions=False) as http:
        yield http


def _key(rt: Runtime, role: str) -> dict[str, str]:
    with transaction(rt.sessions) as session:
        key = create_api_key(session, f"{role}-key", role, rt.clock.now())[1]
    return {"Authorization": f"Bearer {key}"}


def test_a_customer_who_replied_unsubscribe_gets_no_further_marketing_on_that_channel(
    channel_runtime, api
):
    rt = channel_runtime
    first = queue(rt, "promo-1", "promo_sms")
    drain(rt)
    assert message(rt, first).status == "delivered"  # the demo's console outbox "sent" it

    # The customer answers the SMS with 退订; the provider calls our reply callback.
    reply = api.post(
        f"/v1/channels/sms/replies?token={CALLBACK_TOKEN}",
        json={
            "mobile": "13800138000",
            "nationcode": "86",
            "text": " 退订 ",
            "sign": "禾谷",
            "time": 1763640000,
            "extend": "",
        },
    )
    assert reply.status_code == 200 and reply.json() == {"result": 0, "errmsg": "OK"}
    with transaction(rt.sessions) as session:
        consent = session.scalars(
            select(Consent).where(Consent.customer_id == rt.ids["zhang"], Consent.channel == "sms")
        ).one()
        assert consent.granted is False and consent.source.startswith("unsubscribe:sms")

    rt.clock.advance(days=1)
    marketing = queue(rt, "promo-2", "promo_sms")
    shipped = queue(rt, "shipped-1", "shipped_sms")
    wecom = queue(rt, "promo-wecom-1", "promo_wecom")
    drain(rt)

    assert message(rt, marketing).status == "suppressed"
    assert "unsubscribed on sms" in message(rt, marketing).reason
    assert message(rt, shipped).status == "delivered"  # service messages still go
    assert message(rt, wecom).status == "delivered"  # other channels are not affected
    with transaction(rt.sessions) as session:
        bodies = session.scalars(select(InboxMessage.body).order_by(InboxMessage.id)).all()
    assert bodies == [
        "【禾谷】张秀英,新品零添加酱油限时85折,回复TD退订",
        "【禾谷】张秀英,您的订单SO1已发货",
        "张秀英,今晚8点直播间福袋等你~",
    ]
    listed = api.get("/v1/messages?status=suppressed", headers=_key(rt, "operator")).json()
    assert [row["id"] for row in listed["rows"]] == [marketing]


def test_a_reply_that_is_not_an_unsubscribe_changes_nothing_and_a_bad_token_is_refused(
    channel_runtime, api
):
    body = {"mobile": "13800138000", "nationcode": "86", "text": "什么时候发货?"}
    assert api.post("/v1/channels/sms/replies?token=nope", json=body).status_code == 403
    assert (
        api.post(f"/v1/channels/sms/replies?token={CALLBACK_TOKEN}", json=body).status_code == 200
    )
    promo = queue(channel_runtime, "promo-1", "promo_sms")
    drain(channel_runtime)
    assert message(channel_runtime, promo).status == "delivered"


@pytest.mark.parametrize("text", ["TD", "td", "回复TD退订", "T", "unsubscribe", "我要退订。"])
def test_unsubscribe_keywords(text):
    keywords = open_settings_keywords()
    assert service.is_unsubscribe(text, keywords)


def open_settings_keywords() -> list[str]:
    from liveloop.config import Settings

    return Settings(_env_file=None).unsubscribe_keywords


def test_sms_marketing_needs_an_opt_in_but_service_messages_do_not(channel_runtime):
    rt = channel_runtime
    # 李静 never opted in to SMS marketing (and has no phone: the console outbox stands in).
    promo = queue(rt, "promo-li", "promo_sms", customer="li")
    shipped = queue(rt, "shipped-li", "shipped_sms", customer="li")
    drain(rt)
    assert message(rt, promo).status == "suppressed"
    assert message(rt, promo).reason == "no consent: sms marketing needs an opt-in"
    assert message(rt, shipped).status == "delivered"


def test_frequency_cap_suppresses_the_third_marketing_message_of_a_local_day(channel_runtime):
    rt = channel_runtime
    ids = [
        queue(rt, "m1", "promo_wecom"),
        queue(rt, "m2", "promo_console"),
        queue(rt, "m3", "promo_sms"),  # third marketing message today, across channels
        queue(rt, "s1", "tips_wecom"),  # service: not capped
    ]
    drain(rt)
    statuses = [message(rt, i).status for i in ids]
    assert statuses == ["delivered", "delivered", "suppressed", "delivered"]
    assert message(rt, ids[2]).reason.startswith("frequency cap: 2 marketing messages")
    # The next local day (Asia/Shanghai) the person may hear from us again.
    rt.clock.current = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    again = queue(rt, "m4", "promo_sms")
    drain(rt)
    assert message(rt, again).status == "delivered"


def test_wecom_monthly_quota_suppresses_the_fifth_mass_send_of_a_month(channel_runtime):
    rt = channel_runtime
    ids = [queue(rt, f"tips-{i}", "tips_wecom") for i in range(5)]
    drain(rt)
    assert [message(rt, i).status for i in ids] == ["delivered"] * 4 + ["suppressed"]
    assert "WeCom quota: 4" in message(rt, ids[4]).reason


def test_quiet_hours_hold_a_marketing_message_then_send_it_when_they_end(channel_runtime):
    rt = channel_runtime
    rt.clock.current = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai
    held = queue(rt, "late-promo", "promo_wecom")
    london = queue(rt, "london-promo", "promo_wecom", customer="li")  # 14:00 in London
    service_now = queue(rt, "late-tips", "tips_wecom")
    drain(rt)
    row = message(rt, held)
    assert row.status == "held" and row.reason == "quiet hours"
    assert row.held_until == datetime(2026, 11, 21, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
    assert message(rt, london).status == "delivered"
    assert message(rt, service_now).status == "delivered"
    with transaction(rt.sessions) as session:
        outbox = session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == "message:late-promo")
        ).one()
        assert outbox.status == "pending" and outbox.attempts == 0  # no attempt burnt

    rt.clock.current = datetime(2026, 11, 21, 0, 29, tzinfo=UTC)
    drain(rt)
    assert message(rt, held).status == "held"
    rt.clock.current = datetime(2026, 11, 21, 0, 30, 1, tzinfo=UTC)
    drain(rt)
    assert message(rt, held).status == "delivered"


def test_a_channel_rate_limit_makes_messages_wait_for_a_token(sqlite_url, clock):
    rt = open_runtime(sqlite_url, clock, channel_rate_per_s={"wecom": 1.0})
    fake = FakeWeCom()
    try:
        seed(rt)
        with serve(fake) as host:
            client = WeComClient(f"http://{host}", fake.corp_id, fake.secret)
            console = ConsoleAdapter(rt.sessions, rt.clock.now)
            wecom = WeComAdapter(client, "guide01")
            channels_jobs.register(rt, {"console": console, "wecom": wecom})
            ids = [queue(rt, f"tips-{i}", "tips_wecom") for i in range(3)]
            drain(rt)
            assert [message(rt, i).status for i in ids] == ["sent", "queued", "queued"]
            rt.clock.advance(seconds=1)
            drain(rt)
            assert [message(rt, i).status for i in ids] == ["sent", "sent", "queued"]
            rt.clock.advance(seconds=1)
            drain(rt)
            assert [message(rt, i).status for i in ids] == ["sent"] * 3
            assert len(fake.tasks) == 3
            client.close()
    finally:
        rt.close()


def test_the_console_outbox_is_not_rate_limited(sqlite_url, clock):
    rt = open_runtime(sqlite_url, clock, channel_rate_per_s={"wecom": 1.0})
    try:
        seed(rt)
        channels_jobs.register(rt)
        ids = [queue(rt, f"tips-{i}", "tips_wecom") for i in range(3)]
        drain(rt)
        assert [message(rt, i).status for i in ids] == ["delivered"] * 3
    finally:
        rt.close()


def test_queueing_twice_with_one_key_is_one_message(channel_runtime):
    rt = channel_runtime
    assert queue(rt, "same", "promo_wecom") == queue(rt, "same", "promo_wecom")
    drain(rt)
    with transaction(rt.sessions) as session:
        assert len(session.scalars(select(InboxMessage)).all()) == 1


def test_messages_api_masks_pii_for_analysts(channel_runtime, api):
    rt = channel_runtime
    queue(rt, "a", "promo_sms")
    drain(rt)
    operator = api.get("/v1/messages", headers=_key(rt, "operator")).json()
    analyst = api.get("/v1/messages", headers=_key(rt, "analyst")).json()
    assert operator["rows"][0]["recipient"] == "+8613800138000"
    assert operator["rows"][0]["body"].startswith("【禾谷】张秀英")
    assert analyst["masked"] and analyst["rows"][0]["body"] is None
    assert analyst["rows"][0]["recipient"] == "+86138****8000"
    assert api.get("/v1/messages", headers=_key(rt, "leader")).status_code == 403
    assert api.get("/v1/messages?status=nope", headers=_key(rt, "operator")).status_code == 422
    counts = api.get("/v1/messages/counts", headers=_key(rt, "analyst")).json()
    assert counts == {"sms": {"delivered": 1}}


def test_a_message_to_a_person_merged_after_queueing_follows_the_survivor(channel_runtime):
    from liveloop.profiles.models import Customer

    rt = channel_runtime
    promo = queue(rt, "promo-li", "promo_sms", customer="li")
    with transaction(rt.sessions) as session:
        session.get(Customer, rt.ids["li"]).merged_into_id = rt.ids["zhang"]
    drain(rt)
    row = message(rt, promo)
    # 张秀英 (the survivor) opted in to SMS marketing and has the phone.
    assert row.customer_id == rt.ids["zhang"] and row.status == "delivered"
    assert row.recipient == "+8613800138000"


def test_out_of_range_ids_are_a_422_not_a_500(channel_runtime, api):
    auth = _key(channel_runtime, "operator")
    assert api.get(f"/v1/messages/{2**70}", headers=auth).status_code == 422
    assert api.post(f"/v1/messages/{2**70}/retry", headers=auth).status_code == 422
    assert api.get("/v1/messages/12345", headers=auth).status_code == 404
