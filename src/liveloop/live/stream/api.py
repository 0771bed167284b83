"""The host console's stream: ``GET /v1/live/rooms/{room}/stream``, Server-Sent Events.

    id: 1733540000000-0
    event: snapshot            (or tick)
    data: {"type": "snapshot", "room": "main", "reason": "connect", ...}

- The first frame is a snapshot (``reason: "connect"``), then every frame of the room as the
  feed publishes it; the SSE id is the bus id, so a reconnect (``Last-Event-ID``, which
  ``EventSource`` sends by itself, or ``?last_event_id=``) resumes with exactly the frames it
  missed — or, when its id is older than the bus's history, with a snapshot marked
  ``reason: "gap"`` first (``live.stream.bus``: the resume rule).
- A comment line ``: ping`` every 15 s without frames keeps proxies from closing the stream.
- ``data`` is JSON: a commenter's text stays a JSON string; the console renders it as text,
  never as HTML.
- Who: operators and admins any room; hosts and 场控 only the rooms of their shows
  (``live.rooms.rooms_of``); the console's page (cookie session) or an API key. An unknown room
  is a 404 with the reason, another host's room a 403.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.live.models import LiveRoom, LiveSession
from liveloop.live.rooms import rooms_of
from liveloop.live.stream.bus import BUS_ID, Bus, Delivery, Frame, Resume, bus_for
from liveloop.live.webhook import ROOM
from liveloop.web.deps import ReadSessionDep, RuntimeDep, require_roles_or_console

router = APIRouter(prefix="/v1/live/rooms", tags=["live"])
Watcher = Annotated[Principal, Depends(require_roles_or_console(Role.OPERATOR, Role.HOST))]
Room = Annotated[str, Path(pattern=ROOM, description="The live room, e.g. main")]
StreamId = Annotated[str, Query(pattern=BUS_ID.pattern, max_length=27)]

HEARTBEAT_SECONDS = 15.0
# How long a wait may block before the stream looks whether its client is still there.
DISCONNECT_CHECK_SECONDS = 2.0
RETRY_MS = 2_000  # how soon EventSource reconnects after a drop


def room_known(session: Session, bus: Bus, room: str) -> bool:
    """A room is known when it was made (``live.rooms``), has a show, or the feed has frames of
    it (events came in for it)."""
    if bus.has_room(room):
        return True
    made = session.scalar(select(LiveRoom.id).where(LiveRoom.code == room).limit(1))
    if made is not None:
        return True
    show = session.scalar(select(LiveSession.id).where(LiveSession.room == room).limit(1))
    return show is not None


def admitted_room(
    room: Room, session: ReadSessionDep, runtime: RuntimeDep, principal: Watcher
) -> str:
    if not room_known(session, bus_for(runtime), room):
        raise HTTPException(404, f"直播间 {room} 不存在 (no live room {room!r})")
    allowed = rooms_of(session, principal)
    if allowed is not None and room not in allowed:
        raise HTTPException(403, f"你不负责直播间 {room} (room {room!r} is not yours)")
    return room


def sse(frame_id: str | None, frame: Frame) -> bytes:
    """One SSE event; orjson never writes a raw newline, so ``data`` is a single line."""
    head = f"id: {frame_id}\n" if frame_id else ""
    event = "snapshot" if frame.get("type") == "snapshot" else "tick"
    return f"{head}event: {event}\ndata: ".encode() + orjson.dumps(frame) + b"\n\n"


async def _frames(
    request: Request, bus: Bus, room: str, last_id: str | None, resumed: Resume
) -> AsyncIterator[bytes]:
    yield f"retry: {RETRY_MS}\n\n".encode()
    frames: list[Delivery] = resumed.frames
    if not frames and (last_id is None or resumed.gap):
        # A known room whose feed has published nothing yet: an empty snapshot, without an id
        # (the console has nothing to resume from), then everything from the room's start.
        yield sse(None, {"type": "snapshot", "room": room, "reason": "connect", "empty": True})
    position = last_id if last_id is not None and not resumed.gap else "0-0"
    quiet_since = time.monotonic()
    async with bus.watch(room) as watching:
        while True:
            for frame_id, frame in frames:
                yield sse(frame_id, frame)
                position = frame_id
            if frames:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= HEARTBEAT_SECONDS:
                yield b": ping\n\n"
                quiet_since = time.monotonic()
            if await request.is_disconnected():
                return
            frames = await watching.wait(position, DISCONNECT_CHECK_SECONDS)


@router.get(
    "/{room}/stream",
    summary="The room's live figures for the host console (Server-Sent Events)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "SSE frames"}},
)
async def stream(
    request: Request,
    runtime: RuntimeDep,
    room: Annotated[str, Depends(admitted_room)],
    last_event_id: StreamId | None = None,
    last_event_header: Annotated[
        str | None, Header(alias="Last-Event-ID", pattern=BUS_ID.pattern, max_length=27)
    ] = None,
) -> StreamingResponse:
    """A snapshot, then every frame of the room; resumes after ``Last-Event-ID``."""
    bus = bus_for(runtime)
    last_id = last_event_header or last_event_id
    # Before the answer starts, so a bus that does not answer is a 503 with its reason.
    resumed = await asyncio.to_thread(bus.resume, room, last_id)
    return StreamingResponse(
        _frames(request, bus, room, last_id, resumed),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
