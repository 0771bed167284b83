"""Honours: 月度之星 (the operator's pick of the month) and 最佳食谱 (the month's most-liked
approved recipe, computed here or picked by the operator), each with points.

An honour is awarded once per person per month — UNIQUE (honour, month, person) in the store —
and its points are credited through loyalty's facade under the key
``ugc-honour:{honour}:{month}:{person}`` in the same transaction, so a replayed award (a double
click, a retried request, the demo planted twice) writes no second row and credits nothing
twice. Months are the brand's calendar months (``2026-05``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveloop.loyalty import service as loyalty
from liveloop.profiles import service as profiles
from liveloop.ugc import events
from liveloop.ugc.contracts import (
    HONOUR_NAMES,
    Honour,
    UgcKind,
    UgcRefused,
    UgcStatus,
    UnknownUgc,
)
from liveloop.ugc.items import TEXT, insert_once, person_of
from liveloop.ugc.models import UgcHonour, UgcItem, UgcLike

MONTH = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
DEFAULT_POINTS = {Honour.STAR_OF_MONTH: 200, Honour.BEST_RECIPE: 300}
MAX_POINTS = 10_000


@dataclass(frozen=True)
class HonourView:
    honour: Honour
    name: str
    month: str
    customer_id: int
    item_id: int | None
    item_title: str | None
    points: int
    reason: str
    awarded_at: datetime
    awarded_by: str
    created: bool = False  # False: this award existed (a replay)


def month_of(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m")


def month_bounds(month: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a brand month, as aware datetimes."""
    found = MONTH.fullmatch(month)
    if found is None:
        raise UgcRefused(f"月份格式应为 2026-05 (a month is YYYY-MM), 不是 {month!r}")
    year, number = int(found.group(1)), int(found.group(2))
    start = datetime.combine(datetime(year, number, 1).date(), time(), tz)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following


def award_honour(
    session: Session,
    honour: Honour,
    *,
    month: str,
    customer_id: int,
    at: datetime,
    by: str,
    tz: ZoneInfo,
    points: int | None = None,
    reason: str | None = None,
    item_id: int | None = None,
) -> HonourView:
    """Award ``honour`` for ``month`` to a person with its points (``Honour Awarded``); once:
    a replay answers with the award as it is (``created`` False)."""
    month_bounds(month, tz)
    person = person_of(session, customer_id)
    points = DEFAULT_POINTS[honour] if points is None else points
    if not 0 <= points <= MAX_POINTS:
        raise UgcRefused(f"荣誉积分应为 0-{MAX_POINTS} (points of 0-{MAX_POINTS})")
    if item_id is not None:
        item = session.get(UgcItem, item_id)
        if item is None or item.kind != UgcKind.RECIPE or item.status != UgcStatus.APPROVED:
            raise UgcRefused("最佳食谱需要一篇已发布的食谱 (an approved recipe is needed)")
        if profiles.survivor_of(session, item.customer_id) != person:
            raise UgcRefused("这篇食谱不是这位顾客的 (the recipe is someone else's)")
    elif honour == Honour.BEST_RECIPE:
        raise UgcRefused("最佳食谱需要指明食谱 (best recipe names its recipe)")
    reason = (reason or f"{month} {HONOUR_NAMES[honour]}").strip()
    if len(reason) > 200 or not TEXT.fullmatch(reason):
        raise UgcRefused("理由最多 200 个字 (a reason of at most 200 characters)")
    known = _row(session, honour, month, person)
    if known is not None:
        return _view(session, known)
    row = UgcHonour(
        honour=honour,
        month=month,
        customer_id=person,
        item_id=item_id,
        points=points,
        reason=reason,
        awarded_at=at,
        awarded_by=by[:64],
    )
    if not insert_once(session, row):  # a concurrent replay won
        return _view(session, _row_or_fail(session, honour, month, person))
    if points:
        row.posting_id, _ = loyalty.adjust_points(
            session,
            customer_id=person,
            points=points,
            reason=f"{HONOUR_NAMES[honour]} {month}",
            key=honour_key(honour, month, person),
            at=at,
            by=by[:64],
            tz=tz,
        )
    events.honour_awarded(
        session,
        at=at,
        honour=honour,
        month=month,
        customer_id=person,
        points=points,
        item_id=item_id,
        by=by,
    )
    session.flush()
    return replace(_view(session, row), created=True)


