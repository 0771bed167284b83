"""Recipes and reviews as customers submit them, and likes on recipes.

A recipe names the products it uses by SKU (commerce's catalog) and its photos by attachment
reference (the mini-program uploads the picture elsewhere and sends its reference); a review
is of one line of the reviewer's own paid order, rated 1–5. Every submission meets the
pre-check (``ugc.precheck``) and waits for a moderator: nothing is public until approved.

A retried submission is the same item: a recipe by its ``client_ref`` (the mini-program's own
id for the draft), a review by its order line; the same content answers with the item
(``created`` False), other content is a 409.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.commerce.contracts import COUNTED_STATUSES
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.profiles import service as profiles
from liveloop.ugc import events
from liveloop.ugc.contracts import UgcConflict, UgcKind, UgcRefused, UgcStatus, UnknownUgc
from liveloop.ugc.models import UgcItem, UgcLike
from liveloop.ugc.precheck import PreCheck, precheck

TEXT = re.compile(NO_CONTROL_CHARS)
REF = re.compile(r"^[A-Za-z0-9_.:/-]{1,200}$")
CLIENT_REF = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_PHOTOS = 9  # a WeChat post holds nine pictures
MAX_SKUS = 20
# A review may be written once the order is paid and still stands (not cancelled or refunded).
REVIEWABLE = frozenset(COUNTED_STATUSES)


@dataclass(frozen=True)
class ItemView:
    id: int
    kind: UgcKind
    customer_id: int
    title: str | None
    body: str
    skus: tuple[str, ...]
    photos: tuple[str, ...]
    order_no: str | None
    sku: str | None
    rating: int | None
    status: UgcStatus
    flags: tuple[str, ...]
    hits: tuple[str, ...]
    likes: int
    submitted_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    reason: str | None
    created: bool = False  # whether this call made it (False: a retry found it)


def view(row: UgcItem) -> ItemView:
    return ItemView(
        id=row.id,
        kind=UgcKind(row.kind),
        customer_id=row.customer_id,
        title=row.title,
        body=row.body,
        skus=tuple(row.skus or ()),
        photos=tuple(row.photos or ()),
        order_no=row.order_no,
        sku=row.sku,
        rating=row.rating,
        status=UgcStatus(row.status),
        flags=tuple(row.flags or ()),
        hits=tuple(row.hits or ()),
        likes=row.likes,
        submitted_at=row.submitted_at,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
        reason=row.reason,
    )


def _text(value: str, name: str, low: int, high: int) -> str:
    value = value.strip()
    if not low <= len(value) <= high or not TEXT.fullmatch(value):
        raise UgcRefused(f"{name}需 {low}-{high} 个字 ({name} of {low}-{high} characters)")
    return value


def _photos(photos: Sequence[str]) -> list[str]:
    if len(photos) > MAX_PHOTOS:
        raise UgcRefused(f"最多 {MAX_PHOTOS} 张图片 (at most {MAX_PHOTOS} photos)")
    bad = [p for p in photos if not REF.fullmatch(p)]
    if bad:
        raise UgcRefused("图片引用格式不对 (a photo reference is malformed)")
    return list(dict.fromkeys(photos))


def person_of(session: Session, customer_id: int) -> int:
    """The survivor of a known customer (a merged one answers with whom it merged into)."""
    if not profiles.exists(session, customer_id):
        raise UnknownUgc(f"没有这位顾客 (no customer {customer_id})")
    return profiles.survivor_of(session, customer_id)


def submit_recipe(
    session: Session,
    *,
    customer_id: int,
    title: str,
    body: str,
    skus: Sequence[str] = (),
    photos: Sequence[str] = (),
    client_ref: str | None = None,
    at: datetime,
    source: str,
) -> ItemView:
    """A customer's recipe, pre-checked and queued for moderation (``Recipe Submitted``)."""
    person = person_of(session, customer_id)
    title = _text(title, "标题", 2, 64)
    body = _text(body, "正文", 10, 5000)
    wanted = list(dict.fromkeys(s.strip() for s in skus if s.strip()))
    if len(wanted) > MAX_SKUS:
        raise UgcRefused(f"最多关联 {MAX_SKUS} 个商品 (at most {MAX_SKUS} products)")
    known = commerce.products_by_sku(session, wanted)
    missing = [s for s in wanted if s not in known]
    if missing:
        raise UgcRefused(f"没有商品 {'、'.join(missing)} (unknown SKU)")
    pictures = _photos(photos)
    if client_ref is not None and not CLIENT_REF.fullmatch(client_ref):
        raise UgcRefused("提交编号只能用字母、数字、_ . : - (client_ref is 1-64 of A-Z 0-9 _.:-)")
    content = (UgcKind.RECIPE.value, person, title, body, wanted, pictures, None)
    key = (UgcItem.client_ref == client_ref,)
    clash = f"提交编号 {client_ref} 已用于另一篇内容"
    if client_ref is not None and (retry := _known(session, key, content, clash)) is not None:
        return retry
    row = _queued(
        precheck(title, body),
        at,
        source,
        kind=UgcKind.RECIPE,
        customer_id=person,
        client_ref=client_ref,
        title=title,
        body=body,
        skus=wanted,
        photos=pictures,
    )
    if not insert_once(session, row):  # a concurrent retry won the client_ref
        return _same(session.scalars(select(UgcItem).where(*key)).one(), content, clash)
    events.recipe_submitted(
        session,
        at=at,
        source=source,
        item_id=row.id,
        customer_id=person,
        title=title,
        skus=wanted,
        photos=len(pictures),
        flags=row.flags,
    )
    return replace(view(row), created=True)


