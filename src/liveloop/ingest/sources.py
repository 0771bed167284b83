"""Sources: create, list, disable, and find a source by its write key.

A source is one place events come from (the mini-program, the H5 live page, a POS, a live
platform …). Its write key exists in plain text only in the return value of ``create_source``;
the store keeps the SHA-256 (random 256-bit keys need no slow hash). A live-platform source also
gets an HMAC signing secret, which is stored because webhook signatures must be recomputed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.errors import DomainError
from liveloop.ingest.models import Source

WRITE_KEY_PREFIX = "wk_"
SIGNING_SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
# Names end up in every event's ``source`` column and in URLs of the console: printable, short.
SOURCE_NAME = re.compile(r"^[^\x00-\x1f\x7f/\\]{1,64}$")
MAX_RATE_PER_S = 1_000_000


class SourceKind(StrEnum):
    MINI_PROGRAM = "mini_program"
    H5_LIVE = "h5_live"
    WECOM = "wecom"
    POS = "pos"
    SERVER = "server"
    LIVE_PLATFORM = "live_platform"


class SourceError(DomainError):
    """A source cannot be created or changed as asked."""


class UnknownSource(SourceError):
    """No source with that name."""

    status = 404


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """A source as the rest of the system sees it (never with its write key)."""

    id: int
    name: str
    kind: SourceKind
    key_prefix: str
    rate_limit_per_s: int | None
    created_at: datetime
    disabled_at: datetime | None
    # Its Order Completed / Order Refunded events become orders (``ingest.ledger``).
    order_ledger: bool = False
    # Present only for live-platform sources; kept out of repr so it never reaches a log.
    signing_secret: str | None = field(default=None, repr=False)

    @property
    def active(self) -> bool:
        return self.disabled_at is None


@dataclass(frozen=True, slots=True)
class NewSource:
    """What ``create_source`` hands back once: the source and its secrets in plain text."""

    source: SourceInfo
    write_key: str = field(repr=False)
    signing_secret: str | None = field(default=None, repr=False)


def write_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def parse_kind(value: str) -> SourceKind:
    try:
        return SourceKind(value)
    except ValueError:
        allowed = ", ".join(k.value for k in SourceKind)
        raise SourceError(f"unknown source kind {value!r}; use one of: {allowed}") from None


def create_source(
    session: Session,
    name: str,
    now: datetime,
    *,
    kind: SourceKind | str = SourceKind.SERVER,
    rate_limit_per_s: int | None = None,
    order_ledger: bool = False,
) -> NewSource:
    """Create a source with a fresh write key (and, for a live platform, a signing secret)."""
    name = name.strip()
    if not SOURCE_NAME.match(name):
        raise SourceError("source name must be 1-64 printable characters without '/' or '\\'")
    kind = parse_kind(str(kind))
    if rate_limit_per_s is not None and not 1 <= rate_limit_per_s <= MAX_RATE_PER_S:
        raise SourceError(f"rate limit must be 1-{MAX_RATE_PER_S:,} events per second")
    if session.scalar(select(Source.id).where(Source.name == name)) is not None:
        raise SourceError(f"source {name!r} already exists")
    key = WRITE_KEY_PREFIX + secrets.token_urlsafe(32)
    secret = (
        SIGNING_SECRET_PREFIX + secrets.token_urlsafe(32)
        if kind is SourceKind.LIVE_PLATFORM
        else None
    )
    row = Source(
        name=name,
        kind=kind.value,
        write_key_prefix=key[:10],
        write_key_hash=write_key_hash(key),
        signing_secret=secret,
        rate_limit_per_s=rate_limit_per_s,
        order_ledger=order_ledger,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return NewSource(_info(row), key, secret)


def list_sources(session: Session) -> list[SourceInfo]:
    return [_info(row) for row in session.scalars(select(Source).order_by(Source.id))]


def disable_source(session: Session, name: str, now: datetime) -> SourceInfo:
    """Stop accepting the source's key (its events stay). Disabling twice changes nothing."""
    row = session.scalars(select(Source).where(Source.name == name)).one_or_none()
    if row is None:
        raise SourceError(f"no source {name!r}")
    if row.disabled_at is None:
        row.disabled_at = now
    return _info(row)


def set_order_ledger(session: Session, name: str, on: bool) -> SourceInfo:
    """Mark the source an order ledger (its Segment e-commerce ``Order Completed`` /
    ``Order Refunded`` become orders from the events the ledger consumer reads next) or
    unmark it. Setting what is already set changes nothing."""
    row = session.scalars(select(Source).where(Source.name == name)).one_or_none()
    if row is None:
        raise UnknownSource(f"没有数据源 {name} (no source {name!r})")
    row.order_ledger = on
    session.flush()
    return _info(row)


def ledger_sources(session: Session) -> frozenset[str]:
    """The names of the sources marked as order ledgers."""
    return frozenset(session.scalars(select(Source.name).where(Source.order_ledger.is_(True))))


def source_for_key(session: Session, key: str) -> SourceInfo | None:
    """The active source holding ``key``, or None for an unknown or disabled key."""
    if not key.startswith(WRITE_KEY_PREFIX) or len(key) > 128:
        return None
    row = session.scalars(
        select(Source).where(
            Source.write_key_hash == write_key_hash(key), Source.disabled_at.is_(None)
        )
    ).one_or_none()
    return _info(row) if row else None


def _info(row: Source) -> SourceInfo:
    return SourceInfo(
        id=row.id,
        name=row.name,
        kind=SourceKind(row.kind),
        key_prefix=row.write_key_prefix,
        rate_limit_per_s=row.rate_limit_per_s,
        created_at=row.created_at,
        disabled_at=row.disabled_at,
        order_ledger=bool(row.order_ledger),
        signing_secret=row.signing_secret,
    )
