"""Placing an order: its lines priced from the catalog (or a price set upstream, e.g. a live
price or a group-buy tier), its coupon priced and redeemed, its points spent, all in the
placing transaction (points through ``loyalty.service.spend_points``); the order is
``created`` and ``Order Placed`` logged.

The order number is the idempotency key: the same request again answers the order as it is
(``created=False``), the same number with other content is refused (409).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from liveloop.commerce import events
from liveloop.commerce.catalog.products import sellable_in
from liveloop.commerce.contracts import OrderStatus
from liveloop.commerce.coupons.redemption import PricedLine, mark_redeemed, price_coupon
from liveloop.commerce.models import Order, OrderItem, Product
from liveloop.commerce.orders.errors import OrderConflict, OrderRefused
from liveloop.commerce.orders.views import OrderView, _view, order_view
from liveloop.inventory import service as inventory
from liveloop.inventory.contracts import ReserveLine
from liveloop.loyalty import service as loyalty
from liveloop.profiles.service import survivor_of
from liveloop.store.base import to_money


@dataclass(frozen=True)
class OrderLine:
    sku: str
    quantity: int
    unit_price: Decimal | None = None  # the catalog price when not given


@dataclass(frozen=True)
class OrderRequest:
    """An order as a buyer places it. ``lines`` at catalog prices unless a line carries its
    own ``unit_price``; ``points`` to spend at checkout; ``address`` as
    ``{name, phone, province, city, district, detail}``; ``leader`` a community leader's code."""

    order_no: str
    customer_id: int
    lines: tuple[OrderLine, ...]
    channel: str
    coupon_code: str | None = None
    address: Mapping[str, str] | None = None
    live_session_id: int | None = None
    leader: str | None = None
    points: int = 0
    attributes: Mapping[str, Any] = field(default_factory=dict)

    def digest(self) -> str:
        """What the request says, the buyer aside (a OneID merge may rename them)."""
        said = {
            "lines": [[line.sku, line.quantity, _str(line.unit_price)] for line in self.lines],
            "channel": self.channel,
            "coupon": self.coupon_code,
            "address": dict(self.address) if self.address is not None else None,
            "live": self.live_session_id,
            "leader": self.leader,
            "points": self.points,
            "attributes": dict(self.attributes),
        }
        text = json.dumps(said, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def _str(price: Decimal | None) -> str | None:
    return str(to_money(price)) if price is not None else None


def place_order(session: Session, request: OrderRequest, *, at: datetime, source: str) -> OrderView:
    """Price and record ``request`` as a created order (see the module doc)."""
    digest = request.digest()
    existing = _existing(session, request, digest)
    if existing is not None:
        return existing
    items, products = _priced_items(session, request)
    subtotal = sum((item.amount for item in items), Decimal("0.00"))
    redemption = None
    if request.coupon_code is not None:
        redemption = price_coupon(
            session,
            request.coupon_code,
            customer_id=request.customer_id,
            order_no=request.order_no,
            lines=[
                PricedLine(line.sku, products[line.sku].category, item.amount)
                for line, item in zip(request.lines, items, strict=True)
            ],
            at=at,
        )
    coupon_discount = redemption.discount if redemption is not None else Decimal("0.00")
    if request.points < 0:
        raise OrderRefused(f"{request.order_no}: 积分不能为负 (points cannot be negative)")
    points_value = Decimal("0.00")
    if request.points > 0:
        # Points are spent below, once the order row holds its number; here they are only
        # valued (by loyalty's rate), so that the total is known before anything is written.
        points_value = _points_value(session, request)
    total = subtotal - coupon_discount - points_value
    if total < 0:
        raise OrderRefused(
            f"{request.order_no}: 优惠超过订单金额 (discount exceeds the order value)"
        )
    _reserve_stock(session, request, products, at)
    order = Order(
        order_no=request.order_no,
        customer_id=request.customer_id,
        channel=request.channel,
        status=OrderStatus.CREATED,
        subtotal=subtotal,
        discount=coupon_discount,
        coupon_discount=coupon_discount,
        points_used=request.points,
        points_value=points_value,
        total=total,
        refunded_amount=Decimal("0.00"),
        live_session_id=request.live_session_id,
        leader=request.leader,
        address=dict(request.address) if request.address is not None else None,
        request_digest=digest,
        placed_at=at,
        attributes=dict(request.attributes)
        | ({"coupon_code": redemption.code} if redemption else {}),
        items=items,
    )
    try:
        with session.begin_nested():
            _insert(session, order)
    except IntegrityError:
        # A concurrent request placed this number first: answer as for a repeat. Otherwise the
        # one reference the caller chose and nothing checked is the live session.
        found = _existing(session, request, digest)
        if found is None:
            raise OrderRefused(
                f"{request.order_no}: 没有这个直播场次 (no live session) {request.live_session_id}"
            ) from None
        return found
    if redemption is not None:
        mark_redeemed(session, redemption, request.order_no, at)
    if request.points > 0:
        _spend_points(session, request, at, points_value)
    by_sku = [products[line.sku] for line in request.lines]
    events.order_placed(
        session,
        at=at,
        source=source,
        order_no=request.order_no,
        customer_id=request.customer_id,
        subtotal=subtotal,
        discount=coupon_discount,
        points_used=request.points,
        points_value=points_value,
        total=total,
        channel=request.channel,
        products=[
            events.OrderedProduct(p.sku, item.quantity, item.unit_price, p.category)
            for p, item in zip(by_sku, items, strict=True)
        ],
        coupon_code=redemption.code if redemption else None,
        live_session_id=request.live_session_id,
        leader=request.leader,
    )
    if redemption is not None:
        events.coupon_applied(
            session,
            at=at,
            source=source,
            order_no=request.order_no,
            customer_id=request.customer_id,
            coupon_code=redemption.code,
            coupon_name=redemption.template_name,
            template=redemption.template_code,
            discount=redemption.discount,
            eligible_subtotal=redemption.eligible_subtotal,
        )
    by_id = {p.id: p for p in products.values()}
    return _view(order, by_id, []).said(created=True, changed=True)


def _insert(session: Session, order: Order) -> None:
    """Write the order and its lines with two Core INSERTs: the hot path of ``POST /v1/orders``,
    where the ORM's unit of work costs more than the statements (``bench/orders_place.py``).
    ``order`` stays a transient object the answer is read from."""
    values = {
        column.key: getattr(order, column.key)
        for column in Order.__table__.columns
        if column.key not in ("id", "updated_at") and getattr(order, column.key) is not None
    }
    # Through the connection: Core INSERTs of the tables, without the ORM's bulk-insert path
    # that ``session.execute(insert(Order))`` takes.
    connection = session.connection()
    orders, items = cast(Table, Order.__table__), cast(Table, OrderItem.__table__)
    order.id = connection.execute(insert(orders).returning(orders.c.id), values).scalar_one()
    connection.execute(
        insert(items),
        [
            {
                "order_id": order.id,
                "line_no": item.line_no,
                "product_id": item.product_id,
                "quantity": item.quantity,
                "unit_price": item.unit_price,
                "refunded_quantity": 0,
                "refunded_amount": Decimal("0.00"),
            }
            for item in order.items
        ],
    )


def _existing(session: Session, request: OrderRequest, digest: str) -> OrderView | None:
    if session.scalar(select(Order.id).where(Order.order_no == request.order_no)) is None:
        return None  # the common case, asked in the cheapest way
    order = session.scalars(
        select(Order).where(Order.order_no == request.order_no).options(selectinload(Order.items))
    ).one_or_none()
    if order is None:
        return None
    same_buyer = survivor_of(session, order.customer_id) == survivor_of(
        session, request.customer_id
    )
    if order.request_digest != digest or not same_buyer:
        raise OrderConflict(
            f"{request.order_no}: 订单号已存在且内容不同 "
            "(an order with this number exists with other content)"
        )
    return order_view(session, order).said(created=False, changed=False)


# What pricing and the answer read of a product, as plain rows (cheaper than entities).
CATALOG_COLUMNS = (
    Product.id,
    Product.sku,
    Product.name,
    Product.category,
    Product.price,
    Product.active,
    Product.shelf_life_days,
)


# ---- Stock at checkout --------------------------------------------------------------------
# A stock-tracked SKU (one with a lot in some warehouse) is held for the order in the placing
# transaction, FEFO, never more than there is (``inventory.service.reserve``); a line short of
# stock refuses the whole order (库存不足, 409) and nothing is written. Untracked SKUs are sold
# as before. A lot with less than a third of the SKU's shelf life left is not sold (三分之一原则):
# it goes to clearance instead.
def _reserve_stock(
    session: Session, request: OrderRequest, products: dict[str, Any], at: datetime
) -> None:
    tracked = inventory.tracked(session, {line.sku for line in request.lines})
    if not tracked:
        return
    inventory.reserve(
        session,
        request.order_no,
        [
            ReserveLine(
                line.sku,
                line.quantity,
                name=products[line.sku].name,
                min_remaining_days=products[line.sku].shelf_life_days // 3,
            )
            for line in request.lines
            if line.sku in tracked
        ],
        at=at,
    )


def _priced_items(
    session: Session, request: OrderRequest
) -> tuple[list[OrderItem], dict[str, Any]]:
    no = request.order_no
    if not request.lines:
        raise OrderRefused(f"{no}: 订单至少要有一个商品行 (an order needs at least one line)")
    skus = {line.sku for line in request.lines}
    products = {
        p.sku: p
        for p in session.execute(select(*CATALOG_COLUMNS).where(Product.sku.in_(sorted(skus))))
    }
    missing = skus - products.keys()
    if missing:
        raise OrderRefused(f"{no}: 没有这个商品 (unknown SKU) {', '.join(sorted(missing))}")
    off_shelf = sorted(sku for sku in skus if not products[sku].active)
    if off_shelf:
        raise OrderRefused(f"{no}: 商品已下架 (SKU not on sale) {', '.join(off_shelf)}")
    province = (request.address or {}).get("province")
    if province:  # a SKU of a regional pool goes only to its provinces (籼米 south, 粳米 north)
        outside = sellable_in(session, skus, province)
        if outside:
            raise OrderRefused(f"{no}: " + ";".join(outside[sku] for sku in sorted(outside)))
    items = []
    for line_no, line in enumerate(request.lines, start=1):
        if line.quantity <= 0:
            raise OrderRefused(f"{no}: 数量必须大于 0 (quantity must be positive)")
        if line.unit_price is not None and line.unit_price < 0:
            raise OrderRefused(f"{no}: 单价不能为负 (a unit price cannot be negative)")
        price = to_money(
            line.unit_price if line.unit_price is not None else products[line.sku].price
        )
        items.append(
            OrderItem(
                line_no=line_no,
                product_id=products[line.sku].id,
                quantity=line.quantity,
                unit_price=price,
                refunded_quantity=0,
                refunded_amount=Decimal("0.00"),
            )
        )
    return items, products


# ---- Points at checkout -------------------------------------------------------------------
# THE call site where points are spent: ``loyalty.service.spend_points`` inside the placing
# transaction, after the order row holds its number, keyed by it (``order:{no}:spend``) so a
# replayed checkout cannot spend twice; a short balance (积分不足, 409) refuses the whole order
# and nothing is written. Refunds give the points back pro rata (loyalty reads Order Refunded).
def _points_value(session: Session, request: OrderRequest) -> Decimal:
    return loyalty.points_value(session, request.points)


def _spend_points(session: Session, request: OrderRequest, at: datetime, value: Decimal) -> None:
    spent = loyalty.spend_points(
        session,
        customer_id=request.customer_id,
        points=request.points,
        source_key=f"order:{request.order_no}:spend",
        at=at,
        order_no=request.order_no,
    )
    if spent.value != value:  # the rate changed between pricing and spending: price again
        raise OrderConflict(
            f"{request.order_no}: 积分抵扣价值刚刚变化,请重新下单 (the points' value just changed)"
        )
