"""Events the simulator's loader emits (docs/events.md lists each with its properties)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from liveloop.store.eventlog import emit

SIMULATION_LOADED: Final = "Simulation Loaded"


def simulation_loaded(
    session: Session, *, at: datetime, source: str, marker: str, config: dict[str, Any]
) -> None:
    """A simulation was loaded to the end: its configuration (``seed``, ``customers``,
    ``start``, ``end`` … as ``SimConfig.as_dict`` gives them). ``marker`` names the load, so
    loading the same simulation again states nothing new."""
    emit(session, SIMULATION_LOADED, at=at, source=source, message_id=marker, properties=config)
