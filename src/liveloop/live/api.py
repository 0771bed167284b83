"""Live over HTTP: rooms and shows (``live.shows_api``), each session's cost inputs (主播费,
投流, 样品 …) that the live ROI report weighs GMV against, and the live-platform webhook
(``/v1/live/{room}/events``, through ingestion's door: write key, body limit, rate, the
group-commit writer).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.ingest import service as ingest
from liveloop.live import mapping, webhook
from liveloop.live import service as lives
from liveloop.live.room_gate import RoomGate

# The 话术 library and each room's alert rules (``live.scripts_api``).
from liveloop.live.scripts_api import router as scripts_router

# The rooms' and shows' routes (list, one, schedule, change, start, end, shelf, offers).
from liveloop.live.shows_api import rooms_router as rooms_router
from liveloop.live.shows_api import shows_router as shows_router
from liveloop.live.stream.api import router as stream_router
from liveloop.web.deps import SessionDep, require_roles

router = APIRouter(prefix="/v1/live-sessions", tags=["live"])
# The webhook is documented beside the tracking API, whose answers it gives.
webhook_router = APIRouter(prefix="/v1", tags=["ingest"])
# The host console's SSE (``/v1/live/rooms/{room}/stream``), included by the app beside these.
__all__ = ["router", "scripts_router", "stream_router", "webhook_router"]
Reader = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.HOST, Role.ANALYST))]
Editor = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
CostItem = Annotated[str, Field(min_length=1, max_length=32, pattern=NO_CONTROL_CHARS)]
Amount = Annotated[Decimal, Field(ge=0, le=Decimal("100000000"), decimal_places=2)]


class LiveSessionOut(BaseModel):
    id: int
    room: str
    title: str
    host: str | None
    status: str
    scheduled_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    costs: dict[str, Decimal]


class Costs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    costs: dict[CostItem, Amount] = Field(max_length=20)


def _out(live: lives.LiveView) -> LiveSessionOut:
    return LiveSessionOut.model_validate(live, from_attributes=True)


@router.put("/{live_id}/costs")
def set_costs(
    live_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: Costs,
    session: SessionDep,
    _: Editor,
) -> LiveSessionOut:
    """Replace the session's cost inputs (yuan); the next analytics run's ROI uses them."""
    try:
        return _out(lives.set_costs(session, live_id, body.costs))
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None


Room = Annotated[str, Path(pattern=webhook.ROOM, description="The live room, e.g. main")]


def _room_gate(request: Request) -> RoomGate:
    state = request.app.state
    gate: RoomGate | None = getattr(state, "live_room_gate", None)
    if gate is None:
        runtime = state.runtime
        gate = state.live_room_gate = RoomGate(runtime.read_sessions, runtime.clock)
    return gate


@webhook_router.post(
    "/live/{room}/events",
    summary="Live-platform webhook: viewers, comments, likes, shares, clicks, carts, orders",
    description="Signed with HMAC-SHA256; see docs/ingest.md for the schema and signature.",
)
async def live_events(room: Room, request: Request) -> Response:
    source = ingest.sender(request)
    if source.kind is not ingest.SourceKind.LIVE_PLATFORM or not source.signing_secret:
        raise ingest.NotAllowed(
            f"source {source.name!r} is not a live platform; "
            "create a source of kind live_platform for this webhook"
        )
    raw = await ingest.read_body(request, ingest.MAX_BATCH_BYTES)
    received_at = request.app.state.runtime.clock.now()
    webhook.verify(
        source.signing_secret,
        request.headers.get("x-liveloop-timestamp"),
        request.headers.get("x-liveloop-signature"),
        raw,
        received_at,
    )
    _room_gate(request).check(room)  # after the signature: strangers learn no room codes
    delivery = webhook.parse_delivery(ingest.parse_object(raw))
    rows = mapping.event_rows(delivery, room, source, received_at)
    await ingest.write_events(request, source, rows)
    return Response(ingest.ACCEPTED, media_type="application/json")


# The one-click actions and the own room's action feed: /v1/live/… (``live.actions_api``).
from liveloop.live.actions_api import router as actions_router  # noqa: E402, F401
