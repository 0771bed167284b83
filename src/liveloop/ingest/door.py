"""The door events come in through, for the tracking API and live's webhook alike: who sent the
request (the write key as the HTTP Basic username, 401 otherwise), and its events written under
the source's rate (429 over it) by the group-commit writer. ``ingest.api.mount`` puts the gate
and the writer on the app."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request

from liveloop.ingest.gate import SourceGate, basic_auth_user
from liveloop.ingest.sources import SourceInfo
from liveloop.ingest.writer import EventWriter

# The answer once the events are committed (Segment's tracking API answers the same).
ACCEPTED = b'{"success":true}'


def sender(request: Request) -> SourceInfo:
    """The active source whose write key is the request's Basic username."""
    gate: SourceGate = request.app.state.source_gate
    return gate.source(basic_auth_user(request.headers.get("authorization")))


async def write_events(
    request: Request, source: SourceInfo, rows: Sequence[dict[str, Any]]
) -> None:
    """Admit ``rows`` under ``source``'s rate, then wait until they are committed."""
    gate: SourceGate = request.app.state.source_gate
    gate.admit(source, len(rows))
    writer: EventWriter = request.app.state.event_writer
    await writer.write(rows)
