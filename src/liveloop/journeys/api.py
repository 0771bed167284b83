"""Journeys over HTTP: save (JSON or YAML), version, switch on and off, built-ins, metrics.

POST /v1/journeys                      a definition (application/json or application/yaml)
GET  /v1/journeys                      every journey with its people counts
GET  /v1/journeys/builtins             the built-in journeys and whether each is on
POST /v1/journeys/builtins/{key}       switch a built-in on (creates its templates)
GET  /v1/journeys/{key}                the journey and its current definition
GET  /v1/journeys/{key}/versions/{n}   an earlier definition
POST /v1/journeys/{key}/{activate|pause|archive}
GET  /v1/journeys/{key}/metrics        entered, per-step sent/delivered/failed, conversions,
                                       revenue, A/B variants against control (?version=)
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from pydantic import AwareDatetime, BaseModel

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.errors import DomainError
from liveloop.journeys import builtin
from liveloop.journeys import definition as d
from liveloop.journeys import service as journeys
from liveloop.journeys.metrics import journey_metrics
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(prefix="/v1/journeys", tags=["journeys"])
Reader = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.ANALYST))]
Editor = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
Key = Annotated[str, Path(pattern=r"^[a-z][a-z0-9-]{1,63}$")]
MAX_BODY = 256 * 1024
MAX_VERSION = 2**31 - 1


class BodyRefused(DomainError):
    status = 415


class Activation(BaseModel):
    # Let in people from events since this moment (a back-fill of events the worker has not
    # read yet); default: from now on.
    since: AwareDatetime | None = None


async def _document(request: Request) -> str | dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise DomainError(f"a journey definition is at most {MAX_BODY // 1024} KiB")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("application/json", "application/yaml", "application/x-yaml", "text/yaml"):
        raise BodyRefused("send the journey as application/json or application/yaml")
    try:
        return raw.decode("utf-8")  # YAML is a superset of JSON: one parser for both
    except UnicodeDecodeError as exc:
        raise DomainError("the definition is not UTF-8 text") from exc


@router.post("", status_code=201)
async def save(
    request: Request, session: SessionDep, runtime: RuntimeDep, who: Editor
) -> dict[str, Any]:
    document = await _document(request)
    info = journeys.save_journey(session, document, by=who.name, now=runtime.clock.now())
    return asdict(info)


@router.get("")
def list_all(session: ReadSessionDep, _: Reader) -> list[dict[str, Any]]:
    return [asdict(info) for info in journeys.list_journeys(session)]


@router.get("/builtins")
def builtins(session: ReadSessionDep, _: Reader) -> list[dict[str, Any]]:
    return [asdict(b) for b in builtin.list_builtins(session)]


@router.post("/builtins/{key}")
def switch_on(
    key: Key,
    session: SessionDep,
    runtime: RuntimeDep,
    who: Editor,
    body: Annotated[Activation | None, Body()] = None,
) -> dict[str, Any]:
    since = body.since if body else None
    info = builtin.switch_on(session, key, by=who.name, now=runtime.clock.now(), since=since)
    return asdict(info)


@router.get("/{key}")
def get(key: Key, session: ReadSessionDep, _: Reader) -> dict[str, Any]:
    info = journeys.get_journey(session, key)
    return {**asdict(info), "definition": journeys.journey_definition(session, key)}


@router.get("/{key}/versions/{version}")
def version(
    key: Key,
    version: Annotated[int, Path(ge=1, le=MAX_VERSION)],
    session: ReadSessionDep,
    _: Reader,
) -> dict[str, Any]:
    return journeys.journey_definition(session, key, version)


@router.post("/{key}/{action}")
def change(
    key: Key,
    action: Annotated[str, Path(pattern=r"^(activate|pause|archive)$")],
    session: SessionDep,
    runtime: RuntimeDep,
    _: Editor,
    body: Annotated[Activation | None, Body()] = None,
) -> dict[str, Any]:
    since = body.since if body else None
    info = journeys.change_status(
        session,
        key,
        action,  # type: ignore[arg-type]  # the path pattern allows only the three actions
        runtime.clock.now(),
        since=since,
    )
    return asdict(info)


@router.get("/{key}/people")
def people(
    key: Key,
    session: ReadSessionDep,
    _: Reader,
    status: Annotated[str | None, Query(pattern=r"^(active|waiting|done|exited|failed)$")] = None,
    step: Annotated[str | None, Query(pattern=d.STEP_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """Who is in the journey (OneIDs, no contact details), at which step, and how it went."""
    total, rows = journeys.people_in(
        session, key, status=status, step=step, limit=limit, offset=offset
    )
    return {"total": total, "limit": limit, "offset": offset, "people": [asdict(r) for r in rows]}


@router.get("/{key}/metrics")
def metrics(
    key: Key,
    session: ReadSessionDep,
    _: Reader,
    version: Annotated[int | None, Query(ge=1, le=MAX_VERSION)] = None,
) -> dict[str, Any]:
    info = journeys.get_journey(session, key)
    return {
        "journey": key,
        "version": version,
        **asdict(journey_metrics(session, info.id, version)),
    }
