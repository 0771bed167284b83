"""A show's shelf (购物车): the catalog products it sells, each at a live price with the stock
allocated to the show, in the order the host presents them, and whether it is on the shelf.

Invariants: one item per show and SKU; a SKU is a product commerce sells (active in the
catalog); the live price is more than ¥0 and at most the list price — a live price is a
discount from the catalog's, never a mark-up shown beside a crossed-out "original" price;
allocated stock is a whole number ≥ 0. ``set_shelf`` replaces the whole shelf in the caller's
transaction: every item is checked before anything is written, and items keep their row
(and id) by SKU. An ended or cancelled show's shelf is history and is not changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.live.errors import LiveConflict, LiveRefused, UnknownShow
from liveloop.live.models import LiveSession, LiveStatus, ShelfItem
from liveloop.store.base import to_money

MAX_ITEMS = 100
MAX_STOCK = 10_000_000
CLOSED = (LiveStatus.ENDED, LiveStatus.CANCELLED)


@dataclass(frozen=True)
class ShelfItemSpec:
    sku: str
    live_price: Decimal
    stock: int  # allocated to the show
    on_shelf: bool = True


@dataclass(frozen=True)
class ShelfItemView:
    sku: str
    name: str
    list_price: Decimal  # the catalog price
    live_price: Decimal
    stock: int  # allocated to the show (the stock-out projection counts down from it)
    position: int  # 1 = first on the shelf
    on_shelf: bool


def open_show(session: Session, live_session_id: int, rooms: frozenset[str] | None) -> LiveSession:
    """The show whose shelf or offers change: it must exist (in ``rooms``) and not be over."""
    show = session.get(LiveSession, live_session_id)
    if show is None or (rooms is not None and show.room not in rooms):
        raise UnknownShow(f"没有这场直播 {live_session_id} (no show {live_session_id})")
    if show.status in CLOSED:
        raise LiveConflict(
            f"这场直播已{'结束' if show.status == LiveStatus.ENDED else '取消'},不能再改 "
            f"(show {live_session_id} is {show.status})"
        )
    return show


def _price(sku: str, value: Decimal, list_price: Decimal) -> Decimal:
    try:
        finite = isinstance(value, Decimal | int) and Decimal(value).is_finite()
    except InvalidOperation:
        finite = False
    if not finite or isinstance(value, bool):
        raise LiveRefused(f"{sku} 的直播价需要是金额,如 39.90 ({sku}: live_price is yuan)")
    value = Decimal(value)
    if value != value.quantize(Decimal("0.01")):
        raise LiveRefused(f"{sku} 的直播价最多两位小数 ({sku}: at most 2 decimal places)")
    if value <= 0:
        raise LiveRefused(f"{sku} 的直播价需要大于 0 ({sku}: live_price must be > 0)")
    if value > list_price:
        raise LiveRefused(
            f"{sku} 的直播价 ¥{value} 高于原价 ¥{list_price} "
            f"({sku}: live_price may not exceed the list price)"
        )
    return to_money(value)


def _stock(sku: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_STOCK:
        raise LiveRefused(
            f"{sku} 的直播库存需要是 0-{MAX_STOCK:,} 的整数 ({sku}: stock 0-{MAX_STOCK})"
        )
    return value


def set_shelf(
    session: Session,
    live_session_id: int,
    items: Sequence[ShelfItemSpec],
    rooms: frozenset[str] | None = None,
) -> list[ShelfItemView]:
    """Replace the show's shelf with ``items``, in their order."""
    show = open_show(session, live_session_id, rooms)
    if len(items) > MAX_ITEMS:
        raise LiveRefused(f"货架最多 {MAX_ITEMS} 个商品 (at most {MAX_ITEMS} items)")
    skus = [item.sku for item in items]
    repeated = sorted({sku for sku in skus if skus.count(sku) > 1})
    if repeated:
        raise LiveRefused(
            f"货架上商品重复:{', '.join(repeated)} (a SKU is listed twice: {', '.join(repeated)})"
        )
    products = commerce.products_by_sku(session, skus, active_only=True)
    unknown = [sku for sku in skus if sku not in products]
    if unknown:
        raise LiveRefused(
            f"商品不存在或已下架:{', '.join(unknown)} (unknown SKU: {', '.join(unknown)})"
        )
    checked = [
        (
            item.sku,
            _price(item.sku, item.live_price, products[item.sku].price),
            _stock(item.sku, item.stock),
            bool(item.on_shelf),
        )
        for item in items
    ]
    existing = {
        row.sku: row
        for row in session.scalars(select(ShelfItem).where(ShelfItem.live_session_id == show.id))
    }
    for sku in existing.keys() - set(skus):
        session.delete(existing.pop(sku))
    for position, (sku, price, stock, on_shelf) in enumerate(checked, start=1):
        row = existing.get(sku)
        if row is None:
            row = ShelfItem(live_session_id=show.id, sku=sku)
            session.add(row)
        row.live_price, row.stock, row.position, row.on_shelf = price, stock, position, on_shelf
    session.flush()
    return shelf_of(session, show.id)


def set_on_shelf(
    session: Session,
    live_session_id: int,
    sku: str,
    on_shelf: bool,
    rooms: frozenset[str] | None = None,
) -> ShelfItemView:
    """Put one shelf item on or off the shelf (the host console's 上架 / 下架)."""
    show = open_show(session, live_session_id, rooms)
    row = session.scalars(
        select(ShelfItem).where(ShelfItem.live_session_id == show.id, ShelfItem.sku == sku)
    ).one_or_none()
    if row is None:
        raise LiveRefused(f"{sku} 不在这场直播的货架上 ({sku} is not on the show's shelf)")
    row.on_shelf = bool(on_shelf)
    session.flush()
    return next(item for item in shelf_of(session, show.id) if item.sku == sku)


def shelf_of(session: Session, live_session_id: int) -> list[ShelfItemView]:
    """The show's shelf in order (empty for a show with none or no such show)."""
    rows = list(
        session.scalars(
            select(ShelfItem)
            .where(ShelfItem.live_session_id == live_session_id)
            .order_by(ShelfItem.position, ShelfItem.id)
        )
    )
    products = commerce.products_by_sku(session, [row.sku for row in rows])
    return [
        ShelfItemView(
            sku=row.sku,
            name=products[row.sku].name if row.sku in products else row.sku,
            list_price=products[row.sku].price if row.sku in products else row.live_price,
            live_price=row.live_price,
            stock=row.stock,
            position=row.position,
            on_shelf=row.on_shelf,
        )
        for row in rows
    ]
