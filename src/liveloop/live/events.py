"""Events live emits (docs/events.md lists each with its properties); the platform's own events
come in through the webhook under the live spec's names (``liveloop.spec``)."""

from __future__ import annotations

from typing import Final

# A show went on air / came off air (its room's figures start afresh / its report is made).
LIVE_STARTED: Final = "Live Started"
LIVE_ENDED: Final = "Live Ended"
# A one-click action of the host console (``contracts.ActionKind``).
LIVE_ACTION_TAKEN: Final = "Live Action Taken"
