"""KOC scores: how much a customer moves other customers (a Key Opinion Consumer), 0–100, in
three parts, refreshed by the analytics run (the ``koc`` job) and kept in ``koc_scores``.

All three read the 90 days before the run (``WINDOW``), except expertise, which a person keeps:

- **influence** — invites and shares that converted. A share link or invite carries the
  sharer's OneID, and whatever the invitee's app then tracks carries it in Segment's
  ``context.referrer`` (``{"type": "oneid", "id": "<the sharer's OneID>"}``): a ``Live Joined``
  from a live invite, a ``Product Viewed`` from a shared product page, an ``Order Completed``
  from a shared checkout. Each other person who arrived through someone's link counts once for
  them; they *converted* when they completed an order within ``CONVERT_DAYS`` of arriving.
  ``raw = converted + 0.25 × arrived-but-not-converted``.
- **expertise** — approved recipes (2 each), likes those recipes received (0.5 each), approved
  reviews (0.5 each). Answered questions would count here once community records them; the
  log holds none today.
- **activity** — recent recipes and reviews submitted (2 each), votes (1), likes given (0.5),
  shares (``Live Shared``, ``Recipe Shared``: 0.5) and live comments (0.2).

Each part is ``100 × (1 − e^(−raw / scale))`` — the first few conversions matter most, and no
one part runs away — and the score is ``0.5 × influence + 0.3 × expertise + 0.2 × activity``,
rounded: a KOC (``KOC_THRESHOLD``, 60) brings people *and* knows the products or takes part.
A person crossing the threshold is recognised (``KOC Recognised``) and tagged ``KOC`` on their
profile (``model:koc``); one falling below is no longer recognised and loses the tag; crossing
again is a new recognition.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from liveloop import spec
from liveloop.loyalty import events as loyalty_events
from liveloop.profiles import service as profiles
from liveloop.store.eventlog import Event
from liveloop.ugc import events
from liveloop.ugc.contracts import KOC_THRESHOLD, KocParts, UgcKind, UgcStatus
from liveloop.ugc.models import KocScore, UgcItem, UgcLike, UgcVote

WINDOW = timedelta(days=90)
CONVERT_DAYS = 30
REFERRER_TYPE = "oneid"
SCALES = {"influence": 3.0, "expertise": 8.0, "activity": 10.0}
WEIGHTS = {"influence": 0.5, "expertise": 0.3, "activity": 0.2}
TAG, TAG_SOURCE = "KOC", "model:koc"
SHARES = (spec.LIVE_SHARED, loyalty_events.RECIPE_SHARED)


@dataclass(frozen=True)
class Refreshed:
    scored: int
    recognised: int  # newly recognised this run
    kocs: int  # recognised now


def curve(raw: float, scale: float) -> int:
    return round(100 * (1 - math.exp(-raw / scale))) if raw > 0 else 0


def parts_of(counts: dict[str, float]) -> dict[str, int]:
    """The three parts from a person's counts (the module's definition)."""
    influence = counts.get("converted", 0) + 0.25 * (
        counts.get("referred", 0) - counts.get("converted", 0)
    )
    expertise = (
        2 * counts.get("approved_recipes", 0)
        + 0.5 * counts.get("likes_received", 0)
        + 0.5 * counts.get("approved_reviews", 0)
    )
    activity = (
        2 * counts.get("submitted", 0)
        + counts.get("votes", 0)
        + 0.5 * counts.get("likes_given", 0)
        + 0.5 * counts.get("shares", 0)
        + 0.2 * counts.get("comments", 0)
    )
    raw = {"influence": influence, "expertise": expertise, "activity": activity}
    return {name: curve(value, SCALES[name]) for name, value in raw.items()}


def score_of(parts: dict[str, int]) -> int:
    return round(sum(WEIGHTS[name] * value for name, value in parts.items()))


def gather(session: Session, as_of: datetime) -> dict[int, dict[str, float]]:
    """Every person's counts, by the survivor of any merge."""
    start = as_of - WINDOW
    alive = profiles.current_people(session)
    survivors: dict[int, int] = {}

    def person(customer_id: int | None) -> int:
        # Every query below reads only events that name a person.
        if customer_id is None:
            raise ValueError("an event without a person")
        if customer_id in alive:
            return customer_id
        if customer_id not in survivors:
            survivors[customer_id] = profiles.survivor_of(session, customer_id)
        return survivors[customer_id]

    counts: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for who, key, n in _referrals(session, start, as_of, person):
        counts[who][key] += n
    named = {
        spec.LIVE_COMMENT_POSTED: "comments",
        **dict.fromkeys(SHARES, "shares"),
    }
    for customer, name, n in session.execute(
        select(Event.customer_id, Event.name, func.count())
        .where(
            Event.name.in_(list(named)),
            Event.timestamp >= start,
            Event.timestamp <= as_of,
            Event.customer_id.is_not(None),
        )
        .group_by(Event.customer_id, Event.name)
    ):
        counts[person(customer)][named[str(name)]] += n
    approved = (UgcItem.status == UgcStatus.APPROVED,)
    for customer, kind, n, likes in session.execute(
        select(UgcItem.customer_id, UgcItem.kind, func.count(), func.sum(UgcItem.likes))
        .where(*approved)
        .group_by(UgcItem.customer_id, UgcItem.kind)
    ):
        who = person(customer)
        if kind == UgcKind.RECIPE:
            counts[who]["approved_recipes"] += n
            counts[who]["likes_received"] += int(likes or 0)
        else:
            counts[who]["approved_reviews"] += n
    recent = (UgcItem.submitted_at >= start, UgcItem.submitted_at <= as_of)
    for customer, n in session.execute(
        select(UgcItem.customer_id, func.count()).where(*recent).group_by(UgcItem.customer_id)
    ):
        counts[person(customer)]["submitted"] += n
    for model, column, at, key in (
        (UgcVote, UgcVote.customer_id, UgcVote.voted_at, "votes"),
        (UgcLike, UgcLike.customer_id, UgcLike.liked_at, "likes_given"),
    ):
        for customer, n in session.execute(
            select(column, func.count())
            .select_from(model)
            .where(at >= start, at <= as_of)
            .group_by(column)
        ):
            counts[person(customer)][key] += n
    return {who: dict(found) for who, found in counts.items()}


