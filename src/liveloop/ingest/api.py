"""HTTP: the Segment-compatible tracking API (``/v1/track|identify|page|screen|group|alias|batch``)
and, in ``mount``, the gate and writer that live's webhook comes in through too. docs/ingest.md
is the reference.

Every answer is Segment's: 200 ``{"success": true}`` once the events are committed; 400 with a
reason for bad JSON, oversize or a message breaking the spec (nothing is written); 401 for a
missing or bad write key; 429 with ``Retry-After`` over the source's rate.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request, Response

from liveloop.ingest import errors
from liveloop.ingest.body import read_body
from liveloop.ingest.door import ACCEPTED, write_events
from liveloop.ingest.gate import SourceGate, basic_auth_user
from liveloop.ingest.messages import (
    MAX_BATCH_BYTES,
    MAX_EVENT_BYTES,
    batch_rows,
    call_rows,
    parse_object,
)
from liveloop.ingest.sources_api import router as sources_router
from liveloop.ingest.writer import EventWriter
from liveloop.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["ingest"])

# Browser SDKs (analytics.js on an H5 live page) post cross-origin without credentials.
CORS = {"Access-Control-Allow-Origin": "*"}


def mount(app: FastAPI, runtime: Runtime) -> EventWriter:
    """Wire ingestion into the app; the caller closes the returned writer on shutdown."""
    writer = EventWriter.for_store(runtime.settings.database_url, runtime.sessions)
    app.state.event_writer = writer
    app.state.source_gate = SourceGate(runtime.read_sessions, runtime.clock)
    errors.install(app)
    app.include_router(router)
    app.include_router(sources_router)
    return writer


async def _ingest(request: Request, call: str | None) -> Response:
    state = request.app.state
    gate: SourceGate = state.source_gate
    header_key = basic_auth_user(request.headers.get("authorization"))
    # A key in the header is checked before the body is read; a key in the body after.
    source = gate.source(header_key) if header_key else None
    raw = await read_body(request, MAX_BATCH_BYTES if call is None else MAX_EVENT_BYTES)
    body = parse_object(raw)
    if source is None:
        source = gate.source(body.get("writeKey"))
    received_at = state.runtime.clock.now()
    if call is None:
        rows = batch_rows(body, len(raw), received_at, source.name)
    else:
        rows = call_rows(call, body, received_at, source.name)
    await write_events(request, source, rows)
    return Response(ACCEPTED, media_type="application/json", headers=CORS)


_SPEC = "Segment HTTP tracking API; see docs/ingest.md. Write key as HTTP Basic username."


@router.post("/batch", summary="Send up to 500 KB of messages at once", description=_SPEC)
async def batch(request: Request) -> Response:
    return await _ingest(request, None)


@router.post("/track", summary="Record an action (event)", description=_SPEC)
async def track(request: Request) -> Response:
    return await _ingest(request, "track")


@router.post("/identify", summary="Tie a user to their traits", description=_SPEC)
async def identify(request: Request) -> Response:
    return await _ingest(request, "identify")


@router.post("/page", summary="Record a page view", description=_SPEC)
async def page(request: Request) -> Response:
    return await _ingest(request, "page")


@router.post("/screen", summary="Record a mini-program or app screen view", description=_SPEC)
async def screen(request: Request) -> Response:
    return await _ingest(request, "screen")


@router.post("/group", summary="Associate a user with a group", description=_SPEC)
async def group(request: Request) -> Response:
    return await _ingest(request, "group")


@router.post("/alias", summary="Merge two user identities", description=_SPEC)
async def alias(request: Request) -> Response:
    return await _ingest(request, "alias")


def preflight() -> Response:
    headers = {
        **CORS,
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Authorization, Content-Type, Content-Encoding",
        "Access-Control-Max-Age": "86400",
    }
    return Response(status_code=204, headers=headers)


for _call in ("batch", "track", "identify", "page", "screen", "group", "alias"):
    router.add_api_route(f"/{_call}", preflight, methods=["OPTIONS"], include_in_schema=False)
