"""Message templates API (validation, sandbox), dead letters and retry, WeCom's callback."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from liveloop.access.service import create_api_key
from liveloop.app import create_app
from liveloop.channels import jobs as channels_jobs
from liveloop.channels import service
from liveloop.channels import wecom_callback as wx
from liveloop.channels.adapters.console import ConsoleAdapter
from liveloop.channels.adapters.webhook import WebhookAdapter
from liveloop.channels.templates import RenderError
from liveloop.profiles.models import Consent
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from tests.channels.conftest import drain, message, open_runtime, queue, seed
from tests.channels.servers import WebhookReceiver, serve

AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
CALLBACK_TOKEN = "QDG6eK"
CORP = "ww-test"


@pytest.fixture
def rt(sqlite_url, clock) -> Iterator[Runtime]:
    runtime = open_runtime(
        sqlite_url,
        clock,
        wecom_corp_id=CORP,
        wecom_callback_token=CALLBACK_TOKEN,
        wecom_callback_aes_key=AES_KEY,
    )
    seed(runtime)
    yield runtime
    runtime.close()


@pytest.fixture
def api(rt) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=rt), raise_server_exceptions=False) as http:
        yield http


def _auth(rt: Runtime, role: str = "operator") -> dict[str, str]:
    with transaction(rt.sessions) as session:
        key = create_api_key(session, f"{role}-key", role, rt.clock.now())[1]
    return {"Authorization": f"Bearer {key}"}


TEMPLATE = {
    "code": "repurchase_wecom",
    "name": "复购提醒",
    "channel": "wecom",
    "purpose": "marketing",
    "body": "{{ name }},您的{{ product }}快用完啦,{{ coupon }}元券已放入账户",
}


def test_templates_crud_and_a_syntax_error_is_a_422_with_the_reason(rt, api):
    auth = _auth(rt)
    created = api.post("/v1/message-templates", json=TEMPLATE, headers=auth)
    assert created.status_code == 201 and created.json()["wecom_msgtype"] == "text"
    assert api.post("/v1/message-templates", json=TEMPLATE, headers=auth).status_code == 409

    broken = api.post(
        "/v1/message-templates",
        json={**TEMPLATE, "code": "broken", "body": "{{ name 您好"},
        headers=auth,
    )
    assert broken.status_code == 422
    assert broken.json()["reason"].startswith("body: line 1:")

    preview = api.post(
        "/v1/message-templates/repurchase_wecom/preview",
        json={"variables": {"name": "张女士", "product": "酱油", "coupon": 5}},
        headers=auth,
    )
    assert preview.json()["body"] == "张女士,您的酱油快用完啦,5元券已放入账户"
    missing = api.post(
        "/v1/message-templates/repurchase_wecom/preview",
        json={"variables": {"name": "张女士"}},
        headers=auth,
    )
    assert missing.status_code == 422 and "'product' is undefined" in missing.json()["reason"]

    changed = api.put(
        "/v1/message-templates/repurchase_wecom",
        json={**TEMPLATE, "purpose": "service"},
        headers=auth,
    )
    assert changed.json()["purpose"] == "service"
    sms_without_id = {**TEMPLATE, "code": "x", "channel": "sms"}
    assert api.post("/v1/message-templates", json=sms_without_id, headers=auth).status_code == 422
    assert api.get("/v1/message-templates", headers=_auth(rt, "analyst")).status_code == 200
    assert (
        api.post("/v1/message-templates", json=TEMPLATE, headers=_auth(rt, "analyst")).status_code
        == 403
    )
    assert api.delete("/v1/message-templates/repurchase_wecom", headers=auth).status_code == 204
    assert api.get("/v1/message-templates/repurchase_wecom", headers=auth).status_code == 404


def test_the_sandbox_blocks_a_template_that_reaches_for_python_internals(rt, api):
    auth = _auth(rt)
    evil = {
        **TEMPLATE,
        "code": "evil",
        "body": "{{ name.__class__.__mro__[1].__subclasses__() }}",
    }
    assert api.post("/v1/message-templates", json=evil, headers=auth).status_code == 201
    preview = api.post(
        "/v1/message-templates/evil/preview", json={"variables": {"name": "x"}}, headers=auth
    )
    assert preview.status_code == 422
    assert "blocked by the template sandbox" in preview.json()["reason"]
    with transaction(rt.sessions) as session, pytest.raises(RenderError, match="sandbox"):
        service.queue_message(
            session,
            customer_id=rt.ids["zhang"],
            channel="wecom",
            template_code="evil",
            variables={},
            purpose="marketing",
            idempotency_key="evil-1",
            now=rt.clock.now(),
        )


def test_dead_letters_are_listed_and_an_operator_retries_one(rt, api):
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    receiver = WebhookReceiver(secret)
    auth = _auth(rt)
    with serve(receiver) as host:
        console = ConsoleAdapter(rt.sessions, rt.clock.now)
        channels_jobs.register(rt, {"console": console, "webhook": WebhookAdapter(secret)})
        receiver.status_override = 410  # the receiver refuses it for good
        with transaction(rt.sessions) as session:
            dead = service.queue_webhook(
                session,
                endpoint=f"http://{host}/hook",
                event_type="order.shipped",
                payload={"order": "SO1"},
                idempotency_key="hook-dead",
                now=rt.clock.now(),
            )
        drain(rt)
        letters = api.get("/v1/messages/dead-letters", headers=auth).json()
        assert [r["id"] for r in letters["rows"]] == [dead]
        assert letters["rows"][0]["reason"] == "webhook: HTTP 410"
        assert api.get("/v1/messages/dead-letters", headers=_auth(rt, "analyst")).status_code == 403

        receiver.status_override = None
        retried = api.post(f"/v1/messages/{dead}/retry", headers=auth)
        assert retried.status_code == 200 and retried.json()["status"] == "queued"
        assert api.post(f"/v1/messages/{dead}/retry", headers=auth).status_code == 400
        drain(rt)
    assert message(rt, dead).status == "delivered" and message(rt, dead).retries == 1
    assert receiver.ids == ["hook-dead"]  # same webhook-id as the first try
    assert api.get("/v1/messages/dead-letters", headers=auth).json()["total"] == 0
    assert api.post("/v1/messages/999/retry", headers=auth).status_code == 404


def _signed_post(api: TestClient, inner_xml: str, token: str = CALLBACK_TOKEN):
    encrypted = wx.encrypt(AES_KEY, inner_xml, CORP)
    timestamp, nonce = str(int(time.time())), "nonce1"
    signature = hashlib.sha1(  # noqa: S324 - WeCom's scheme
        "".join(sorted([token, timestamp, nonce, encrypted])).encode()
    ).hexdigest()
    body = (
        f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    )
    return api.post(
        f"/v1/channels/wecom/callback?msg_signature={signature}&timestamp={timestamp}&nonce={nonce}",
        content=body.encode(),
        headers={"content-type": "text/xml"},
    )


def test_a_wecom_text_saying_tuiding_unsubscribes_from_wecom_marketing(rt, api):
    inner = (
        "<xml><ToUserName><![CDATA[ww-test]]></ToUserName>"
        "<FromUserName><![CDATA[wmZhang001]]></FromUserName><CreateTime>1763640000</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[退订]]></Content></xml>"
    )
    forged = _signed_post(api, inner, token="wrong")
    assert forged.status_code == 403
    answer = _signed_post(api, inner)
    assert answer.status_code == 200 and answer.text == "success"
    with transaction(rt.sessions) as session:
        consent = session.scalars(
            select(Consent).where(
                Consent.customer_id == rt.ids["zhang"], Consent.channel == "wecom"
            )
        ).one()
    assert not consent.granted
    channels_jobs.register(rt)
    promo, tips = queue(rt, "w1", "promo_wecom"), queue(rt, "w2", "tips_wecom")
    drain(rt)
    assert message(rt, promo).status == "suppressed"
    assert message(rt, tips).status == "delivered"


def test_wecom_url_check_echoes_the_decrypted_echostr(rt, api):
    echostr = wx.encrypt(AES_KEY, "4321987", CORP)
    timestamp, nonce = "1763640000", "n"
    signature = wx.signature(CALLBACK_TOKEN, timestamp, nonce, echostr)
    answer = api.get(
        "/v1/channels/wecom/callback",
        params={
            "msg_signature": signature,
            "timestamp": timestamp,
            "nonce": nonce,
            "echostr": echostr,
        },
    )
    assert answer.status_code == 200 and answer.text == "4321987"
