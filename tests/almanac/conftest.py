"""An API key per role for the calendar's and the campaigns' API tests."""

from __future__ import annotations

from liveloop.access.service import create_api_key
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction


def api_key(runtime: Runtime, role: str) -> dict[str, str]:
    with transaction(runtime.sessions) as session:
        _, key = create_api_key(session, f"{role}-key", role, runtime.clock.now())
    return {"Authorization": f"Bearer {key}"}