def honour_key(honour: Honour | str, month: str, person: int) -> str:
    """loyalty's key for the honour's points: one per honour, month and person."""
    return f"ugc-honour:{honour}:{month}:{person}"


def most_liked_recipe(session: Session, month: str, tz: ZoneInfo) -> tuple[int, int] | None:
    """The approved recipe that gathered the most likes in ``month`` and how many (ties: the
    earlier submitted); None when no approved recipe was liked that month."""
    start, end = month_bounds(month, tz)
    found = session.execute(
        select(UgcItem.id, func.count(UgcLike.id).label("n"))
        .join(UgcLike, UgcLike.item_id == UgcItem.id)
        .where(
            UgcItem.kind == UgcKind.RECIPE,
            UgcItem.status == UgcStatus.APPROVED,
            UgcLike.liked_at >= start,
            UgcLike.liked_at < end,
        )
        .group_by(UgcItem.id, UgcItem.submitted_at)
        .order_by(func.count(UgcLike.id).desc(), UgcItem.submitted_at, UgcItem.id)
        .limit(1)
    ).first()
    return (found[0], found[1]) if found is not None else None


def award_best_recipe(
    session: Session, month: str, *, at: datetime, by: str, tz: ZoneInfo, points: int | None = None
) -> HonourView | None:
    """最佳食谱 for ``month``, computed: its author honoured for the most-liked recipe; None when
    no recipe was liked. Once: run again, it answers with the same award."""
    earlier = session.scalars(
        select(UgcHonour)
        .where(UgcHonour.honour == Honour.BEST_RECIPE, UgcHonour.month == month)
        .order_by(UgcHonour.id)
    ).first()
    if earlier is not None:
        return _view(session, earlier)
    best = most_liked_recipe(session, month, tz)
    if best is None:
        return None
    item_id, likes = best
    item = session.get_one(UgcItem, item_id)
    return award_honour(
        session,
        Honour.BEST_RECIPE,
        month=month,
        customer_id=item.customer_id,
        at=at,
        by=by,
        tz=tz,
        points=points,
        reason=f"{month} 最佳食谱《{item.title}》，获 {likes} 个赞",
        item_id=item_id,
    )


def list_honours(
    session: Session, *, month: str | None = None, limit: int = 100
) -> list[HonourView]:
    query = select(UgcHonour)
    if month is not None:
        query = query.where(UgcHonour.month == month)
    rows = session.scalars(query.order_by(UgcHonour.month.desc(), UgcHonour.id.desc()).limit(limit))
    return [_view(session, r) for r in rows]


def honours_of(session: Session, customer_id: int) -> list[HonourView]:
    rows = session.scalars(
        select(UgcHonour)
        .where(UgcHonour.customer_id == customer_id)
        .order_by(UgcHonour.month.desc(), UgcHonour.id)
    )
    return [_view(session, r) for r in rows]


def _row(session: Session, honour: Honour, month: str, person: int) -> UgcHonour | None:
    return session.scalars(
        select(UgcHonour).where(
            UgcHonour.honour == honour, UgcHonour.month == month, UgcHonour.customer_id == person
        )
    ).first()


def _row_or_fail(session: Session, honour: Honour, month: str, person: int) -> UgcHonour:
    row = _row(session, honour, month, person)
    if row is None:  # pragma: no cover - the insert failed on this very key
        raise UnknownUgc("荣誉未能记录，请重试 (the honour could not be recorded)")
    return row


def _view(session: Session, row: UgcHonour) -> HonourView:
    item = session.get(UgcItem, row.item_id) if row.item_id is not None else None
    honour = Honour(row.honour)
    return HonourView(
        honour=honour,
        name=HONOUR_NAMES[honour],
        month=row.month,
        customer_id=row.customer_id,
        item_id=row.item_id,
        item_title=item.title if item is not None else None,
        points=row.points,
        reason=row.reason,
        awarded_at=row.awarded_at,
        awarded_by=row.awarded_by,
    )
