"""Events UGC emits (docs/events.md lists each with its properties). Each names the person it
is about — the author, the voter, the honoured, the KOC — so a journey can trigger on it for
them; message ids come from the business fact, so a replay appends nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from liveloop.store.eventlog import emit

RECIPE_SUBMITTED: Final = "Recipe Submitted"
REVIEW_SUBMITTED: Final = "Review Submitted"
UGC_APPROVED: Final = "UGC Approved"
UGC_REJECTED: Final = "UGC Rejected"
RECIPE_LIKED: Final = "Recipe Liked"
POLL_VOTED: Final = "Poll Voted"
HONOUR_AWARDED: Final = "Honour Awarded"
KOC_RECOGNISED: Final = "KOC Recognised"
SOURCE: Final = "ugc"


def recipe_submitted(
    session: Session,
    *,
    at: datetime,
    source: str,
    item_id: int,
    customer_id: int,
    title: str,
    skus: Sequence[str],
    photos: int,
    flags: Sequence[str],
) -> None:
    """A customer submitted a recipe for moderation: ``ugc_id``, ``title``, ``skus``,
    ``photos`` (how many), ``flags`` (what the pre-check found)."""
    emit(
        session,
        RECIPE_SUBMITTED,
        at=at,
        source=source,
        message_id=f"ugc-submitted:{item_id}",
        customer_id=customer_id,
        properties={
            "ugc_id": item_id,
            "title": title,
            "skus": list(skus),
            "photos": photos,
            "flags": list(flags),
        },
    )


def review_submitted(
    session: Session,
    *,
    at: datetime,
    source: str,
    item_id: int,
    customer_id: int,
    order_no: str,
    sku: str,
    rating: int,
    flags: Sequence[str],
) -> None:
    """A customer reviewed a line of their order: ``ugc_id``, ``order_id``, ``sku``,
    ``rating`` (1–5), ``flags``."""
    emit(
        session,
        REVIEW_SUBMITTED,
        at=at,
        source=source,
        message_id=f"ugc-submitted:{item_id}",
        customer_id=customer_id,
        properties={
            "ugc_id": item_id,
            "order_id": order_no,
            "sku": sku,
            "rating": rating,
            "flags": list(flags),
        },
    )


def ugc_decided(
    session: Session,
    *,
    at: datetime,
    approved: bool,
    item_id: int,
    kind: str,
    customer_id: int,
    by: str,
    reason: str | None,
) -> None:
    """A moderator decided on a recipe or review (``UGC Approved`` / ``UGC Rejected``, for its
    author): ``ugc_id``, ``kind`` (``recipe`` / ``review``), ``by``, ``reason`` (a
    rejection's)."""
    emit(
        session,
        UGC_APPROVED if approved else UGC_REJECTED,
        at=at,
        source=SOURCE,
        message_id=f"ugc-decided:{item_id}",
        customer_id=customer_id,
        properties={"ugc_id": item_id, "kind": kind, "by": by}
        | ({"reason": reason} if reason else {}),
    )


def recipe_liked(
    session: Session, *, at: datetime, source: str, item_id: int, customer_id: int, author_id: int
) -> None:
    """A person liked an approved recipe: ``ugc_id``, ``author_id``."""
    emit(
        session,
        RECIPE_LIKED,
        at=at,
        source=source,
        message_id=f"ugc-liked:{item_id}:{customer_id}",
        customer_id=customer_id,
        properties={"ugc_id": item_id, "author_id": author_id},
    )


def poll_voted(
    session: Session,
    *,
    at: datetime,
    source: str,
    poll: str,
    option: str,
    customer_id: int,
) -> None:
    """A person voted in a poll (once): ``poll_id`` (its code), ``option`` (the option's key)."""
    emit(
        session,
        POLL_VOTED,
        at=at,
        source=source,
        message_id=f"poll-voted:{poll}:{customer_id}",
        customer_id=customer_id,
        properties={"poll_id": poll, "option": option},
    )


def honour_awarded(
    session: Session,
    *,
    at: datetime,
    honour: str,
    month: str,
    customer_id: int,
    points: int,
    item_id: int | None,
    by: str,
) -> None:
    """A person was given an honour: ``honour`` (``star_of_month`` / ``best_recipe``),
    ``month`` (2026-05), ``points``, ``ugc_id`` (the recipe, for 最佳食谱), ``by``."""
    emit(
        session,
        HONOUR_AWARDED,
        at=at,
        source=SOURCE,
        message_id=f"honour-awarded:{honour}:{month}:{customer_id}",
        customer_id=customer_id,
        properties={"honour": honour, "month": month, "points": points, "by": by}
        | ({"ugc_id": item_id} if item_id is not None else {}),
    )


def koc_recognised(
    session: Session,
    *,
    at: datetime,
    customer_id: int,
    score: int,
    parts: Mapping[str, int],
) -> None:
    """A person's KOC score reached the threshold (again, after falling below it):
    ``score``, ``influence``, ``expertise``, ``activity``."""
    emit(
        session,
        KOC_RECOGNISED,
        at=at,
        source=SOURCE,
        message_id=f"koc-recognised:{customer_id}:{at.date().isoformat()}",
        customer_id=customer_id,
        properties={"score": score, **parts},
    )
