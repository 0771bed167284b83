"""Each adapter against a local server that speaks the provider's protocol (never the
internet): WeCom customer contact, Tencent Cloud SMS through its SDK, Standard Webhooks, SMTP."""

from __future__ import annotations

import logging
import socket
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from sqlalchemy import select

from liveloop.channels import jobs as channels_jobs
from liveloop.channels import service
from liveloop.channels.adapters import Outgoing, Rejected, Throttled
from liveloop.channels.adapters.console import ConsoleAdapter
from liveloop.channels.adapters.mail import SmtpAdapter, message_id
from liveloop.channels.adapters.sms import TencentSmsAdapter
from liveloop.channels.adapters.webhook import WebhookAdapter
from liveloop.channels.adapters.wecom import WeComAdapter, WeComClient
from liveloop.store.engine import transaction
from liveloop.store.outbox import OutboxMessage
from tests.channels.conftest import CALLBACK_TOKEN, drain, message, queue
from tests.channels.servers import FakeTencentSms, FakeWeCom, WebhookReceiver, serve

WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def _use(rt, **adapters):
    console = ConsoleAdapter(rt.sessions, rt.clock.now)
    channels_jobs.register(rt, {"console": console, **adapters})


def _outgoing(recipient="wmZhang001", **params) -> Outgoing:
    return Outgoing(1, "key-1", "wecom", 1, recipient, None, "您好", params)


# -- WeCom ------------------------------------------------------------------------------------


def test_wecom_refreshes_the_access_token_once_on_42001_and_caches_it():
    fake = FakeWeCom()
    with serve(fake) as host:
        client = WeComClient(f"http://{host}", fake.corp_id, fake.secret)
        adapter = WeComAdapter(client, "guide01")
        first = adapter.send(_outgoing())
        assert first.provider_message_id == "msg1" and first.poll_result
        fake.expire_next_use = True  # WeCom: access_token expired
        second = adapter.send(_outgoing())
        assert second.provider_message_id == "msg2"
        adapter.send(_outgoing())
        assert client.token_fetches == 2  # one refresh, otherwise the cache
        assert fake.calls[0][1] == {
            "chat_type": "single",
            "external_userid": ["wmZhang001"],
            "sender": "guide01",
            "text": {"content": "您好"},
            "attachments": [],
        }
        client.close()


def test_wecom_fetches_a_new_token_shortly_before_the_old_one_expires():
    fake = FakeWeCom()
    now = [1000.0]
    with serve(fake) as host:
        client = WeComClient(f"http://{host}", fake.corp_id, fake.secret, monotonic=lambda: now[0])
        adapter = WeComAdapter(client, "guide01")
        adapter.send(_outgoing())
        now[0] += 7200 - 301  # expires_in 7200 s, renewed 5 minutes early
        adapter.send(_outgoing())
        assert client.token_fetches == 1
        now[0] += 2
        adapter.send(_outgoing())
        assert client.token_fetches == 2
        client.close()


def test_wecom_secret_and_token_never_reach_the_logs(caplog):
    fake = FakeWeCom(secret="corp-secret-value")
    caplog.set_level(logging.DEBUG)
    with serve(fake) as host:
        client = WeComClient(f"http://{host}", fake.corp_id, fake.secret)
        WeComAdapter(client, "guide01").send(_outgoing())
        client.close()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "gettoken" in logged  # httpx did log the requests
    assert "corp-secret-value" not in logged and "token-1" not in logged


def test_wecom_rate_limit_45009_backs_off_without_failing_the_message(channel_runtime):
    rt = channel_runtime
    fake = FakeWeCom()
    with serve(fake) as host:
        client = WeComClient(f"http://{host}", fake.corp_id, fake.secret)
        with pytest.raises(Throttled) as raised:
            fake.rate_limited = 1
            WeComAdapter(client, "guide01").send(_outgoing())
        assert raised.value.delay == timedelta(seconds=60)

        _use(rt, wecom=WeComAdapter(client, "guide01"))
        fake.rate_limited = 1
        sent = queue(rt, "tips-1", "tips_wecom")
        drain(rt)
        assert message(rt, sent).status == "queued" and "45009" in message(rt, sent).reason
        with transaction(rt.sessions) as session:
            row = session.scalars(
                select(OutboxMessage).where(OutboxMessage.idempotency_key == "message:tips-1")
            ).one()
            assert row.status == "pending"
            assert row.next_attempt_at == rt.clock.now() + timedelta(seconds=60)
        rt.clock.advance(seconds=61)
        drain(rt)
        assert message(rt, sent).status == "sent"
        assert message(rt, sent).provider_message_id == "msg1"  # the throttled call made none
        client.close()


