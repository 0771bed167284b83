"""Why live refuses a room, show, shelf or offer command. Reasons are Chinese first (the
console shows them as they are), with the English after for API clients.

    LiveError                  400
     ├── UnknownRoom           404  no room with that code (or not one of the caller's)
     ├── UnknownShow           404  no show with that id (or not in the caller's rooms)
     ├── LiveRefused           422  input that cannot mean one thing (price ≤ 0, unknown SKU …)
     └── LiveConflict          409  clashes with what is (starting twice, a taken room code …)
"""

from __future__ import annotations

from liveloop.errors import DomainError


class LiveError(DomainError):
    """A live command refused as given."""


class UnknownRoom(LiveError):
    """No room with that code, or not one the caller may see."""

    status = 404


class UnknownShow(LiveError):
    """No show with that id, or not in a room the caller may see."""

    status = 404


class LiveRefused(LiveError):
    """Input that cannot be carried out as given."""

    status = 422


class LiveConflict(LiveError):
    """The command clashes with the show's or room's state."""

    status = 409
