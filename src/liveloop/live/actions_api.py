"""The one-click actions over HTTP (``live.api.actions_router``, which the app mounts):

- ``POST /v1/live-sessions/{live_id}/actions`` (operator, host): take an action in a show on
  air; the same ``key`` again answers the first action;
- ``GET /v1/live-sessions/{live_id}/actions`` (operator, host, analyst): the show's actions,
  its timeline markers and audit log;
- ``GET /v1/live/{room}/actions?after=ID``: the actions delivered to the room's own H5 page,
  for that page to show (a coupon card, a pinned comment …); authenticated like the webhook,
  by a live-platform (or H5 live) source's write key.

Hosts and 场控 see only their rooms (``live.service.rooms_of``): another room's show is a 404,
as on the shows' routes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.ingest import service as ingest
from liveloop.live import service as lives
from liveloop.live import webhook
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(prefix="/v1", tags=["live"])
Actor = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.HOST))]
Reader = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.HOST, Role.ANALYST))]
LiveId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Room = Annotated[str, Path(pattern=webhook.ROOM, description="The live room, e.g. main")]
FEED_SOURCES = (ingest.SourceKind.LIVE_PLATFORM, ingest.SourceKind.H5_LIVE)


def _in_scope(session: Session, principal: Principal, live_id: int) -> str:
    return lives.get_show(session, live_id, lives.rooms_of(session, principal)).room


class NewAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Annotated[str, Field(min_length=1, max_length=32)]
    target: Annotated[str, Field(min_length=1, max_length=128, pattern=NO_CONTROL_CHARS)] | None = (
        None
    )
    detail: dict[str, Any] = Field(default_factory=dict, max_length=50)
    key: Annotated[str, Field(min_length=1, max_length=128, pattern=NO_CONTROL_CHARS)]


class ActionOut(BaseModel):
    id: int
    room: str
    live_session_id: int
    kind: str
    target: str | None
    detail: dict[str, Any]
    by: str
    at: datetime
    key: str
    delivery_status: str
    delivered_at: datetime | None
    delivery_note: str | None


class FeedItem(BaseModel):
    """What the room's own page needs of an action (not who took it)."""

    id: int
    live_session_id: int
    kind: str
    target: str | None
    detail: dict[str, Any]
    at: datetime


def _out(action: lives.ActionView) -> ActionOut:
    return ActionOut.model_validate(action, from_attributes=True)


@router.post("/live-sessions/{live_id}/actions", status_code=201)
def take_action(
    live_id: LiveId, body: NewAction, session: SessionDep, runtime: RuntimeDep, who: Actor
) -> ActionOut:
    """Take a one-click action in a show on air (404 no such show, 409 not on air, 400 an
    unknown kind or a target its kind needs that is missing or unknown)."""
    room = _in_scope(session, who, live_id)
    return _out(
        lives.take_action(
            session,
            room=room,
            live_session_id=live_id,
            kind=body.kind,
            target=body.target,
            detail=body.detail,
            by=who.name,
            key=body.key,
            now=runtime.clock.now(),
        )
    )


@router.get("/live-sessions/{live_id}/actions")
def actions(live_id: LiveId, session: ReadSessionDep, who: Reader) -> list[ActionOut]:
    """The show's actions in the order taken, with how each was delivered."""
    _in_scope(session, who, live_id)
    return [_out(action) for action in lives.actions_of(session, live_id)]


@router.get(
    "/live/{room}/actions",
    summary="The room's own H5 page: actions delivered to it after an id",
    description="Authenticated by a live-platform source's write key (HTTP Basic username).",
)
def room_feed(
    room: Room,
    request: Request,
    session: ReadSessionDep,
    after: Annotated[int, Query(ge=0, le=2**53)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[FeedItem]:
    source = ingest.sender(request)
    if source.kind not in FEED_SOURCES:
        raise ingest.NotAllowed(
            f"source {source.name!r} is not a live platform; "
            "use the write key of a source of kind live_platform or h5_live"
        )
    return [
        FeedItem.model_validate(action, from_attributes=True)
        for action in lives.room_feed(session, room, after=after, limit=limit)
    ]
