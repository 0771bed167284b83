"""Commerce facade: the catalog; orders as a state machine — placed, paid, shipped, delivered,
confirmed, cancelled, refunded in part or in full (``commerce.orders``, docs/orders.md) — and
recording an order paid elsewhere in one go (imports, the simulator); coupon templates and
coupons, sales summaries (a leader's commission is ``liveloop.commission``'s ledger). How
orders and coupons go through a OneID merge is declared with their models
(``profiles.merge_policies``).

Other packages import this module, ``commerce.events`` or ``commerce.contracts`` only.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from liveloop.commerce import events
from liveloop.commerce.catalog.errors import CatalogError as CatalogError
from liveloop.commerce.catalog.errors import ProductConflict as ProductConflict
from liveloop.commerce.catalog.errors import ProductRefused as ProductRefused
from liveloop.commerce.catalog.errors import UnknownProduct as UnknownProduct
from liveloop.commerce.catalog.importing import ProductImport as ProductImport
from liveloop.commerce.catalog.importing import RejectedRow as RejectedRow
from liveloop.commerce.catalog.importing import import_product_rows as import_product_rows
from liveloop.commerce.catalog.pools import PoolView as PoolView
from liveloop.commerce.catalog.pools import list_pools as list_pools
from liveloop.commerce.catalog.pools import put_pool as put_pool
from liveloop.commerce.catalog.products import ProductDetail as ProductDetail
from liveloop.commerce.catalog.products import ProductDraft as ProductDraft
from liveloop.commerce.catalog.products import ProductPage as ProductPage
from liveloop.commerce.catalog.products import ProductView as ProductView
from liveloop.commerce.catalog.products import activate_product as activate_product
from liveloop.commerce.catalog.products import categories as categories
from liveloop.commerce.catalog.products import create_product as create_product
from liveloop.commerce.catalog.products import deactivate_product as deactivate_product
from liveloop.commerce.catalog.products import get_product as get_product
from liveloop.commerce.catalog.products import list_products as list_products
from liveloop.commerce.catalog.products import sellable_in as sellable_in
from liveloop.commerce.catalog.products import update_product as update_product
from liveloop.commerce.contracts import COUNTED_STATUSES, CommerceError, OrderStatus
from liveloop.commerce.coupons.errors import CouponError as CouponError
from liveloop.commerce.coupons.expiry import expire_coupons as expire_coupons
from liveloop.commerce.coupons.issuing import IssuedCoupon as IssuedCoupon
from liveloop.commerce.coupons.issuing import issue_coupon as issue_coupon
from liveloop.commerce.coupons.issuing import void_coupon as void_coupon
from liveloop.commerce.coupons.listing import CouponView as CouponView
from liveloop.commerce.coupons.listing import get_coupon as get_coupon
from liveloop.commerce.coupons.listing import list_coupons as list_coupons
from liveloop.commerce.coupons.redemption import (
    PricedLine,
    mark_redeemed,
    price_coupon,
)
from liveloop.commerce.coupons.templates import TemplateSpec as TemplateSpec
from liveloop.commerce.coupons.templates import TemplateView as TemplateView
from liveloop.commerce.coupons.templates import create_template as create_template
from liveloop.commerce.coupons.templates import get_template as get_template
from liveloop.commerce.coupons.templates import list_templates as list_templates
from liveloop.commerce.models import CouponTemplate, Order, OrderItem, Product
from liveloop.commerce.orders.buyers import BUYER_TYPES as BUYER_TYPES
from liveloop.commerce.orders.buyers import resolve_buyer as resolve_buyer
from liveloop.commerce.orders.errors import OrderConflict as OrderConflict
from liveloop.commerce.orders.errors import OrderRefused as OrderRefused
from liveloop.commerce.orders.errors import PaidElsewhere as PaidElsewhere
from liveloop.commerce.orders.errors import UnknownOrder as UnknownOrder
from liveloop.commerce.orders.placing import OrderLine as OrderLine
from liveloop.commerce.orders.placing import OrderRequest as OrderRequest
from liveloop.commerce.orders.placing import place_order as place_order
from liveloop.commerce.orders.refunds import RefundLineRequest as RefundLineRequest
from liveloop.commerce.orders.refunds import refund_order_part as refund_order_part
from liveloop.commerce.orders.refunds import refund_rest
from liveloop.commerce.orders.refunds import settle_refund as settle_refund
from liveloop.commerce.orders.transitions import STATUS_LABELS as STATUS_LABELS
from liveloop.commerce.orders.transitions import cancel_order as cancel_order
from liveloop.commerce.orders.transitions import confirm_order as confirm_order
from liveloop.commerce.orders.transitions import deliver_order as deliver_order
from liveloop.commerce.orders.transitions import delivered_before as delivered_before
from liveloop.commerce.orders.transitions import pay_order as pay_order
from liveloop.commerce.orders.transitions import ship_order as ship_order
from liveloop.commerce.orders.transitions import status_label as status_label
from liveloop.commerce.orders.transitions import unpaid_before as unpaid_before
from liveloop.commerce.orders.views import LineView as LineView
from liveloop.commerce.orders.views import OrderPage as OrderPage
from liveloop.commerce.orders.views import OrderView as OrderView
from liveloop.commerce.orders.views import RefundLine as RefundLine
from liveloop.commerce.orders.views import RefundView as RefundView
from liveloop.commerce.orders.views import get_order as get_order
from liveloop.commerce.orders.views import list_orders as list_orders
from liveloop.commerce.orders.views import orders_of
from liveloop.commerce.orders.views import refund_of as refund_of
from liveloop.store.base import to_money

COUNTED = COUNTED_STATUSES


@dataclass(frozen=True)
class ProductSpec:
    sku: str
    name: str
    category: str
    price: Decimal
    shelf_life_days: int
    cold_chain: bool = False
    regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class SalesSummary:
    orders: int
    buyers: int
    gmv: Decimal


def upsert_product(session: Session, spec: ProductSpec, now: datetime) -> int:
    if spec.shelf_life_days <= 0:
        raise CommerceError(f"{spec.sku}: shelf life must be positive")
    product = session.scalars(select(Product).where(Product.sku == spec.sku)).one_or_none()
    if product is None:
        product = Product(sku=spec.sku, created_at=now)
        session.add(product)
    product.name, product.category = spec.name, spec.category
    product.price = to_money(spec.price)
    product.shelf_life_days, product.cold_chain = spec.shelf_life_days, spec.cold_chain
    product.regions = list(spec.regions)
    session.flush()
    return product.id


def record_order(
    session: Session,
    *,
    order_no: str,
    customer_id: int,
    lines: Sequence[OrderLine],
    placed_at: datetime,
    channel: str,
    source: str,
    discount: Decimal = Decimal("0"),
    live_session_id: int | None = None,
    attributes: dict[str, object] | None = None,
    buyer: Sequence[tuple[str, str]] = (),
    coupon_code: str | None = None,
) -> int | None:
    """Record an order placed and paid elsewhere, in one go: the order is ``paid`` at
    ``placed_at`` and ``Order Completed`` logged (no ``Order Placed``: its placing happened
    outside and was never seen here). Re-recording an ``order_no`` is a no-op
    (returns None), so imports and callbacks can repeat safely. ``buyer`` lists the identifiers
    the order named its buyer by; the event carries them (``context.externalIds``) so OneID can
    send the order back to its person if a merge is ever split.

    ``coupon_code`` redeems that coupon on the order: its discount (see
    ``commerce.coupons.redemption``) is added to ``discount``, the coupon is marked redeemed and
    ``Coupon Applied`` logged, all in this transaction. A coupon that cannot pay for the order
    refuses the whole order with a ``CouponError`` (a ``CommerceError``) naming the reason,
    before anything is written."""
    if session.scalar(select(Order.id).where(Order.order_no == order_no)) is not None:
        return None
    if not lines:
        raise CommerceError(f"{order_no}: an order needs at least one line")
    skus = {line.sku for line in lines}
    products = {p.sku: p for p in session.scalars(select(Product).where(Product.sku.in_(skus)))}
    missing = skus - products.keys()
    if missing:
        raise CommerceError(f"{order_no}: unknown SKU {', '.join(sorted(missing))}")
    items = []
    for line_no, line in enumerate(lines, start=1):
        if line.quantity <= 0:
            raise CommerceError(f"{order_no}: quantity must be positive")
        if line.unit_price is not None and line.unit_price < 0:
            raise CommerceError(f"{order_no}: a unit price cannot be negative")
        price = to_money(
            line.unit_price if line.unit_price is not None else products[line.sku].price
        )
        items.append(
            OrderItem(
                line_no=line_no,
                product_id=products[line.sku].id,
                quantity=line.quantity,
                unit_price=price,
            )
        )
    discount = to_money(discount)
    if discount < 0:
        raise CommerceError(f"{order_no}: a discount cannot be negative")
    redemption = None
    if coupon_code is not None:
        priced = [
            PricedLine(line.sku, products[line.sku].category, item.amount)
            for line, item in zip(lines, items, strict=True)
        ]
        redemption = price_coupon(
            session,
            coupon_code,
            customer_id=customer_id,
            order_no=order_no,
            lines=priced,
            at=placed_at,
        )
        discount += redemption.discount
    total = sum((item.amount for item in items), Decimal("0")) - discount
    if total < 0:
        raise CommerceError(f"{order_no}: discount exceeds the order value")
    if redemption is not None:
        mark_redeemed(session, redemption, order_no, placed_at)
    order = Order(
        order_no=order_no,
        customer_id=customer_id,
        channel=channel,
        status=OrderStatus.PAID,
        subtotal=total + discount,
        total=total,
        discount=discount,
        coupon_discount=redemption.discount if redemption is not None else Decimal("0"),
        refunded_amount=Decimal("0"),
        live_session_id=live_session_id,
        placed_at=placed_at,
        paid_at=placed_at,
        paid_via=source[:64],
        attributes=dict(attributes or {})
        | ({"coupon_code": redemption.code} if redemption else {}),
        items=items,
    )
    session.add(order)
    session.flush()
    events.order_completed(
        session,
        at=placed_at,
        source=source,
        order_no=order_no,
        customer_id=customer_id,
        total=total,
        discount=discount,
        channel=channel,
        products=[
            events.OrderedProduct(
                line.sku, item.quantity, item.unit_price, products[line.sku].category
            )
            for line, item in zip(lines, items, strict=True)
        ],
        coupon_code=redemption.code if redemption else None,
        buyer=buyer,
    )
    if redemption is not None:
        events.coupon_applied(
            session,
            at=placed_at,
            source=source,
            order_no=order_no,
            customer_id=customer_id,
            coupon_code=redemption.code,
            coupon_name=redemption.template_name,
            template=redemption.template_code,
            discount=redemption.discount,
            eligible_subtotal=redemption.eligible_subtotal,
        )
    return order.id


def refund_order(
    session: Session, order_no: str, *, refunded_at: datetime, reason: str, source: str
) -> bool:
    """Refund what is left of a paid order, the money already returned elsewhere (an import,
    the simulator): one refund numbered by the order number, settled at once, ``Order
    Refunded`` logged, the order ``refunded``; False when it already was. A coupon the order
    redeemed goes back to its holder while its window is still open
    (``commerce.coupons.redemption.restore_for_refund``)."""
    return refund_rest(session, order_no, at=refunded_at, reason=reason, source=source)


def known_skus(session: Session) -> set[str]:
    return set(session.scalars(select(Product.sku).where(Product.active.is_(True))))


@dataclass(frozen=True)
class CatalogEntry:
    sku: str
    name: str
    category: str
    price: Decimal


def catalog(session: Session) -> list[CatalogEntry]:
    """Every product, active or not, in the order they were added."""
    return [
        CatalogEntry(p.sku, p.name, p.category, p.price)
        for p in session.scalars(select(Product).order_by(Product.id))
    ]


def sales_summary(session: Session, since: datetime) -> SalesSummary:
    orders, buyers, gmv = session.execute(
        select(
            func.count(Order.id),
            func.count(func.distinct(Order.customer_id)),
            func.coalesce(func.sum(Order.total), 0),
        ).where(Order.placed_at >= since, Order.status.in_(COUNTED))
    ).one()
    # SUM keeps the column's Money type, so the total comes back as Decimal yuan.
    return SalesSummary(orders, buyers, to_money(gmv))


def daily_gmv(session: Session, since: datetime, tz: ZoneInfo) -> dict[date, Decimal]:
    """GMV per local calendar day since ``since``, grouped in the database; days without
    orders are absent."""
    counted = (Order.placed_at >= since, Order.status.in_(COUNTED))
    if session.get_bind().dialect.name == "postgresql":
        day = func.date(func.timezone(tz.key, Order.placed_at))
    else:
        # SQLite keeps UTC text and knows no zones: shift by the brand zone's offset when it
        # has one all year; a zone with daylight saving is summed here, order by order.
        offset = _fixed_offset(tz, since)
        if offset is None:
            totals: dict[date, Decimal] = {}
            for placed_at, total in session.execute(
                select(Order.placed_at, Order.total).where(*counted).order_by(Order.placed_at)
            ):
                local = placed_at.astimezone(tz).date()
                totals[local] = totals.get(local, Decimal("0")) + total
            return {local: to_money(total) for local, total in totals.items()}
        day = func.date(Order.placed_at, f"{int(offset.total_seconds() // 60):+d} minutes")
    rows = session.execute(
        select(day, func.sum(Order.total)).where(*counted).group_by(day).order_by(day)
    ).all()
    return {
        (value if isinstance(value, date) else date.fromisoformat(value)): to_money(total)
        for value, total in rows
    }


def _fixed_offset(tz: ZoneInfo, around: datetime) -> timedelta | None:
    """The zone's UTC offset if it is the same in winter and summer, else None."""
    winter = datetime(around.year, 1, 15, tzinfo=tz).utcoffset()
    summer = datetime(around.year, 7, 15, tzinfo=tz).utcoffset()
    return winter if winter == summer and winter is not None else None


