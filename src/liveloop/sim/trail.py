"""A person's tracked calls, written in order with message ids of their own."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from liveloop.sim.tables import Chunk


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class Trail:
    def __init__(self, seed: int, pid: int, out: Chunk) -> None:
        self.seed, self.pid, self.out = seed, pid, out
        self.message_seq = 0

    def event(
        self,
        name: str | None,
        at: datetime,
        kind: str = "track",
        *,
        user_id: str | None = None,
        anonymous_id: str | None = None,
        properties: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
    ) -> str:
        self.message_seq += 1
        message_id = f"sim{self.seed}-{self.pid}-{self.message_seq}"
        self.out.events.append(
            {
                "message_id": message_id,
                "type": kind,
                "event": name,
                "user_id": user_id,
                "anonymous_id": anonymous_id,
                "timestamp": at,
                "properties": _json(properties or {}),
                "context": _json(context or {}),
            }
        )
        return message_id
