"""Offers prepared for a show: coupons and 福袋 (lucky bags) the host pushes on air.

A coupon offer gives a coupon of a commerce coupon template; a 福袋 gives either a coupon of a
template or a prize product, to viewers who meet its conditions — a 口令 comment
(``comment_keyword``) and/or watching at least ``watch_minutes`` — and a 福袋 needs at least one
condition (one for everyone is a coupon push, not a lucky bag). A template must exist, be
switched on, not be past its validity and have ``quantity`` coupons left to issue.

Invariants: one offer per show and title; ``set_offers`` replaces the show's offers in the
caller's transaction after checking them all, keeping an offer's row (and id, which the host
console's push action names) by title. An ended or cancelled show's offers are history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.live.contracts import OfferKind
from liveloop.live.errors import LiveRefused
from liveloop.live.models import PreparedOffer
from liveloop.live.rooms import check_text
from liveloop.live.shelf import open_show

MAX_OFFERS = 50
MAX_QUANTITY = 1_000_000
MAX_WATCH_MINUTES = 600
KIND_NAMES = {OfferKind.COUPON: "优惠券", OfferKind.LUCKY_BAG: "福袋"}


@dataclass(frozen=True)
class OfferConditions:
    comment_keyword: str | None = None  # 口令: the comment that enters a viewer
    watch_minutes: int | None = None  # watched at least this long

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}


@dataclass(frozen=True)
class OfferSpec:
    kind: OfferKind
    title: str
    quantity: int
    coupon_template: str | None = None  # a commerce coupon template's code
    prize_sku: str | None = None  # a 福袋's prize product, instead of a coupon
    conditions: OfferConditions = field(default_factory=OfferConditions)


@dataclass(frozen=True)
class OfferView:
    id: int
    kind: OfferKind
    title: str
    quantity: int
    coupon_template: str | None
    coupon_name: str | None
    prize_sku: str | None
    prize_name: str | None
    conditions: Mapping[str, Any]
    position: int


def _kind(value: OfferKind | str) -> OfferKind:
    try:
        return OfferKind(value)
    except ValueError:
        raise LiveRefused(f"未知的权益类型 {value!r} (kind is coupon or lucky_bag)") from None


def _conditions(title: str, kind: OfferKind, given: OfferConditions) -> dict[str, Any]:
    keyword, minutes = given.comment_keyword, given.watch_minutes
    if keyword is not None:
        keyword = check_text(keyword, f"「{title}」的口令 (comment_keyword)", 20)
    if minutes is not None and (
        isinstance(minutes, bool)
        or not isinstance(minutes, int)
        or not 1 <= minutes <= MAX_WATCH_MINUTES
    ):
        raise LiveRefused(
            f"「{title}」的观看时长需要 1-{MAX_WATCH_MINUTES} 分钟 (watch_minutes: 1-600)"
        )
    if kind is OfferKind.LUCKY_BAG and keyword is None and minutes is None:
        raise LiveRefused(
            f"福袋「{title}」需要参与条件:口令或观看时长 "
            "(a lucky bag needs comment_keyword or watch_minutes)"
        )
    return OfferConditions(keyword, minutes).as_dict()


def _template(session: Session, title: str, code: str, quantity: int, now: datetime) -> None:
    if not commerce.has_coupon_template(session, code):
        raise LiveRefused(f"「{title}」的优惠券模板 {code} 不存在 (unknown coupon template {code})")
    template = commerce.get_template(session, code)
    if not template.active:
        raise LiveRefused(f"优惠券模板 {code} 已停用 (coupon template {code} is switched off)")
    if template.ends_at is not None and template.ends_at <= now:
        raise LiveRefused(f"优惠券模板 {code} 已过期 (coupon template {code} has ended)")
    if template.total_limit is not None:
        left = template.total_limit - template.issued_count
        if quantity > left:
            raise LiveRefused(
                f"优惠券模板 {code} 只剩 {left} 张,不够「{title}」的 {quantity} 份 "
                f"(template {code} has {left} coupons left)"
            )


def _check(session: Session, spec: OfferSpec, now: datetime) -> tuple[Any, ...]:
    kind = _kind(spec.kind)
    title = check_text(spec.title, "权益标题 (title)")
    quantity = spec.quantity
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise LiveRefused(f"「{title}」的数量需要整数 (quantity: an integer)")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise LiveRefused(f"「{title}」的数量需要 1-{MAX_QUANTITY:,} (quantity: 1-{MAX_QUANTITY})")
    template, prize = spec.coupon_template, spec.prize_sku
    if kind is OfferKind.COUPON and (template is None or prize is not None):
        raise LiveRefused(
            f"优惠券「{title}」需要优惠券模板,且没有奖品商品 "
            "(a coupon offer names coupon_template and no prize_sku)"
        )
    if kind is OfferKind.LUCKY_BAG and (template is None) == (prize is None):
        raise LiveRefused(
            f"福袋「{title}」的奖品是一张优惠券或一个商品,二选一 "
            "(a lucky bag names coupon_template or prize_sku, one of them)"
        )
    if template is not None:
        _template(session, title, template, quantity, now)
    if prize is not None and not commerce.products_by_sku(session, [prize], active_only=True):
        raise LiveRefused(f"奖品商品 {prize} 不存在或已下架 (unknown prize SKU {prize})")
    conditions = _conditions(title, kind, spec.conditions)
    return kind, title, quantity, template, prize, conditions


def set_offers(
    session: Session,
    live_session_id: int,
    offers: Sequence[OfferSpec],
    now: datetime,
    rooms: frozenset[str] | None = None,
) -> list[OfferView]:
    """Replace the show's prepared offers with ``offers``, in their order."""
    show = open_show(session, live_session_id, rooms)
    if len(offers) > MAX_OFFERS:
        raise LiveRefused(f"每场直播最多准备 {MAX_OFFERS} 个权益 (at most {MAX_OFFERS} offers)")
    checked = [_check(session, spec, now) for spec in offers]
    titles = [c[1] for c in checked]
    repeated = sorted({t for t in titles if titles.count(t) > 1})
    if repeated:
        raise LiveRefused(f"权益标题重复:{'、'.join(repeated)} (an offer title is repeated)")
    existing = {
        row.title: row
        for row in session.scalars(
            select(PreparedOffer).where(PreparedOffer.live_session_id == show.id)
        )
    }
    for title in existing.keys() - set(titles):
        session.delete(existing.pop(title))
    for position, (kind, title, quantity, template, prize, conditions) in enumerate(
        checked, start=1
    ):
        row = existing.get(title)
        if row is None:
            row = PreparedOffer(live_session_id=show.id, title=title)
            session.add(row)
        row.kind, row.quantity, row.position = kind.value, quantity, position
        row.coupon_template, row.prize_sku, row.conditions = template, prize, conditions
    session.flush()
    return offers_of(session, show.id)


def offers_of(session: Session, live_session_id: int) -> list[OfferView]:
    """The show's prepared offers in order."""
    rows = list(
        session.scalars(
            select(PreparedOffer)
            .where(PreparedOffer.live_session_id == live_session_id)
            .order_by(PreparedOffer.position, PreparedOffer.id)
        )
    )
    prizes = commerce.products_by_sku(session, [r.prize_sku for r in rows if r.prize_sku])
    names: dict[str, str] = {}
    for code in {r.coupon_template for r in rows if r.coupon_template}:
        if commerce.has_coupon_template(session, code):
            names[code] = commerce.get_template(session, code).name
    return [
        OfferView(
            id=row.id,
            kind=OfferKind(row.kind),
            title=row.title,
            quantity=row.quantity,
            coupon_template=row.coupon_template,
            coupon_name=names.get(row.coupon_template) if row.coupon_template else None,
            prize_sku=row.prize_sku,
            prize_name=prizes[row.prize_sku].name if row.prize_sku in prizes else None,
            conditions=dict(row.conditions or {}),
            position=row.position,
        )
        for row in rows
    ]
