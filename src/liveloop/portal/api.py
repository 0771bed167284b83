"""A leader's tracked link, ``GET /s/{token}`` (public: whoever the leader shared it with):
logs ``Invite Link Opened`` for the visitor and redirects to the show's or product's page.

The visitor is their browser's anonymousId — the ``ajs_anonymous_id`` cookie that Segment's
analytics.js keeps (read as analytics.js writes it, JSON-quoted or plain), or a new one set
in that cookie — so the brand's own tracking on the landing pages, and the identify that
later names the visitor by phone, carry the same id, and OneID joins the open to the buyer.
An unknown token is a 404 page; nothing is logged.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated
from urllib.parse import unquote

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from liveloop.portal import service as portal
from liveloop.portal.contracts import UnknownLink
from liveloop.web.deps import RuntimeDep, SessionDep

router = APIRouter(include_in_schema=False)

ANONYMOUS_COOKIE = "ajs_anonymous_id"
ANONYMOUS_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
YEAR = 365 * 24 * 3600
Token = Annotated[str, Path(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9]+$")]
GONE = (
    '<!doctype html><html lang="zh-CN"><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    '<title>链接已失效</title><p style="font:16px sans-serif;padding:24px">'
    "这个分享链接不存在或已失效。</p></html>"
)


def visitor_id(request: Request) -> tuple[str, bool]:
    """The visitor's anonymousId and whether it is new (to be set in the cookie)."""
    raw = unquote(request.cookies.get(ANONYMOUS_COOKIE, "")).strip('"')
    if ANONYMOUS_ID.match(raw):
        return raw, False
    return str(uuid.uuid4()), True


@router.get("/s/{token}")
def open_share_link(
    token: Token, request: Request, session: SessionDep, runtime: RuntimeDep
) -> Response:
    anonymous_id, new = visitor_id(request)
    try:
        link = portal.open_link(
            session,
            token,
            anonymous_id=anonymous_id,
            at=runtime.clock.now(),
            user_agent=request.headers.get("user-agent"),
        )
    except UnknownLink:
        return HTMLResponse(GONE, status_code=404)
    response = RedirectResponse(link.landing, status_code=302)
    response.headers["Cache-Control"] = "no-store"  # every open is counted
    if new:
        response.set_cookie(
            ANONYMOUS_COOKIE,
            anonymous_id,
            max_age=YEAR,
            samesite="lax",
            secure=request.app.state.secure_cookies,
        )
    return response
