"""OneID facade: identifiers (normalise, find the holder, link), online resolution (resolve,
merge, split, block a value), people created holding identifiers, reading a person's
identifiers and the merge audit, and the batch recompute on an engine the caller opened.

Other packages import this module, ``identity.events`` or ``identity.contracts`` only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.identity.contracts import IdentityType
from liveloop.identity.extract import event_identifiers
from liveloop.identity.identifiers import (
    PLACEHOLDERS,
    IdentityConflict,
    InvalidIdentifier,
    holder,
    holder_of,
    is_placeholder,
    link,
    normalise,
)
from liveloop.identity.models import Identity, IdentityMerge
from liveloop.identity.resolve import (
    AlreadySplit,
    MergeNotFound,
    Resolution,
    block_value,
    resolve,
    split,
)
from liveloop.profiles import service as profiles

if TYPE_CHECKING:
    from liveloop.identity.batch.engine import Engine
    from liveloop.identity.batch.run import OneIdRun

__all__ = [
    "PLACEHOLDERS",
    "AlreadySplit",
    "HeldIdentifier",
    "IdentityConflict",
    "InvalidIdentifier",
    "MergeNotFound",
    "MergeRecord",
    "Resolution",
    "block_value",
    "create_customer_with_identities",
    "find_person",
    "holder",
    "holder_of",
    "identifiers_of",
    "is_placeholder",
    "link",
    "list_merges",
    "normalise",
    "recompute_people",
    "resolve",
    "split",
]


@dataclass(frozen=True)
class HeldIdentifier:
    """An identifier a person holds."""

    type: str
    value: str
    first_seen_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True)
class MergeRecord:
    """One merge from the audit, its people by OneID."""

    id: int
    survivor_oneid: str
    merged_oneid: str
    evidence: dict[str, Any]
    moved_identifiers: int
    merged_at: datetime
    split_at: datetime | None


def find_person(
    session: Session,
    user_id: str | None,
    anonymous_id: str | None,
    context: Mapping[str, Any],
) -> int | None:
    """The living person an event's identifiers already name, without resolving anything (no
    new person, no link, no merge): what the live room asks of a viewer the profiles consumer
    has not reached yet."""
    for kind, raw in event_identifiers(user_id, anonymous_id, {}, context):
        try:
            value = normalise(kind, raw)
        except InvalidIdentifier:
            continue
        found = holder(session, kind, value)
        if found is not None:
            return profiles.survivor_of(session, found)
    return None


def create_customer_with_identities(
    session: Session,
    spec: profiles.NewCustomer,
    identities: Mapping[IdentityType, str],
    now: datetime,
    source: str,
) -> int:
    """Create a person (``profiles.create_customer``, which logs ``Customer Created``) holding
    these identifiers; each is normalised first. Returns the id; ``IdentityConflict`` when one
    already belongs to someone else."""
    customer_id = profiles.create_customer(session, spec, now, source)
    for kind, value in identities.items():
        link(session, customer_id, kind, normalise(kind, value), now)
    session.flush()
    return customer_id


def identifiers_of(session: Session, customer_id: int) -> list[HeldIdentifier]:
    """The identifiers a person holds, by type."""
    return [
        HeldIdentifier(i.type, i.value, i.first_seen_at, i.last_seen_at)
        for i in session.scalars(
            select(Identity)
            .where(Identity.customer_id == customer_id)
            .order_by(Identity.type, Identity.id)
        )
    ]


def list_merges(session: Session, *, limit: int, before: int | None = None) -> list[MergeRecord]:
    """The merge audit, newest first; ``before`` pages on by merge id."""
    query = select(IdentityMerge).order_by(IdentityMerge.id.desc()).limit(limit)
    if before is not None:
        query = query.where(IdentityMerge.id < before)
    rows = list(session.scalars(query))
    oneids = profiles.oneids_of(session, _people(rows))
    return [
        MergeRecord(
            id=r.id,
            survivor_oneid=oneids[r.survivor_id],
            merged_oneid=oneids[r.merged_id],
            evidence=r.evidence,
            moved_identifiers=len(r.moved_identities),
            merged_at=r.merged_at,
            split_at=r.split_at,
        )
        for r in rows
    ]


def _people(rows: Iterable[IdentityMerge]) -> set[int]:
    return {person for r in rows for person in (r.survivor_id, r.merged_id)}


# The 360° view shows a person's identifiers; profiles sits below identity, so identity hands
# it the reader (see profiles.view.read_identifiers_with).
profiles.read_identifiers_with(identifiers_of)


def recompute_people(
    engine: Engine,
    sim_dir: Path,
    *,
    blocklist: Iterable[tuple[str, str]] = (),
    out: Path | None = None,
    score: bool = True,
) -> OneIdRun:
    """Every person recomputed from a brand's exports (``liveloop identity recompute``), on the
    analytics engine the caller opened; ``out`` gets the results as Parquet, and the run is
    scored when the directory holds the simulator's truth. Loaded when used: a serving process
    never imports the batch."""
    from liveloop.identity.batch.run import recompute_exports

    return recompute_exports(engine, sim_dir, blocklist=blocklist, out=out, score=score)


# -- what other domains read of the identity graph


def first_value(session: Session, customer_id: int, kind: IdentityType | str) -> str | None:
    """The person's first identifier of ``kind`` (their phone for SMS …)."""
    return session.scalar(
        select(Identity.value)
        .where(Identity.customer_id == customer_id, Identity.type == str(kind))
        .order_by(Identity.id)
        .limit(1)
    )


def first_values(
    session: Session, customer_ids: Iterable[int], kind: IdentityType | str
) -> dict[int, str]:
    """``first_value`` for many people at once."""
    ids = sorted(set(customer_ids))
    found: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        for person, value in session.execute(
            select(Identity.customer_id, Identity.value)
            .where(Identity.customer_id.in_(ids[start : start + 500]), Identity.type == str(kind))
            .order_by(Identity.id)
        ):
            found.setdefault(person, value)
    return found