def product(session: Session, sku: str) -> CatalogEntry | None:
    """One product by SKU, active or not."""
    row = session.scalars(select(Product).where(Product.sku == sku)).one_or_none()
    return CatalogEntry(row.sku, row.name, row.category, row.price) if row is not None else None


def products_by_sku(
    session: Session, skus: Collection[str], *, active_only: bool = False
) -> dict[str, CatalogEntry]:
    """The products of ``skus`` that exist (and are on sale, with ``active_only``), by SKU."""
    query = select(Product).where(Product.sku.in_(sorted(set(skus))))
    if active_only:
        query = query.where(Product.active.is_(True))
    return {p.sku: CatalogEntry(p.sku, p.name, p.category, p.price) for p in session.scalars(query)}


@dataclass(frozen=True)
class OrderState:
    """Where an order is, without its lines: what a caller sorting many orders reads."""

    order_no: str
    customer_id: int
    status: str
    total: Decimal
    paid_at: datetime | None
    delivered_at: datetime | None
    leader: str | None


def order_states(session: Session, order_nos: Collection[str]) -> dict[str, OrderState]:
    """The states of the orders of ``order_nos`` that exist, by number (900 a query)."""
    numbers = sorted(set(order_nos))
    found: dict[str, OrderState] = {}
    columns = (
        Order.order_no,
        Order.customer_id,
        Order.status,
        Order.total,
        Order.paid_at,
        Order.delivered_at,
        Order.leader,
    )
    for start in range(0, len(numbers), 900):
        for row in session.execute(
            select(*columns).where(Order.order_no.in_(numbers[start : start + 900]))
        ):
            found[row.order_no] = OrderState(*row)
    return found


