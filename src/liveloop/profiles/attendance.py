"""Which lives a person attended, as their profile counts them (``lives_attended``).

The record of who attended which live is live's (``live_attendance``), and live sits above
profiles: ``live.service`` hands the counters its record when it is imported (bootstrap imports
it, so every process that counts events has it), and the counters ask the record whether a
joined live is new to the person. Unset, counting a live refuses rather than lose it.
"""

from __future__ import annotations

from datetime import datetime
from typing import NoReturn, Protocol

from sqlalchemy.orm import Session


class AttendanceRecord(Protocol):
    """Who attended which live, a row per person and live (``live.attendance`` is one)."""

    def attend(
        self, session: Session, customer_id: int, live_session_id: int, at: datetime
    ) -> bool:
        """Note that the person joined the live; True the first time."""
        ...

    def combine(self, session: Session, survivor_id: int, merged_id: int) -> int:
        """Give the survivor the merged person's lives; returns how many the survivor has."""
        ...

    def forget(self, session: Session, customer_id: int) -> None:
        """Drop the person's lives (a split recounts them from the event log)."""
        ...


class _Unrecorded:
    """No record handed over: counting a live would silently lose attendance, so it refuses."""

    def _refuse(self, *args: object) -> NoReturn:
        raise RuntimeError("no attendance record: import liveloop.live.service (bootstrap does)")

    attend = combine = forget = _refuse


record: AttendanceRecord = _Unrecorded()


def record_attendance_with(keeper: AttendanceRecord) -> None:
    """Let ``keeper`` record which lives each person attended."""
    global record
    record = keeper
