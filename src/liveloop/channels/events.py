"""Events channels emits (docs/events.md lists each with its properties)."""

from __future__ import annotations

from typing import Final

# A reply held an unsubscribe keyword: ``channel``, ``keyword``.
CHANNEL_UNSUBSCRIBED: Final = "Channel Unsubscribed"
