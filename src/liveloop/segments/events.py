"""Events segments emits (docs/events.md lists each with its properties): a saved segment's
refresh writes one per person who entered or left, in bulk (``segments.service``)."""

from __future__ import annotations

from typing import Final

# ``segment_id``, ``segment_name``.
SEGMENT_ENTERED: Final = "Segment Entered"
SEGMENT_EXITED: Final = "Segment Exited"
