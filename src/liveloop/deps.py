"""FastAPI dependencies: ``SessionDep`` (one transaction per request), ``ApiPrincipal`` (Bearer API
key) and ``require_roles`` for role checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from liveloop.access.models import Role
from liveloop.access.service import Principal, resolve_api_key
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    with transaction(runtime.sessions) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

_BEARER = {"WWW-Authenticate": "Bearer"}


def api_principal(request: Request, session: SessionDep, runtime: RuntimeDep) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if not header:
        raise HTTPException(401, "missing Authorization header; send 'Bearer <api key>'", _BEARER)
    if scheme.lower() != "bearer" or not key.strip():
        raise HTTPException(401, "Authorization must be 'Bearer <api key>'", _BEARER)
    principal = resolve_api_key(session, key.strip(), runtime.clock.now())
    if principal is None:
        raise HTTPException(401, "API key is unknown or revoked", _BEARER)
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
