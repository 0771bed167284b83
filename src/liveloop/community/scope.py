"""Whose rows a caller may see. A principal in the leader role acts as the leader whose
``username`` is the principal's name (the console user, or the API key named after it); it
sees only that leader's points, batches and customers, and a leader it is not is "not found"
to it, not merely refused. A leader principal linked to no leader sees nothing (fails closed).
Every other role that reaches community's facade sees every leader's rows (its route decided
whether it may call at all)."""

from __future__ import annotations

from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.community.models import Leader

NOBODY: Final = -1  # the scope of a leader principal linked to no leader


def leader_scope(session: Session, viewer: Principal | None) -> int | None:
    """None: ``viewer`` sees every leader's rows; else the one leader id it sees (``NOBODY``
    when it is linked to none)."""
    if viewer is None or viewer.role != Role.LEADER:
        return None
    found = session.scalar(select(Leader.id).where(Leader.username == viewer.name))
    return found if found is not None else NOBODY


def allowed(scope: int | None, leader_id: int) -> bool:
    return scope is None or scope == leader_id
