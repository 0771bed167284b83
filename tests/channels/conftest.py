"""Fixtures for the channels tests: a runtime whose outbox has the channels senders, people
with phones and WeCom ids, and message templates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from liveloop import bootstrap
from liveloop.channels import jobs as channels_jobs
from liveloop.channels import service
from liveloop.identity.contracts import IdentityType
from liveloop.identity.service import create_customer_with_identities
from liveloop.profiles.counters import set_consent
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from tests.conftest import make_settings

CALLBACK_TOKEN = "cb-token-123"

TEMPLATES = [
    service.TemplateSpec(
        code="promo_sms",
        name="新品促销短信",
        channel="sms",
        purpose="marketing",
        body="【禾谷】{{ name }},新品{{ product }}限时85折,回复TD退订",
        sms_template_id="1001",
        sms_sign_name="禾谷",
        sms_params=["{{ name }}", "{{ product }}"],
    ),
    service.TemplateSpec(
        code="shipped_sms",
        name="发货通知",
        channel="sms",
        purpose="service",
        body="【禾谷】{{ name }},您的订单{{ order_no }}已发货",
        sms_template_id="1002",
        sms_params=["{{ order_no }}"],
    ),
    service.TemplateSpec(
        code="promo_wecom",
        name="企业微信促销",
        channel="wecom",
        purpose="marketing",
        body="{{ name }},今晚8点直播间福袋等你~",
    ),
    service.TemplateSpec(
        code="tips_wecom",
        name="企业微信食谱",
        channel="wecom",
        purpose="service",
        body="{{ name }},这是您购买的{{ product }}的食谱",
    ),
    service.TemplateSpec(
        code="promo_console",
        name="站内信促销",
        channel="console",
        purpose="marketing",
        body="{{ name }},会员日双倍积分",
    ),
    service.TemplateSpec(
        code="promo_mail",
        name="邮件促销",
        channel="email",
        purpose="marketing",
        subject="{{ name }},本周新品",
        body="{{ name }} 您好,本周新品 {{ product }} 上架。",
    ),
]


def open_runtime(url: str, clock: Any, **overrides: Any) -> Runtime:
    settings = make_settings(url, sms_callback_token=CALLBACK_TOKEN, **overrides)
    return bootstrap.open_runtime(settings, clock)


@pytest.fixture
def channel_runtime(store_url, clock) -> Iterator[Runtime]:
    """On SQLite and on the local PostgreSQL (skipped with a reason when it does not answer)."""
    rt = open_runtime(store_url, clock)
    seed(rt)
    channels_jobs.register(rt)
    yield rt
    rt.close()


def seed(rt: Runtime) -> dict[str, int]:
    now = rt.clock.now()
    with transaction(rt.sessions) as session:
        for spec in TEMPLATES:
            service.save_template(session, spec, now)
        zhang = create_customer_with_identities(
            session,
            NewCustomer(
                name="张秀英",
                traits={"wecom_external_userid": "wmZhang001", "email": "zhang@example.com"},
            ),
            {IdentityType.PHONE: "+8613800138000"},
            now,
            "test",
        )
        li = create_customer(
            session,
            NewCustomer(name="李静", traits={"timezone": "Europe/London"}),
            now,
            "test",
        )
        set_consent(session, zhang, "sms", True, "mini_program", now)
        set_consent(session, zhang, "email", True, "mini_program", now)
    rt.ids = {"zhang": zhang, "li": li}  # type: ignore[attr-defined]
    return rt.ids  # type: ignore[attr-defined]


def queue(rt: Runtime, key: str, template: str, customer: str = "zhang", **variables: Any) -> int:
    with transaction(rt.sessions) as session:
        spec = next(t for t in TEMPLATES if t.code == template)
        return service.queue_message(
            session,
            customer_id=rt.ids[customer],  # type: ignore[attr-defined]
            channel=spec.channel,
            template_code=template,
            variables={"product": "零添加酱油", "order_no": "SO1", **variables},
            purpose=spec.purpose,
            idempotency_key=key,
            now=rt.clock.now(),
            origin={"journey_id": 7, "journey_version": 1, "step": "remind"},
        )


def message(rt: Runtime, message_id: int):
    with transaction(rt.sessions) as session:
        return service.get_message(session, message_id)


def drain(rt: Runtime) -> int:
    return rt.outbox.drain_until_idle(rt.sessions, rt.clock)
