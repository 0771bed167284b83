"""Events access emits (docs/events.md lists each with its properties): the audit trail of
console logins that failed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from liveloop.store.eventlog import emit

CONSOLE_LOGIN_FAILED: Final = "Console Login Failed"
SOURCE: Final = "access"


def console_login_failed(
    session: Session,
    *,
    at: datetime,
    username: str,
    address: str | None,
    failures: int,
    locked_until: datetime | None,
    refused: bool,
) -> None:
    """A console login failed — a wrong password or unknown user, or ``refused`` unchecked
    while locked: ``username``, ``address``, ``failures`` (the username's, in a row),
    ``locked_until``, ``refused``. Never the password."""
    emit(
        session,
        CONSOLE_LOGIN_FAILED,
        at=at,
        source=SOURCE,
        message_id=f"login-failed:{uuid.uuid4().hex}",  # each failure is its own fact
        properties={
            "username": username,
            "address": address,
            "failures": failures,
            "locked_until": locked_until,
            "refused": refused,
        },
    )
