"""A room's processor kept in step with what the operator edits during a show: the show's shelf
(live price, allocated stock, products added), the 话术 library and the room's alert rules are
read again every ``every`` seconds on the feed's tick and handed over when they changed, so an
edit reaches the host console's figures, answers and alerts within that time instead of at the
next show. A failed read keeps what the processor has (and is logged): figures beat none.

A new alert rule applies from the next check on; a stock-velocity span longer than the ring the
processor was made with counts over the ring it has (at most the room's last hour)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from liveloop.live.stream.alerts import AlertRules
from liveloop.live.stream.feed import Frame, FrameSource
from liveloop.live.stream.processor import RoomProcessor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoomSettings:
    """What the operator sets for a room's processor; None: not read (keep what it has)."""

    rules: AlertRules | None = None
    shelf: Sequence[Any] | None = None  # the show on air's ``ShelfItemView`` rows
    scripts: Mapping[Any, str] | None = None


class Refreshed:
    def __init__(
        self,
        source: FrameSource,
        processor: RoomProcessor,
        read: Callable[[], RoomSettings],
        *,
        every: float = 15.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source, self.processor, self.read = source, processor, read
        self.every, self.monotonic = every, monotonic
        self.current = RoomSettings()
        self.read_at = float("-inf")

    def refresh(self) -> None:
        self.read_at = self.monotonic()
        try:
            new = self.read()
        except Exception:
            log.warning(
                "live feed: room %s's settings could not be read",
                self.processor.room,
                exc_info=True,
            )
            return
        processor, old = self.processor, self.current
        if new.rules is not None and new.rules != old.rules:
            processor.set_rules(new.rules)
        if new.shelf is not None and list(new.shelf) != list(old.shelf or ()):
            processor.set_shelf(new.shelf)
        if new.scripts is not None and dict(new.scripts) != dict(old.scripts or {}):
            processor.set_scripts(new.scripts)
        self.current = RoomSettings(
            new.rules or old.rules,
            new.shelf if new.shelf is not None else old.shelf,
            new.scripts if new.scripts is not None else old.scripts,
        )

    def apply(self, events: Any) -> None:
        self.source.apply(events)

    def tick(self, now: datetime) -> Frame:
        if self.monotonic() - self.read_at >= self.every:
            self.refresh()
        return self.source.tick(now)

    def snapshot(self, now: datetime) -> Frame:
        return self.source.snapshot(now)
