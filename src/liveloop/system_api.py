"""Health, readiness, metrics, and the authenticated overview for machine clients."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text

from liveloop import __version__, schema
from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.errors import error_body
from liveloop.overview import overview
from liveloop.web.deps import ApiPrincipal, ReadSessionDep, RuntimeDep, require_roles

router = APIRouter()


@router.get("/healthz", tags=["system"])
def healthz() -> dict[str, str]:
    """The process is up (no dependencies checked)."""
    return {"status": "ok", "version": __version__}


@router.get("/readyz", tags=["system"])
def readyz(runtime: RuntimeDep) -> Response:
    """The store answers and is at the latest migration."""
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = schema.is_current(runtime.engine)
    except Exception as exc:
        reason = f"store unreachable: {type(exc).__name__}"
        return JSONResponse(error_body(503, reason, code="not_ready"), status_code=503)
    if not current:
        reason = "store schema is behind; run `liveloop init`"
        return JSONResponse(error_body(503, reason, code="not_ready"), status_code=503)
    return JSONResponse({"status": "ready", "store": runtime.engine.dialect.name})


@router.get("/metrics", tags=["system"], include_in_schema=False)
def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )


class WhoAmI(BaseModel):
    kind: str
    name: str
    role: Role


@router.get("/v1/me", tags=["system"])
def me(principal: ApiPrincipal) -> WhoAmI:
    """Who the API key belongs to."""
    return WhoAmI(kind=principal.kind, name=principal.name, role=principal.role)


class OverviewOut(BaseModel):
    customers: int
    orders_30d: int
    buyers_30d: int
    gmv_30d: Decimal
    lives_held: int
    daily_gmv: list[tuple[str, Decimal]]


@router.get("/v1/overview", tags=["analytics"])
def overview_api(
    session: ReadSessionDep,
    runtime: RuntimeDep,
    _: Principal = Depends(require_roles(Role.OPERATOR, Role.ANALYST)),
) -> OverviewOut:
    """Customers, orders and GMV in the last 30 days, lives held, GMV per day (Asia/Shanghai)."""
    view = overview(session, runtime.clock.now(), runtime.settings.tz)
    return OverviewOut(
        customers=view.customers,
        orders_30d=view.orders_30d,
        buyers_30d=view.buyers_30d,
        gmv_30d=view.gmv_30d,
        lives_held=view.lives_held,
        daily_gmv=[(day.isoformat(), gmv) for day, gmv in view.daily_gmv],
    )
