"""Order-ledger sources: a source marked ``order_ledger`` (a shop back-office, an ERP, a live
platform that sends Segment's e-commerce events) has its ``Order Completed`` and
``Order Refunded`` track events become orders and refunds in commerce, not only timeline
entries. The ``order-ledger`` consumer follows the ``profiles`` consumer, so OneID has already
named each event's person; it then calls commerce's facade, one savepoint per event.

What it reads, as Segment's e-commerce spec sends it:

- ``Order Completed``: ``order_id`` (or ``orderId``), ``products[{sku | product_id, quantity,
  price}]`` (quantity 1 when absent, the catalog price when ``price`` is), ``discount``,
  ``coupon`` (kept on the order; a code of the source's, not a liveloop coupon), ``revenue`` /
  ``total`` (kept as the source reported them; the order's own total is its lines less the
  discount), ``channel``;
- ``Order Refunded``: ``order_id``, ``reason``; with ``products[{sku | product_id,
  quantity}]`` and/or ``total`` (or ``amount``) only those units / that amount are refunded
  (``commerce.refund_order_part``, settled: the source returned the money), numbered by
  ``refund_id`` when the event has one, else by the event; without either, what is left of the
  order is refunded.

An order paid elsewhere is recorded in one go (``commerce.record_order``): commerce's own
``Order Completed`` is logged with it, because that domain event is what the profile counters,
RFM and segments count; the source's event stays in the timeline.

The same ``order_id`` twice is one order (commerce keys orders by number), so a replayed or
re-sent event changes nothing. An event that cannot become an order — an unknown SKU, nobody
identified, a refund of an order never seen or of more than is left — stays in
the log as it is and its refusal is recorded once (``ledger_refusals``: the event, the order
number, the reason in Chinese), shown on the console's sources page; the consumer goes on.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from liveloop import spec
from liveloop.commerce import service as commerce
from liveloop.errors import DomainError
from liveloop.ingest.models import LedgerRefusal
from liveloop.ingest.sources import ledger_sources
from liveloop.profiles import service as profiles
from liveloop.store.consumers import Consumers
from liveloop.store.eventlog import LoggedEvent

log = logging.getLogger(__name__)

LEDGER_CONSUMER = "order-ledger"
NAMES = frozenset({spec.ORDER_COMPLETED, spec.ORDER_REFUNDED})
MAX_LINES = 200
# What commerce takes as a refund number (WeChat Pay's out_refund_no).
REFUND_NO = re.compile(r"^[A-Za-z0-9_\-|*@]{1,64}$")
_SOURCES = "ingest.ledger_sources"  # the ledger sources, read once per batch (session.info)


class LedgerRefused(DomainError):
    """A ledger event that cannot become an order or refund as sent."""

    status = 422


@dataclass(frozen=True)
class RefusalView:
    event_id: int
    source: str
    event_name: str
    order_no: str | None
    reason: str
    at: datetime


def subscribe(consumers: Consumers) -> None:
    if LEDGER_CONSUMER not in consumers:
        consumers.subscribe(
            LEDGER_CONSUMER,
            handle,
            names=NAMES,
            batch_size=200,
            follows=profiles.PROFILES_CONSUMER,
        )


def handle(session: Session, event: LoggedEvent) -> None:
    """One ledger event into commerce; a refusal is recorded, never raised."""
    if event.type != "track" or event.source not in _ledgers(session):
        return
    order_no = _order_no(event.properties)
    try:
        with session.begin_nested():
            if event.name == spec.ORDER_COMPLETED:
                _complete(session, event, order_no)
            else:
                _refund(session, event, order_no)
    except (DomainError, DataError, ArithmeticError) as exc:
        reason = str(exc) if isinstance(exc, DomainError) else "数据库无法保存该订单的值"
        _refuse(session, event, order_no, reason)


def _ledgers(session: Session) -> frozenset[str]:
    known = session.info.get(_SOURCES)
    if known is None:
        known = session.info[_SOURCES] = ledger_sources(session)
    return known


def _order_no(props: Mapping[str, Any]) -> str | None:
    value = props.get("order_id", props.get("orderId"))
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text if 0 < len(text) <= 64 else None


def _complete(session: Session, event: LoggedEvent, order_no: str | None) -> None:
    if order_no is None:
        raise LedgerRefused("缺少订单号 order_id (or longer than 64 characters)")
    if event.customer_id is None:
        raise LedgerRefused("无法识别买家:事件没有可用的身份标识 (no buyer identified)")
    props = event.properties
    lines = _lines(props.get("products"))
    skus = {line.sku for line in lines}
    known = commerce.products_by_sku(session, skus, active_only=True)
    unknown = sorted(skus - known.keys())
    if unknown:
        raise LedgerRefused(f"商品目录中没有在售的 SKU:{', '.join(unknown)} (unknown SKU)")
    attributes: dict[str, object] = {"ledger_event": event.message_id}
    for name in ("revenue", "total", "shipping", "tax", "coupon", "affiliation"):
        if isinstance(props.get(name), str | int | float) and not isinstance(props[name], bool):
            attributes[f"reported_{name}"] = str(props[name])
    commerce.record_order(
        session,
        order_no=order_no,
        customer_id=profiles.survivor_of(session, event.customer_id),
        lines=lines,
        placed_at=event.timestamp,
        channel=_channel(props, event.source),
        source=event.source,
        discount=_amount(props.get("discount"), "discount") or Decimal("0"),
        attributes=attributes,
        buyer=_identifiers(event),
    )


def _refund(session: Session, event: LoggedEvent, order_no: str | None) -> None:
    if order_no is None:
        raise LedgerRefused("缺少订单号 order_id (or longer than 64 characters)")
    props = event.properties
    given = props.get("reason")
    reason = given[:200] if isinstance(given, str) and given.strip() else "来源退款"
    products = props.get("products")
    amount = _amount(props.get("total", props.get("amount")), "退款金额")
    if not products and amount is None:
        commerce.refund_order(
            session, order_no, refunded_at=event.timestamp, reason=reason, source=event.source
        )
        return
    lines = (
        [
            commerce.RefundLineRequest(quantity=line.quantity, sku=line.sku)
            for line in _lines(products)
        ]
        if products
        else None
    )
    commerce.refund_order_part(
        session,
        order_no,
        refund_no=_refund_no(props, event),
        amount=amount,
        lines=lines,
        reason=reason,
        at=event.timestamp,
        source=event.source,
        settled=True,
    )


def _refund_no(props: Mapping[str, Any], event: LoggedEvent) -> str:
    """The refund's number: the source's ``refund_id`` when it is one commerce can hold, else
    one made from the event (a replay of the event is the same refund)."""
    given = props.get("refund_id")
    if isinstance(given, str | int) and not isinstance(given, bool):
        text = str(given).strip()
        if REFUND_NO.match(text):
            return text
    digest = hashlib.sha256(f"{event.source}\n{event.message_id}".encode()).hexdigest()
    return f"ledger-{digest[:40]}"


def _lines(products: Any) -> list[commerce.OrderLine]:
    if not isinstance(products, list) or not products:
        raise LedgerRefused("订单没有商品 products (an order needs at least one product)")
    if len(products) > MAX_LINES:
        raise LedgerRefused(f"商品行超过 {MAX_LINES} 行 (too many products)")
    lines = []
    for number, item in enumerate(products, start=1):
        if not isinstance(item, Mapping):
            raise LedgerRefused(f"第 {number} 个商品不是对象 (product {number} is not an object)")
        sku = item.get("sku") or item.get("product_id")
        if isinstance(sku, bool) or not isinstance(sku, str | int) or not str(sku).strip():
            raise LedgerRefused(f"第 {number} 个商品缺少 sku 或 product_id")
        quantity = item.get("quantity", 1)
        if isinstance(quantity, float) and quantity.is_integer():
            quantity = int(quantity)
        if (
            isinstance(quantity, bool)
            or not isinstance(quantity, int)
            or not 1 <= quantity <= 10_000
        ):
            raise LedgerRefused(f"第 {number} 个商品的数量须为 1-10000 的整数 (quantity)")
        price = _amount(item.get("price"), f"第 {number} 个商品的价格")
        lines.append(commerce.OrderLine(str(sku).strip(), quantity, price))
    return lines


def _amount(value: Any, name: str) -> Decimal | None:
    """Yuan as an event sends it (a number or a string), or None when absent."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise LedgerRefused(f"{name}不是金额 (not an amount)")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise LedgerRefused(f"{name} {value!r} 不是金额 (not an amount)") from None
    if not amount.is_finite() or not 0 <= amount <= Decimal("10000000"):
        raise LedgerRefused(f"{name} {value!r} 须在 0 到 10,000,000 元之间")
    return amount.quantize(Decimal("0.01"))


