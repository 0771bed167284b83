"""Declarative base and the column types every domain shares.

Invariants kept here, for every table on both SQLite and PostgreSQL:
- times are stored in UTC and come back timezone-aware (``UTCDateTime``);
- money is stored as integer fen and comes back as ``Decimal`` yuan with two places (``Money``),
  so no float ever touches an amount and SQLite needs no Decimal emulation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CENT = Decimal("0.01")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC. Naive values are refused, not guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def to_money(value: Decimal | int | str) -> Decimal:
    """Yuan with two places; refuses floats, which cannot hold money exactly."""
    if isinstance(value, float):
        raise TypeError("money must be Decimal, int or str, never float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class Money(TypeDecorator[Decimal]):
    """Decimal yuan in Python, integer fen in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int(to_money(value) * 100)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(value) / 100).quantize(CENT)


# JSON documents: JSONB on PostgreSQL (indexable), JSON text elsewhere.
JSONDoc = JSON().with_variant(JSONB(), "postgresql")


def json_default(value: Any) -> Any:
    """Serialise the values domain code puts into event properties."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