def orders_by_no(session: Session, order_nos: Collection[str]) -> dict[str, OrderView]:
    """The orders of ``order_nos`` that exist, with their lines and refunds, by number."""
    return orders_of(session, order_nos)


def has_coupon_template(session: Session, code: str) -> bool:
    """Whether a coupon template with this code exists (switched on or off)."""
    return session.scalar(select(CouponTemplate.id).where(CouponTemplate.code == code)) is not None


@dataclass(frozen=True)
class OrderBrief:
    """An order as a leader's portal and ranking count it: ``kept`` is what the buyer kept
    paying (the total less what was refunded), 0 unless the order is counted (paid, shipped,
    delivered, completed)."""

    order_no: str
    customer_id: int
    status: str
    placed_at: datetime
    kept: Decimal
    leader: str | None


def _briefs(session: Session, *where: ColumnElement[bool]) -> dict[str, OrderBrief]:
    found: dict[str, OrderBrief] = {}
    for row in session.execute(
        select(
            Order.order_no,
            Order.customer_id,
            Order.status,
            Order.placed_at,
            Order.total,
            Order.refunded_amount,
            Order.leader,
        ).where(*where)
    ):
        kept = row.total - row.refunded_amount if row.status in COUNTED else Decimal("0")
        found[row.order_no] = OrderBrief(
            row.order_no, row.customer_id, row.status, row.placed_at, to_money(kept), row.leader
        )
    return found


