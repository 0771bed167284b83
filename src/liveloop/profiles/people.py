"""What other domains read of a person: ``Person``, a frozen view of the ``customers`` row —
one at a time, locked for the rest of the transaction, or many at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, extract, or_, select
from sqlalchemy.orm import Session

from liveloop.profiles.models import Customer
from liveloop.store.engine import for_update


@dataclass(frozen=True)
class Person:
    id: int
    oneid: str
    name: str | None
    gender: str | None
    birthday: date | None
    province: str | None
    city: str | None
    member_tier: str | None
    traits: Mapping[str, Any]
    merged_into_id: int | None


def _person(row: Customer) -> Person:
    return Person(
        row.id,
        row.oneid,
        row.name,
        row.gender,
        row.birthday,
        row.province,
        row.city,
        row.member_tier,
        dict(row.traits or {}),
        row.merged_into_id,
    )


def person_of(session: Session, customer_id: int) -> Person | None:
    row = session.get(Customer, customer_id)
    return _person(row) if row is not None else None


def lock_person(session: Session, customer_id: int) -> Person | None:
    """The person, their row locked until the transaction ends (on PostgreSQL), so two
    senders judging one person's guard rails take turns."""
    query = select(Customer).where(Customer.id == customer_id)
    row = session.scalars(for_update(session, query)).one_or_none()
    return _person(row) if row is not None else None


def people_of(session: Session, customer_ids: Iterable[int]) -> dict[int, Person]:
    ids = sorted(set(customer_ids))
    found: dict[int, Person] = {}
    # The rows stay referenced by the session, so a batch's later reads of these people
    # (templates, traits, tags) are identity-map hits instead of one query each.
    kept: list[Customer] = session.info.setdefault("profiles.people", [])
    for start in range(0, len(ids), 500):
        rows = list(
            session.scalars(select(Customer).where(Customer.id.in_(ids[start : start + 500])))
        )
        kept.extend(rows)
        found.update({row.id: _person(row) for row in rows})
    return found


def with_trait(session: Session, key: str, value: str) -> int | None:
    """The (first) person whose trait ``key`` holds ``value`` (e.g. a WeCom external_userid)."""
    return session.scalar(
        select(Customer.id)
        .where(Customer.traits[key].as_string() == value)
        .order_by(Customer.id)
        .limit(1)
    )


def born_on(session: Session, days: Iterable[tuple[int, int]]) -> list[int]:
    """The standing people whose birthday falls on one of these (month, day) pairs."""
    wanted = list(days)
    return list(
        session.scalars(
            select(Customer.id)
            .where(
                Customer.merged_into_id.is_(None),
                or_(
                    *(
                        and_(
                            extract("month", Customer.birthday) == month,
                            extract("day", Customer.birthday) == day,
                        )
                        for month, day in wanted
                    )
                ),
            )
            .order_by(Customer.id)
        )
    )


def current_people(session: Session) -> set[int]:
    """Everyone who stands for themselves (not merged into another person)."""
    return set(session.scalars(select(Customer.id).where(Customer.merged_into_id.is_(None))))


def merged_people(session: Session) -> list[int]:
    """Everyone OneID merged into another person."""
    return list(session.scalars(select(Customer.id).where(Customer.merged_into_id.is_not(None))))