def test_wecom_mass_send_is_marked_delivered_from_the_send_result(channel_runtime):
    rt = channel_runtime
    fake = FakeWeCom()
    with serve(fake) as host:
        client = WeComClient(f"http://{host}", fake.corp_id, fake.secret)
        _use(rt, wecom=WeComAdapter(client, "guide01"))
        sent = queue(rt, "tips-1", "tips_wecom")
        drain(rt)
        assert message(rt, sent).status == "sent"  # a task the guide has to confirm
        rt.clock.advance(minutes=16)
        drain(rt)
        assert message(rt, sent).status == "sent"  # not sent by the guide yet: polled later
        fake.results["msg1"] = 1
        rt.clock.advance(minutes=16)
        drain(rt)
        assert message(rt, sent).status == "delivered"
        client.close()


def test_wecom_welcome_message_and_tags():
    fake = FakeWeCom()
    with serve(fake) as host:
        client = WeComClient(f"http://{host}", fake.corp_id, fake.secret)
        adapter = WeComAdapter(client, "guide01")
        result = adapter.send(_outgoing(msgtype="welcome", welcome_code="WELCOME123"))
        assert result.delivered
        client.mark_tag("guide01", "wmZhang001", add=["etXXX"])
        with pytest.raises(Rejected, match="not a contact"):
            adapter.send(_outgoing(recipient="stranger1"))
        assert [path.rsplit("/", 1)[1] for path, _ in fake.calls] == [
            "send_welcome_msg",
            "mark_tag",
            "add_msg_template",
        ]
        assert fake.calls[0][1]["welcome_code"] == "WELCOME123"
        client.close()


# -- SMS --------------------------------------------------------------------------------------


def _sms(host: str, fake: FakeTencentSms, key: str | None = None) -> TencentSmsAdapter:
    return TencentSmsAdapter(
        fake.secret_id, key or fake.secret_key, "1400000001", "禾谷", endpoint=host, scheme="http"
    )


def test_sms_goes_through_the_sdk_signed_with_tc3_and_a_receipt_marks_it_delivered(
    channel_runtime,
):
    rt = channel_runtime
    fake = FakeTencentSms()
    with serve(fake) as host:
        _use(rt, sms=_sms(host, fake))
        from fastapi.testclient import TestClient

        from liveloop.app import create_app

        sent = queue(rt, "promo-1", "promo_sms")
        drain(rt)
        row = message(rt, sent)
        assert row.status == "sent" and row.provider_message_id == "2433:1-0"
        assert fake.sent == [
            {
                "PhoneNumberSet": ["+8613800138000"],
                "SmsSdkAppId": "1400000001",
                "SignName": "禾谷",
                "TemplateId": "1001",
                "TemplateParamSet": ["张秀英", "零添加酱油"],
                "SessionContext": "promo-1",
            }
        ]
        with TestClient(create_app(runtime=rt)) as api:
            _use(rt, sms=_sms(host, fake))  # create_app registered the console adapters
            receipt = [
                {
                    "user_receive_time": "2026-11-20 20:00:05",
                    "nationcode": "86",
                    "mobile": "13800138000",
                    "report_status": "SUCCESS",
                    "errmsg": "DELIVRD",
                    "description": "用户短信送达成功",
                    "sid": "2433:1-0",
                }
            ]
            answer = api.post(f"/v1/channels/sms/receipts?token={CALLBACK_TOKEN}", json=receipt)
            assert answer.json() == {"result": 0, "errmsg": "OK"}
        assert message(rt, sent).status == "delivered"
        failed = queue(rt, "shipped-1", "shipped_sms")
        drain(rt)
        with TestClient(create_app(runtime=rt)) as api:
            receipt = [
                {
                    **receipt[0],
                    "sid": "2433:2-0",
                    "report_status": "FAIL",
                    "errmsg": "MK:0012",
                    "description": "用户手机关机",
                }
            ]
            api.post(f"/v1/channels/sms/receipts?token={CALLBACK_TOKEN}", json=receipt)
            refused = api.post("/v1/channels/sms/receipts?token=wrong", json=receipt)
            assert refused.status_code == 403
        assert message(rt, failed).status == "failed"
        assert message(rt, failed).reason == "用户手机关机"


