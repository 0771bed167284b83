"""Console page 消息 (messages): the console outbox (what the brand "sent" through the demo
channel), message counts per channel and status, which provider each channel uses, recent
messages with their guard-rail reasons, and the dead letters with a retry button.

Admins and operators only: the page shows recipients and texts.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from liveloop.access.contracts import Role
from liveloop.channels import service
from liveloop.channels.contracts import MessageStatus
from liveloop.channels.service import ChannelsError
from liveloop.console.auth import ConsoleUser, check_csrf
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep

router = APIRouter(include_in_schema=False)

ALLOWED = {Role.ADMIN, Role.OPERATOR}
CHANNEL_NAMES = {
    "wecom": "企业微信",
    "sms": "短信",
    "email": "邮件",
    "webhook": "Webhook",
    "console": "站内信",
}
STATUS_NAMES = {
    MessageStatus.QUEUED: "排队中",
    MessageStatus.HELD: "免打扰暂缓",
    MessageStatus.SENT: "已发送",
    MessageStatus.DELIVERED: "已送达",
    MessageStatus.FAILED: "发送失败",
    MessageStatus.SUPPRESSED: "已拦截",
    MessageStatus.DEAD: "死信",
}
PROVIDER_NAMES = {
    "console": "站内信 (演示)",
    "wecom": "企业微信 API",
    "tencent-sms": "腾讯云短信",
    "smtp": "SMTP",
    "standard-webhooks": "签名 Webhook",
}


def _chart(counts: dict[str, dict[str, int]]) -> str:
    channels = [c for c in CHANNEL_NAMES if c in counts]
    series = [
        {
            "name": STATUS_NAMES[status],
            "data": [counts[c].get(status, 0) for c in channels],
        }
        for status in STATUS_NAMES
        if any(counts[c].get(status) for c in channels)
    ]
    return json.dumps(
        {"channels": [CHANNEL_NAMES[c] for c in channels], "series": series}, ensure_ascii=False
    )


@router.get("/console/messages", response_class=HTMLResponse)
def messages_page(
    request: Request, user: ConsoleUser, session: ReadSessionDep, runtime: RuntimeDep
) -> Response:
    from liveloop.console.routes import templates

    context: dict[str, Any] = {"user": user, "page": "messages"}
    if user.principal.role not in ALLOWED:
        context["forbidden"] = True
        return templates.TemplateResponse(request, "messages.html", context, status_code=403)
    counts = service.status_counts(session)
    _, recent = service.list_messages(session, limit=50)
    dead_total, dead = service.list_messages(session, status=MessageStatus.DEAD, limit=100)
    context.update(
        {
            "tz": runtime.settings.tz,
            "channels": CHANNEL_NAMES,
            "statuses": STATUS_NAMES,
            "providers": {
                c: PROVIDER_NAMES.get(p, p)
                for c, p in service.configured_channels(runtime.settings).items()
            },
            "counts": counts,
            "totals": {s: sum(c.get(s, 0) for c in counts.values()) for s in STATUS_NAMES},
            "chart": _chart(counts),
            "inbox": service.inbox(session, 50),
            "recent": recent,
            "dead": dead,
            "dead_total": dead_total,
            "error": request.query_params.get("error"),
        }
    )
    response = templates.TemplateResponse(request, "messages.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/console/messages/{message_id}/retry")
async def retry(
    message_id: int, request: Request, user: ConsoleUser, session: SessionDep, runtime: RuntimeDep
) -> Response:
    if user.principal.role not in ALLOWED:
        return Response("只有管理员和运营可以重试死信", status_code=403)
    await check_csrf(request, user.csrf_token)
    try:
        service.retry_dead(session, message_id, runtime.clock.now())
    except ChannelsError:
        return RedirectResponse("/console/messages?error=retry", status_code=303)
    return RedirectResponse("/console/messages", status_code=303)
