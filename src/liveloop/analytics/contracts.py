"""What analytics publishes to other packages: a run's states, how its reports spell things."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

# Basket rules name each side's SKUs joined by this character ("RICE-5KG|OIL-1L").
SIDE_JOIN: Final = "|"


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
