"""Tables of the segments domain."""

from __future__ import annotations