def _referrals(
    session: Session, start: datetime, as_of: datetime, person: Callable[[int | None], int]
) -> Iterable[tuple[int, str, int]]:
    """(sharer, "referred" | "converted", 1) for each other person who arrived through a
    sharer's link in the window (first arrival), converted when they ordered within
    ``CONVERT_DAYS`` of it."""
    referrer = Event.context["referrer"]
    ref_id, ref_type = referrer["id"].as_string(), referrer["type"].as_string()
    arrivals: dict[tuple[str, int], datetime] = {}
    for customer, sharer, first in session.execute(
        select(Event.customer_id, ref_id, func.min(Event.timestamp))
        .where(
            ref_type == REFERRER_TYPE,
            Event.timestamp >= start,
            Event.timestamp <= as_of,
            Event.customer_id.is_not(None),
        )
        .group_by(Event.customer_id, ref_id)
    ):
        if not sharer:
            continue
        key = (sharer, person(customer))
        arrivals[key] = min(first, arrivals.get(key, first))
    if not arrivals:
        return []
    sharers: dict[str, int | None] = {}
    for oneid in {s for s, _ in arrivals}:
        match = profiles.find_by_oneid(session, oneid)
        sharers[oneid] = profiles.survivor_of(session, match) if match is not None else None
    invitees = {b for _, b in arrivals}
    orders: dict[int, list[datetime]] = defaultdict(list)
    everyone = set(invitees) | {m for b in invitees for m in profiles.merged_into(session, b)}
    for customer, at in session.execute(
        select(Event.customer_id, Event.timestamp).where(
            Event.name == spec.ORDER_COMPLETED,
            Event.customer_id.in_(sorted(everyone)),
            Event.timestamp >= start,
        )
    ):
        orders[person(customer)].append(at)
    found: list[tuple[int, str, int]] = []
    for (oneid, invitee), first in arrivals.items():
        sharer = sharers[oneid]
        if sharer is None or sharer == invitee:
            continue  # nobody we know, or one's own link
        found.append((sharer, "referred", 1))
        deadline = first + timedelta(days=CONVERT_DAYS)
        if any(first <= at <= deadline for at in orders.get(invitee, ())):
            found.append((sharer, "converted", 1))
    return found


def refresh(session: Session, as_of: datetime) -> Refreshed:
    """Score everyone with any signal, store the scores, recognise new KOCs and tag them; a
    person scored before with nothing now keeps a row of zeros."""
    counts = gather(session, as_of)
    known = {row.customer_id: row for row in session.scalars(select(KocScore))}
    alive = profiles.current_people(session)
    new_kocs = 0
    kocs: list[int] = []
    for customer in sorted(set(counts) | set(known)):
        if customer not in alive:
            continue
        found = counts.get(customer, {})
        parts = parts_of(found)
        score = score_of(parts)
        row = known.get(customer)
        if row is None:
            row = KocScore(customer_id=customer, recognised=False)
            session.add(row)
        crossed = score >= KOC_THRESHOLD and not row.recognised
        row.score, row.counts, row.scored_at = score, found, as_of
        row.influence, row.expertise, row.activity = (
            parts["influence"],
            parts["expertise"],
            parts["activity"],
        )
        row.recognised = score >= KOC_THRESHOLD
        if row.recognised:
            kocs.append(customer)
        if crossed:
            row.recognised_at = as_of
            new_kocs += 1
            events.koc_recognised(session, at=as_of, customer_id=customer, score=score, parts=parts)
    gone = [c for c in known if c not in alive]
    if gone:
        session.execute(delete(KocScore).where(KocScore.customer_id.in_(gone)))
    session.flush()
    profiles.replace_model_tags(session, TAG_SOURCE, ((c, TAG) for c in kocs), as_of)
    return Refreshed(len(counts), new_kocs, len(kocs))


def view(row: KocScore) -> KocParts:
    return KocParts(
        customer_id=row.customer_id,
        score=row.score,
        influence=row.influence,
        expertise=row.expertise,
        activity=row.activity,
        counts=dict(row.counts or {}),
        recognised=row.recognised,
        recognised_at=row.recognised_at,
        scored_at=row.scored_at,
    )


def score_for(session: Session, customer_id: int) -> KocParts | None:
    row = session.get(KocScore, profiles.survivor_of(session, customer_id))
    return view(row) if row is not None else None


def top(session: Session, limit: int = 20, *, kocs_only: bool = False) -> list[KocParts]:
    query = select(KocScore).where(KocScore.score > 0)
    if kocs_only:
        query = query.where(KocScore.recognised.is_(True))
    rows = session.scalars(query.order_by(KocScore.score.desc(), KocScore.customer_id).limit(limit))
    return [view(r) for r in rows]


def kocs_among(session: Session, customer_ids: Collection[int]) -> set[int]:
    """Which of ``customer_ids`` are recognised KOCs now (one query)."""
    ids = sorted(set(customer_ids))
    if not ids:
        return set()
    return set(
        session.scalars(
            select(KocScore.customer_id).where(
                KocScore.customer_id.in_(ids), KocScore.recognised.is_(True)
            )
        )
    )
