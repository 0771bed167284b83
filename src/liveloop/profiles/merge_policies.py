"""How a OneID merge treats each table that names a person (a ``customer_id`` column).

The person and the merge chain live in profiles, so the register does too. Each domain declares
its own tables' policies in its own module (``declare_merge_policy`` in its models or service),
and profiles imports none of them:

- ``Carried(key)``: rows move to the survivor on merge and back on split. The merge records the
  ``key`` of every row it moved (``carry_to_survivor``) in its audit, so the split returns
  exactly those rows (``carry_back``). ``events`` names the events that name a row by one of
  their properties: a row whose event the split hands back (an order its buyer's identifier
  names) goes back too, and a row's own domain events follow it.
- ``Follows``: rows stay with the person they were written for; readers follow the merge chain
  with ``survivor_of`` / ``merged_into``.
- ``Handled(by)``: the owner moves, combines or recomputes its rows itself; ``by`` says how.

Invariant: every table with a ``customer_id`` column has exactly one declared policy
(tests/identity/test_merge_policies.py). A Carried table's declaration sits next to its model,
so whoever can map the table has declared how it is carried: a merge never runs without it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from liveloop.store.base import Base


@dataclass(frozen=True)
class Carried:
    """Rows move to the survivor on merge and back on split, named in the audit by ``key``
    (a unique column). ``events`` maps an event name to the property naming the row."""

    key: str
    events: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Follows:
    """Rows stay where they were written; readers follow the chain (``why`` says who)."""

    why: str


@dataclass(frozen=True)
class Handled:
    """The owning domain moves, combines or recomputes its rows itself (``by`` says how)."""

    by: str


MergePolicy = Carried | Follows | Handled

_POLICIES: dict[str, MergePolicy] = {}


class PolicyConflict(RuntimeError):
    """A table was declared twice with different policies."""


def declare_merge_policy(table: str, policy: MergePolicy) -> None:
    """Declare how a merge treats ``table``'s rows (once per table; repeating the same
    declaration, as a re-imported module does, changes nothing)."""
    known = _POLICIES.get(table)
    if known is not None and known != policy:
        raise PolicyConflict(f"{table}: declared as {known} and as {policy}")
    _POLICIES[table] = policy


def merge_policies() -> Mapping[str, MergePolicy]:
    """Every declared policy, by table name."""
    return dict(_POLICIES)


def _carried() -> list[tuple[Table, Carried]]:
    return [
        (Base.metadata.tables[name], policy)
        for name, policy in sorted(_POLICIES.items())
        if isinstance(policy, Carried)
    ]


def carry_to_survivor(session: Session, merged_id: int, survivor_id: int) -> dict[str, list[Any]]:
    """Move every Carried table's rows of ``merged_id`` to ``survivor_id``; returns the moved
    rows' keys by table (only tables that had any), for the merge's audit."""
    moved: dict[str, list[Any]] = {}
    for table, policy in _carried():
        keys = list(
            session.scalars(
                select(table.c[policy.key])
                .where(table.c.customer_id == merged_id)
                .order_by(table.c[policy.key])
            )
        )
        if not keys:
            continue
        session.execute(
            update(table).where(table.c.customer_id == merged_id).values(customer_id=survivor_id)
        )
        moved[table.name] = keys
    return moved


def carry_back(
    session: Session,
    carried: Mapping[str, Sequence[Any]],
    *,
    survivor_id: int,
    restored_id: int,
    returned_events: Iterable[tuple[str, Mapping[str, Any]]] = (),
) -> dict[str, set[Any]]:
    """Split: the rows the merge carried (``carried``, from its audit) and the rows named by
    events the split handed back (``returned_events``: name and properties) go from the
    survivor back to ``restored_id``. Returns the keys that went back, by table."""
    returned = list(returned_events)
    back: dict[str, set[Any]] = {}
    for table, policy in _carried():
        column = table.c[policy.key]
        keys = set(carried.get(table.name, ()))
        keys |= {
            _key(column, properties, policy.events[name])
            for name, properties in returned
            if name in policy.events
        } - {None}
        if not keys:
            continue
        present = set(
            session.scalars(
                select(column).where(table.c.customer_id == survivor_id, column.in_(keys))
            )
        )
        if present:
            session.execute(
                update(table)
                .where(table.c.customer_id == survivor_id, column.in_(present))
                .values(customer_id=restored_id)
            )
            back[table.name] = present
    return back


def names_carried_row(
    name: str, properties: Mapping[str, Any], rows: Mapping[str, Collection[Any]]
) -> bool:
    """Whether an event (by ``name`` and ``properties``) names one of ``rows`` (keys by
    table, as ``carry_back`` returns them): such an event follows its row."""
    for table, keys in rows.items():
        policy = _POLICIES.get(table)
        if isinstance(policy, Carried) and name in policy.events:
            column = Base.metadata.tables[table].c[policy.key]
            if _key(column, properties, policy.events[name]) in keys:
                return True
    return False


def _key(column: Any, properties: Mapping[str, Any], name: str) -> Any:
    """The row key an event's property names, in the key column's type (None: no key)."""
    value = properties.get(name)
    if value is None or isinstance(value, bool | dict | list):
        return None
    try:
        return column.type.python_type(value)
    except (TypeError, ValueError):
        return None
