"""Back-off for console logins, per username and per client address.

A few failures are free (a typo, a forgotten caps lock); after them every failure locks the key
for twice as long as the last, up to 15 minutes, and a locked key is refused without checking
the password at all — so guessing costs the guesser time and costs the server nothing. An
address gets more free failures than a username (an office shares one address). Failures a
quiet quarter of an hour old are forgotten; a good login clears its username, not its address.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from liveloop.access.models import LoginThrottle
from liveloop.store.engine import dialect_insert, for_update

FREE = {"user": 5, "addr": 20}
LONGEST = timedelta(minutes=15)
FORGOTTEN_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class Lock:
    key: str
    failures: int
    until: datetime | None  # None: not locked (yet)


def keys_of(username: str, address: str | None) -> list[str]:
    found = [f"user:{username.lower()[:64]}"]
    if address:
        found.append(f"addr:{address[:64]}")
    return found


def locked_until(session: Session, keys: Sequence[str], now: datetime) -> datetime | None:
    """The latest moment any of ``keys`` is locked until, if that is still ahead."""
    ahead = [
        until
        for until in session.scalars(
            select(LoginThrottle.locked_until).where(LoginThrottle.key.in_(keys))
        )
        if until is not None and until > now
    ]
    return max(ahead, default=None)


def record_failure(session: Session, keys: Sequence[str], now: datetime) -> list[Lock]:
    """Count a failed login against every key; returns each key's state after it."""
    locks = []
    for key in keys:
        # Two failures at once for a new key must not both insert it.
        first = dialect_insert(session)(LoginThrottle).values(
            key=key, failures=0, last_failure_at=now
        )
        session.execute(first.on_conflict_do_nothing(index_elements=["key"]))
        row = session.scalars(
            for_update(session, select(LoginThrottle).where(LoginThrottle.key == key))
        ).one()
        if now - row.last_failure_at > FORGOTTEN_AFTER:
            row.failures, row.locked_until = 0, None
        row.failures += 1
        row.last_failure_at = now
        over = row.failures - FREE[key.split(":", 1)[0]]
        if over > 0:
            row.locked_until = now + min(timedelta(seconds=2 ** (over - 1)), LONGEST)
        locks.append(Lock(key, row.failures, row.locked_until))
    session.flush()
    return locks


def record_success(session: Session, username_key: str) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == username_key))
