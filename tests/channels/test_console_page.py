"""Console page 消息: the demo outbox, status counts, dead letters with a retry button."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from liveloop.access.service import create_user
from liveloop.app import create_app
from liveloop.channels import service
from liveloop.channels.models import Message
from liveloop.store.engine import transaction
from tests.channels.conftest import drain, message, queue

PASSWORD = "s3cret-密码-ok"


def _login(rt, http: TestClient, role: str) -> None:
    with transaction(rt.sessions) as session:
        create_user(session, role, role, rt.clock.now(), password=PASSWORD, display_name="王运营")
    page = http.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    http.post(
        "/console/login",
        data={"username": role, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )


def test_messages_page_shows_the_outbox_counts_and_retries_a_dead_letter(channel_runtime):
    rt = channel_runtime
    with TestClient(create_app(runtime=rt)) as http:
        queue(rt, "promo-1", "promo_wecom")
        queue(rt, "promo-li", "promo_sms", customer="li")  # no SMS opt-in: suppressed
        with transaction(rt.sessions) as session:
            dead = service.queue_webhook(
                session,
                endpoint="http://127.0.0.1:9/hook",
                event_type="order.shipped",
                payload={},
                idempotency_key="hook-1",
                now=rt.clock.now(),
            )
        drain(rt)
        # the demo channel delivers webhooks too; make one dead as a provider would
        with transaction(rt.sessions) as session:
            row = session.get(Message, dead)
            row.status, row.reason = "dead", "webhook: HTTP 410"

        _login(rt, http, "operator")
        page = http.get("/console/messages")
        assert page.status_code == 200
        assert "张秀英,今晚8点直播间福袋等你~" in page.text
        assert 'data-testid="total-suppressed">1<' in page.text
        assert "no consent: sms marketing needs an opt-in" in page.text
        assert "webhook: HTTP 410" in page.text
        assert 'href="/console/messages" class="active">消息</a>' in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        refused = http.post(f"/console/messages/{dead}/retry", data={"csrf_token": "forged"})
        assert refused.status_code == 403
        retried = http.post(
            f"/console/messages/{dead}/retry", data={"csrf_token": token}, follow_redirects=False
        )
        assert retried.status_code == 303
        assert message(rt, dead).status == "queued"


def test_messages_page_is_for_admins_and_operators(channel_runtime):
    rt = channel_runtime
    with TestClient(create_app(runtime=rt)) as http:
        _login(rt, http, "analyst")
        page = http.get("/console/messages")
        assert page.status_code == 403 and "没有权限" in page.text
        assert "/console/messages" not in page.text.split("<main>")[0]
