"""Why the calendar refuses. Reasons are Chinese first (the console shows them as they are),
with the English after for API clients.

    CalendarError              400
     ├── UnknownDay            404  no calendar day (built in or the brand's) by that name
     ├── CalendarRefused       422  a rule or range that cannot mean one thing
     └── CalendarConflict      409  a brand date's name is taken (or is a built-in day's)
"""

from __future__ import annotations

from liveloop.errors import DomainError


class CalendarError(DomainError):
    """A calendar request refused as given."""


class UnknownDay(CalendarError):
    status = 404


class CalendarRefused(CalendarError):
    status = 422


class CalendarConflict(CalendarError):
    status = 409
