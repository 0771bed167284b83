"""Identifiers: normalise one, find the person holding one, link one to a person.

Normalisation decides what counts as the same identifier: phones become E.164 (CN default),
other ids are trimmed; placeholder values ("null", "0", "undefined", …) are refused, since
they name nobody and would join strangers together.
"""

from __future__ import annotations

import re
from datetime import datetime

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.errors import DomainError
from liveloop.identity.contracts import IdentityType
from liveloop.identity.models import Identity

PLACEHOLDERS = frozenset(
    {
        "",
        "null",
        "none",
        "nil",
        "undefined",
        "0",
        "-1",
        "anonymous",
        "unknown",
        "test",
        "n/a",
        "00000000000",
        "13800000000",
        "00000000-0000-0000-0000-000000000000",
    }
)


def is_placeholder(value: str | None) -> bool:
    """Whether ``value`` names nobody ("null", "0", "anonymous" … or nothing at all)."""
    return value is None or value.strip().lower() in PLACEHOLDERS


class InvalidIdentifier(DomainError):
    """An identifier that cannot name a person (malformed or a placeholder)."""


class IdentityConflict(DomainError):
    """The identifier already belongs to another person."""

    status = 409


# A mainland mobile number as sources write it: 13812345678, +8613812345678, +86 138 1234 5678,
# 86-13812345678, 138-1234-5678. Anything else goes through phonenumbers.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CN_MOBILE = re.compile(r"^(?:\+?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})$")


def normalise(kind: IdentityType | str, value: str) -> str:
    kind = IdentityType(kind)
    cleaned = value.strip()
    if cleaned.lower() in PLACEHOLDERS:
        raise InvalidIdentifier(f"{kind.value} {value!r} is a placeholder, not an identifier")
    if kind is IdentityType.PHONE:
        mobile = _CN_MOBILE.match(cleaned)
        if mobile:  # the common case, without phonenumbers' full parse (same result)
            national = "".join(mobile.groups())
            if national in PLACEHOLDERS:
                raise InvalidIdentifier(f"phone {value!r} is a placeholder")
            return "+86" + national
        try:
            number = phonenumbers.parse(cleaned, "CN")
        except phonenumbers.NumberParseException as exc:
            raise InvalidIdentifier(f"phone {value!r} is not a phone number: {exc}") from None
        if not phonenumbers.is_possible_number(number):
            raise InvalidIdentifier(f"phone {value!r} is not a possible number")
        national = str(number.national_number)
        if national in PLACEHOLDERS or set(national) <= {"0"}:
            raise InvalidIdentifier(f"phone {value!r} is a placeholder")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if len(cleaned) > 128:
        raise InvalidIdentifier(f"{kind.value} is longer than 128 characters")
    if kind is IdentityType.EMAIL:
        # Compared case-blind: mail systems treat the whole address so in practice.
        if not _EMAIL.match(cleaned):
            raise InvalidIdentifier(f"email {value!r} is not an e-mail address")
        return cleaned.lower()
    return cleaned


def holder(session: Session, kind: IdentityType | str, value: str) -> int | None:
    """The customer holding a normalised identifier of a type OneID knows, if any."""
    return holder_of(session, IdentityType(kind).value, value)


def holder_of(session: Session, kind: str, value: str) -> int | None:
    """The person holding (``kind``, ``value``) as stored — also for kinds OneID does not rank,
    such as WeCom's ``external_userid``."""
    found = session.scalar(
        select(Identity.customer_id).where(Identity.type == kind, Identity.value == value)
    )
    return int(found) if found is not None else None


def link(
    session: Session, customer_id: int, kind: IdentityType | str, value: str, seen_at: datetime
) -> None:
    """Record that ``customer_id`` holds the (normalised) identifier; refreshes last_seen."""
    kind = IdentityType(kind)
    row = session.scalars(
        select(Identity).where(Identity.type == kind.value, Identity.value == value)
    ).one_or_none()
    if row is None:
        session.add(
            Identity(
                type=kind.value,
                value=value,
                customer_id=customer_id,
                first_seen_at=seen_at,
                last_seen_at=seen_at,
            )
        )
    elif row.customer_id == customer_id:
        row.first_seen_at = min(row.first_seen_at, seen_at)
        row.last_seen_at = max(row.last_seen_at, seen_at)
    else:
        raise IdentityConflict(
            f"{kind.value} {value} already belongs to customer {row.customer_id}"
        )