def _channel(props: Mapping[str, Any], source: str) -> str:
    channel = props.get("channel")
    return (channel if isinstance(channel, str) and channel.strip() else source)[:24]


def _identifiers(event: LoggedEvent) -> list[tuple[str, str]]:
    """The identifiers the order names its buyer by (for OneID to carry it on a split)."""
    found = []
    if event.user_id:
        found.append(("member_no", event.user_id))
    external = event.context.get("externalIds")
    if isinstance(external, list):
        for item in external:
            if not isinstance(item, Mapping) or not isinstance(item.get("type"), str):
                continue
            if isinstance(item.get("id"), str | int) and not isinstance(item.get("id"), bool):
                found.append((item["type"], str(item["id"])))
    return found


def _refuse(session: Session, event: LoggedEvent, order_no: str | None, reason: str) -> None:
    if session.scalar(select(LedgerRefusal.id).where(LedgerRefusal.event_id == event.id)):
        return
    log.info("order ledger: event %s from %s refused: %s", event.id, event.source, reason)
    session.add(
        LedgerRefusal(
            event_id=event.id,
            source=event.source,
            event_name=event.name or "",
            order_no=order_no,
            reason=reason[:500],
            at=event.timestamp,
        )
    )
    session.flush()


def ledger_refusals(
    session: Session, source: str | None = None, limit: int = 50
) -> list[RefusalView]:
    """The latest refused ledger events, newest first (of one source, when given)."""
    query = select(LedgerRefusal).order_by(LedgerRefusal.id.desc()).limit(limit)
    if source is not None:
        query = query.where(LedgerRefusal.source == source)
    return [
        RefusalView(r.event_id, r.source, r.event_name, r.order_no, r.reason, r.at)
        for r in session.scalars(query)
    ]


def refusal_counts(session: Session) -> dict[str, int]:
    """How many ledger events each source had refused."""
    rows = session.execute(
        select(LedgerRefusal.source, func.count()).group_by(LedgerRefusal.source)
    )
    return {source: count for source, count in rows}
