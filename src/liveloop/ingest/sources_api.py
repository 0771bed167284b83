"""Sources over HTTP for admins and operators (``ingest.api.mount`` includes this router):
``GET /v1/sources`` (never their keys), ``PUT /v1/sources/{name}/order-ledger`` (mark or unmark
the source as an order ledger) and ``GET /v1/sources/{name}/ledger-refusals`` (its ledger
events that did not become orders, and why). Creating a source stays with the CLI and the
console, which show its write key once."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.ingest import ledger, sources
from liveloop.web.deps import ReadSessionDep, SessionDep, require_roles

router = APIRouter(prefix="/v1/sources", tags=["sources"])
Manager = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
Name = Annotated[str, Path(min_length=1, max_length=64)]


class SourceOut(BaseModel):
    name: str
    kind: str
    key_prefix: str
    rate_limit_per_s: int | None
    order_ledger: bool
    created_at: datetime
    disabled_at: datetime | None

    @classmethod
    def of(cls, info: sources.SourceInfo) -> SourceOut:
        return cls(
            name=info.name,
            kind=info.kind.value,
            key_prefix=info.key_prefix,
            rate_limit_per_s=info.rate_limit_per_s,
            order_ledger=info.order_ledger,
            created_at=info.created_at,
            disabled_at=info.disabled_at,
        )


class LedgerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_ledger: bool


class RefusalOut(BaseModel):
    event_id: int
    event_name: str
    order_no: str | None
    reason: str
    at: datetime


@router.get("")
def list_sources(session: ReadSessionDep, _: Manager) -> list[SourceOut]:
    return [SourceOut.of(s) for s in sources.list_sources(session)]


@router.put("/{name}/order-ledger")
def set_order_ledger(name: Name, body: LedgerIn, session: SessionDep, _: Manager) -> SourceOut:
    """``{"order_ledger": true}``: its Order Completed / Order Refunded become orders."""
    return SourceOut.of(sources.set_order_ledger(session, name, body.order_ledger))


@router.get("/{name}/ledger-refusals")
def list_refusals(
    name: Name,
    session: ReadSessionDep,
    _: Manager,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[RefusalOut]:
    """The newest first."""
    if not any(s.name == name for s in sources.list_sources(session)):
        raise sources.UnknownSource(f"没有数据源 {name} (no source {name!r})")
    return [
        RefusalOut(
            event_id=r.event_id,
            event_name=r.event_name,
            order_no=r.order_no,
            reason=r.reason,
            at=r.at,
        )
        for r in ledger.ledger_refusals(session, name, limit)
    ]