def test_sms_with_a_wrong_secret_fails_the_signature_check_for_good(channel_runtime):
    rt = channel_runtime
    fake = FakeTencentSms()
    with serve(fake) as host:
        _use(rt, sms=_sms(host, fake, key="not-the-key"))
        sent = queue(rt, "promo-1", "promo_sms")
        drain(rt)
    row = message(rt, sent)
    assert fake.rejected_signatures == 1 and fake.sent == []
    assert row.status == "dead" and "AuthFailure.SignatureFailure" in row.reason


def test_sms_per_number_codes_map_to_retry_or_permanent():
    fake = FakeTencentSms()
    with serve(fake) as host:
        adapter = _sms(host, fake)
        outgoing = Outgoing(
            1, "k", "sms", 1, "+8613800138000", None, "x", {"template_id": "1001", "values": []}
        )
        fake.number_code = "LimitExceeded.PhoneNumberThirtySecondLimit"
        with pytest.raises(Throttled) as throttled:
            adapter.send(outgoing)
        assert throttled.value.delay == timedelta(seconds=30)
        fake.number_code = "InvalidParameterValue.IncorrectPhoneNumber"
        with pytest.raises(Rejected):
            adapter.send(outgoing)


def test_a_number_on_the_providers_blacklist_withdraws_sms_marketing_consent(channel_runtime):
    rt = channel_runtime
    fake = FakeTencentSms()
    fake.number_code = "FailedOperation.PhoneNumberInBlacklist"
    with serve(fake) as host:
        _use(rt, sms=_sms(host, fake))
        refused = queue(rt, "promo-1", "promo_sms")
        drain(rt)
        assert message(rt, refused).status == "dead"
        fake.number_code = "Ok"
        rt.clock.advance(days=1)
        later = queue(rt, "promo-2", "promo_sms")
        shipped = queue(rt, "shipped-1", "shipped_sms")
        drain(rt)
    assert message(rt, later).status == "suppressed"
    assert message(rt, later).reason == "unsubscribed on sms (unsubscribe:sms:provider)"
    assert message(rt, shipped).status == "sent"


# -- webhooks ---------------------------------------------------------------------------------


def test_webhooks_are_signed_per_standard_webhooks_and_the_receiver_verifies_them(
    channel_runtime,
):
    rt = channel_runtime
    receiver = WebhookReceiver(WHSEC)
    with serve(receiver) as host:
        _use(rt, webhook=WebhookAdapter(WHSEC))
        with transaction(rt.sessions) as session:
            sent = service.queue_webhook(
                session,
                endpoint=f"http://{host}/hooks/liveloop",
                event_type="coupon.issued",
                payload={"customer": "L123", "amount": "10.00"},
                idempotency_key="hook-1",
                now=rt.clock.now(),
            )
        drain(rt)
        assert message(rt, sent).status == "delivered"
        assert receiver.ids == ["hook-1"]  # webhook-id is the idempotency key
        assert receiver.received[0]["type"] == "coupon.issued"
        assert receiver.received[0]["data"] == {"customer": "L123", "amount": "10.00"}

        # Signed with another secret: the receiver refuses (400), the message is dead.
        _use(rt, webhook=WebhookAdapter("whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="))
        with transaction(rt.sessions) as session:
            forged = service.queue_webhook(
                session,
                endpoint=f"http://{host}/hooks/liveloop",
                event_type="coupon.issued",
                payload={},
                idempotency_key="hook-2",
                now=rt.clock.now(),
            )
        drain(rt)
    assert receiver.rejected == 1
    assert message(rt, forged).status == "dead" and "HTTP 400" in message(rt, forged).reason


# -- SMTP -------------------------------------------------------------------------------------


def test_mail_goes_through_smtp_with_a_message_id_from_the_idempotency_key(channel_runtime):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message as MessageHandler

    received = []

    class Collect(MessageHandler):
        def handle_message(self, mail):
            received.append(mail)

    rt = channel_runtime
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        _use(rt, email=SmtpAdapter("127.0.0.1", port, "禾谷 <shop@example.com>", starttls=False))
        sent = queue(rt, "mail-1", "promo_mail")
        drain(rt)
    finally:
        controller.stop()
    assert message(rt, sent).status == "sent"
    assert len(received) == 1
    mail = received[0]
    assert mail["To"] == "zhang@example.com"
    assert str(make_header(decode_header(mail["Subject"]))) == "张秀英,本周新品"
    assert mail["Message-ID"] == message_id("mail-1")
    assert "零添加酱油" in mail.get_payload(decode=True).decode()
