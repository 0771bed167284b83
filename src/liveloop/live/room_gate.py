"""Which rooms the webhook takes deliveries for: a room must have been made (``liveloop live
rooms add``, the console's 直播 page, or a show scheduled in it) before its platform may send
events. The webhook asks on every delivery, so answers are cached for a few seconds, as the
ingest gate caches write keys: a room just made is taken within ``cache_seconds``."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from liveloop.clock import Clock
from liveloop.live.errors import UnknownRoom
from liveloop.live.models import LiveRoom
from liveloop.store.engine import transaction


class RoomGate:
    def __init__(
        self, read_sessions: sessionmaker[Session], clock: Clock, cache_seconds: float = 5.0
    ) -> None:
        self.read_sessions, self.clock = read_sessions, clock
        self.ttl = timedelta(seconds=cache_seconds)
        self._known: dict[str, tuple[bool, datetime]] = {}

    def check(self, room: str) -> None:
        """Raise ``UnknownRoom`` (404) unless ``room`` has been made."""
        now = self.clock.now()
        cached = self._known.get(room)
        if cached is None or cached[1] <= now:
            with transaction(self.read_sessions) as session:
                found = session.scalar(select(LiveRoom.id).where(LiveRoom.code == room))
            cached = (found is not None, now + self.ttl)
            if len(self._known) > 10_000:  # a sender trying random codes cannot grow it forever
                self._known.clear()
            self._known[room] = cached
        if not cached[0]:
            raise UnknownRoom(
                f"没有直播间 {room}：请先创建直播间 (no live room {room!r}; "
                f"create it with `liveloop live rooms add {room} NAME`)"
            )