def order_briefs(
    session: Session,
    order_nos: Collection[str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, OrderBrief]:
    """The orders of ``order_nos`` placed in [``since``, ``until``), by number (900 a query)."""
    numbers = sorted(set(order_nos))
    window: list[ColumnElement[bool]] = []
    if since is not None:
        window.append(Order.placed_at >= since)
    if until is not None:
        window.append(Order.placed_at < until)
    found: dict[str, OrderBrief] = {}
    for start in range(0, len(numbers), 900):
        found |= _briefs(session, Order.order_no.in_(numbers[start : start + 900]), *window)
    return found


def orders_with_leader(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    leaders: Collection[str] | None = None,
    customers: Collection[int] | None = None,
) -> dict[str, OrderBrief]:
    """Orders placed in [``since``, ``until``) with a leader's code (``Order.leader``; every
    leader's, or those of ``leaders``; of ``customers`` when given), by number."""
    where: list[ColumnElement[bool]] = [Order.leader.is_not(None)]
    if since is not None:
        where.append(Order.placed_at >= since)
    if until is not None:
        where.append(Order.placed_at < until)
    if customers is not None:
        where.append(Order.customer_id.in_(sorted(set(customers))))
    if leaders is not None:
        where.append(Order.leader.in_(sorted(set(leaders))))
    return _briefs(session, *where)
