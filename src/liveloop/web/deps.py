"""FastAPI dependencies: ``SessionDep`` (one write transaction per request, committed before the
response is sent), ``ReadSessionDep`` (a read-only one), ``ApiPrincipal`` (Bearer API key) and
``require_roles`` for role checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from liveloop.access.contracts import Role
from liveloop.access.service import Principal, resolve_api_key, touch_api_key
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
