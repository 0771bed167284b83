"""FastAPI dependencies: ``SessionDep`` (one write transaction per request, committed before the
response is sent), ``ReadSessionDep`` (a read-only one), ``ApiPrincipal`` (Bearer API key),
``require_roles`` for role checks and ``require_roles_or_console`` for the few API routes the
console's own pages call with their session cookie (an ``EventSource`` sends no headers)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from liveloop.access.contracts import Role
from liveloop.access.service import Principal, console_login, resolve_api_key, touch_api_key
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    with transaction(runtime.sessions) as session:
        yield session


def get_read_session(runtime: RuntimeDep) -> Iterator[Session]:
    with transaction(runtime.read_sessions) as session:
        yield session


# scope="function": the transaction ends (commits) before the response goes out, so a client
# never holds a key or session whose row failed to commit.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]

_BEARER = {"WWW-Authenticate": "Bearer"}
KEY_USE_RESOLUTION = timedelta(minutes=5)


def api_principal(request: Request, session: ReadSessionDep, runtime: RuntimeDep) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if not header:
        raise HTTPException(401, "missing Authorization header; send 'Bearer <api key>'", _BEARER)
    if scheme.lower() != "bearer" or not key.strip():
        raise HTTPException(401, "Authorization must be 'Bearer <api key>'", _BEARER)
    now = runtime.clock.now()
    principal = resolve_api_key(session, key.strip())
    if principal is None:
        raise HTTPException(401, "API key is unknown or revoked", _BEARER)
    if principal.last_used_at is None or now - principal.last_used_at > KEY_USE_RESOLUTION:
        # Recorded at most every few minutes, in its own short write: ingest traffic on one
        # key must not serialise on that key's row.
        with transaction(runtime.sessions) as writer:
            touch_api_key(writer, principal.id, now)
    return principal


ApiPrincipal = Annotated[Principal, Depends(api_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    allowed = {Role.ADMIN, *roles}

    def check(principal: ApiPrincipal) -> Principal:
        if principal.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise HTTPException(403, f"role {principal.role.value} may not do this; needs {names}")
        return principal

    return check


# The console's session cookie (``console.auth`` sets it).
SESSION_COOKIE = "ll_session"


def api_or_console_principal(
    request: Request, session: ReadSessionDep, runtime: RuntimeDep
) -> Principal:
    """The Bearer key's principal, or without an Authorization header the signed-in console
    user's. Only for reads (GET): a cookie rides along on cross-site requests, which a state
    change must not trust without the console's CSRF token."""
    token = request.cookies.get(SESSION_COOKIE)
    if "authorization" in request.headers or not token:
        return api_principal(request, session, runtime)
    login = console_login(session, token, runtime.clock.now())
    if login is None:
        raise HTTPException(401, "the console session has ended; sign in again")
    return login.principal


def require_roles_or_console(*roles: Role) -> Callable[[Principal], Principal]:
    """``require_roles`` for a read the console's pages make with their session cookie."""
    allowed = {Role.ADMIN, *roles}

    def check(principal: Annotated[Principal, Depends(api_or_console_principal)]) -> Principal:
        if principal.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise HTTPException(403, f"role {principal.role.value} may not do this; needs {names}")
        return principal

    return check
