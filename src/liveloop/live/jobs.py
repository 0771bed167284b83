"""Live's background work: each ended show's post-live report (the ``live-reports`` consumer)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from liveloop.live import reports
from liveloop.runtime import Runtime


def register(runtime: Runtime) -> None:
    reports.subscribe(runtime.consumers, _no_shelf)


def _no_shelf(session: Session, live_session_id: int) -> Sequence[Any]:
    return ()  # the shows' shelves arrive with the rooms-and-shows piece