def submit_review(
    session: Session,
    *,
    customer_id: int,
    order_no: str,
    sku: str,
    rating: int,
    body: str,
    photos: Sequence[str] = (),
    at: datetime,
    source: str,
) -> ItemView:
    """A customer's review of a line of their own paid order, pre-checked and queued
    (``Review Submitted``); one per order line."""
    person = person_of(session, customer_id)
    if not 1 <= rating <= 5:
        raise UgcRefused("评分应为 1-5 星 (a rating is 1-5)")
    body = _text(body, "评价", 2, 2000)
    pictures = _photos(photos)
    order = commerce.get_order(session, order_no)
    if order is None:
        raise UnknownUgc(f"没有订单 {order_no} (no such order)")
    if profiles.survivor_of(session, order.customer_id) != person:
        raise UgcConflict("只能评价自己的订单 (the order is someone else's)")
    if sku not in {line.sku for line in order.lines}:
        raise UgcRefused(f"订单里没有商品 {sku} (the order has no such line)")
    if order.status not in REVIEWABLE:
        raise UgcConflict("订单付款后且未退款才能评价 (only a paid order that stands is reviewed)")
    content: tuple[Any, ...] = (UgcKind.REVIEW.value, person, None, body, [], pictures, rating)
    line = (UgcItem.order_no == order_no, UgcItem.sku == sku)
    clash = "这件商品已评价过 (the line is reviewed already)"
    if (known := _known(session, line, content, clash)) is not None:
        return known
    row = _queued(
        precheck(body),
        at,
        source,
        kind=UgcKind.REVIEW,
        customer_id=person,
        body=body,
        skus=[],
        photos=pictures,
        order_no=order_no,
        sku=sku,
        rating=rating,
    )
    if not insert_once(session, row):  # a concurrent retry won the order line
        return _same(session.scalars(select(UgcItem).where(*line)).one(), content, clash)
    events.review_submitted(
        session,
        at=at,
        source=source,
        item_id=row.id,
        customer_id=person,
        order_no=order_no,
        sku=sku,
        rating=rating,
        flags=row.flags,
    )
    return replace(view(row), created=True)


def _queued(found: PreCheck, at: datetime, source: str, **fields: Any) -> UgcItem:
    """A new submission waiting for a moderator, with what the pre-check found."""
    return UgcItem(
        **fields,
        status=UgcStatus.SUBMITTED,
        flags=[f.value for f in found.flags],
        hits=list(found.hits),
        likes=0,
        submitted_at=at,
        source=source[:64],
    )


def insert_once(session: Session, row: object) -> bool:
    """Whether ``row`` was inserted; False when a unique key was taken meanwhile (nothing
    written, the session still usable)."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


def _known(
    session: Session, key: Sequence[Any], content: tuple[object, ...], clash: str
) -> ItemView | None:
    """The item already holding ``key`` (a retry: its content must be the same), or None."""
    row = session.scalars(select(UgcItem).where(*key)).first()
    return None if row is None else _same(row, content, clash)


def _same(row: UgcItem, content: tuple[object, ...], clash: str) -> ItemView:
    mine = (
        row.kind,
        row.customer_id,
        row.title,
        row.body,
        list(row.skus),
        list(row.photos),
        row.rating,
    )
    if mine != content:
        raise UgcConflict(f"{clash} (the same reference with other content)")
    return view(row)


def item_row(session: Session, item_id: int) -> UgcItem:
    row = session.get(UgcItem, item_id)
    if row is None:
        raise UnknownUgc(f"没有这条内容 {item_id} (no such recipe or review)")
    return row


def get_item(session: Session, item_id: int) -> ItemView:
    return view(item_row(session, item_id))


def list_items(
    session: Session,
    *,
    kind: UgcKind | None = None,
    status: UgcStatus | None = None,
    customer_id: int | None = None,
    sku: str | None = None,
    limit: int = 50,
    before: int | None = None,
) -> list[ItemView]:
    """Items newest first; ``sku`` finds reviews of it and recipes using it."""
    query = select(UgcItem)
    if kind is not None:
        query = query.where(UgcItem.kind == kind)
    if status is not None:
        query = query.where(UgcItem.status == status)
    if customer_id is not None:
        query = query.where(UgcItem.customer_id == customer_id)
    if before is not None:
        query = query.where(UgcItem.id < before)
    if sku is not None:
        # The JSON list is read here, not in SQL: one shape on SQLite and PostgreSQL.
        rows = session.scalars(query.order_by(UgcItem.id.desc()))
        found = [r for r in rows if r.sku == sku or sku in (r.skus or ())]
        return [view(r) for r in found[:limit]]
    return [view(r) for r in session.scalars(query.order_by(UgcItem.id.desc()).limit(limit))]


@dataclass(frozen=True)
class Liked:
    item_id: int
    likes: int
    created: bool  # False: this person had liked it already


def like_recipe(
    session: Session, item_id: int, *, customer_id: int, at: datetime, source: str
) -> Liked:
    """A person likes an approved recipe, once (a repeat changes nothing); ``Recipe Liked``."""
    person = person_of(session, customer_id)
    row = item_row(session, item_id)
    if row.kind != UgcKind.RECIPE or row.status != UgcStatus.APPROVED:
        raise UgcConflict("只能给已发布的食谱点赞 (only a published recipe is liked)")
    if not insert_once(session, UgcLike(item_id=item_id, customer_id=person, liked_at=at)):
        return Liked(item_id, row.likes, False)
    session.execute(
        update(UgcItem).where(UgcItem.id == item_id).values(likes=UgcItem.likes + 1),
        execution_options={"synchronize_session": False},
    )
    session.refresh(row, ["likes"])
    events.recipe_liked(
        session,
        at=at,
        source=source,
        item_id=item_id,
        customer_id=person,
        author_id=row.customer_id,
    )
    return Liked(item_id, row.likes, True)
