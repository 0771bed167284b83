"""Console sign-in: a server-side session behind an HttpOnly cookie, and CSRF tokens.

- Signed-in pages get their session's CSRF token; every state-changing form and htmx request must
  send it back (form field ``csrf_token`` or header ``X-CSRF-Token``).
- The login form, which has no session yet, uses the double-submit pattern: a random token in a
  cookie and the same token in the form.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from liveloop.access.service import ConsoleLogin, console_login, same_secret
from liveloop.web.deps import SESSION_COOKIE, ReadSessionDep, RuntimeDep

LOGIN_CSRF_COOKIE = "ll_login_csrf"


class LoginRequired(Exception):
    """The page needs a signed-in user; the console answers with a redirect to the login page."""


def current_login(request: Request, session: ReadSessionDep, runtime: RuntimeDep) -> ConsoleLogin:
    token = request.cookies.get(SESSION_COOKIE)
    login = console_login(session, token, runtime.clock.now()) if token else None
    if login is None:
        raise LoginRequired
    return login


ConsoleUser = Annotated[ConsoleLogin, Depends(current_login)]


async def check_csrf(request: Request, expected: str) -> None:
    given = request.headers.get("x-csrf-token")
    if given is None:
        form = await request.form()
        value = form.get("csrf_token")
        given = value if isinstance(value, str) else None
    if not same_secret(given, expected):
        raise HTTPException(403, "CSRF token missing or wrong; reload the page and try again")


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)
