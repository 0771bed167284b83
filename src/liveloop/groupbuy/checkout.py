"""Group-buy's orders, through commerce's facade only: a join is an order of the campaign's
SKU at the group's top price, paid — either in the joining transaction (the caller hands in
the payment's transaction id: the brand's own checkout took the money), or before it (the
order was placed here unpaid with ``place_unpaid``, paid through payments' WeChat Pay, and the
join names it: ``paid_order``); what a closed group owes a
member back is a refund of that order under a number derived from the group and the order
(``refund_no``), which commerce keeps once (idempotent per number) and payments sends to the
provider, retried with the same number until it says done."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.payments import service as payments

CHANNEL = "groupbuy"


def refund_no(group_code: str, order_no: str) -> str:
    """The one refund number of an order here (``GB-…``, a valid ``out_refund_no``)."""
    return payments.out_refund_no("GB", group_code, order_no)


def pay_join(
    session: Session,
    *,
    order_no: str,
    customer_id: int,
    sku: str,
    price: Decimal,
    transaction_id: str,
    group_code: str,
    at: datetime,
    source: str,
) -> Decimal:
    """Place the join's order (one unit of ``sku`` at ``price``) and record its payment;
    returns what was paid."""
    order = commerce.place_order(
        session,
        commerce.OrderRequest(
            order_no=order_no,
            customer_id=customer_id,
            lines=(commerce.OrderLine(sku, 1, price),),
            channel=CHANNEL,
            attributes={"groupbuy": group_code},
        ),
        at=at,
        source=source,
    )
    commerce.pay_order(
        session,
        order_no,
        amount=order.total,
        transaction_id=transaction_id,
        paid_at=at,
        source=source,
    )
    return order.total


def place_unpaid(
    session: Session,
    *,
    order_no: str,
    customer_id: int,
    sku: str,
    price: Decimal,
    campaign_code: str,
    at: datetime,
    source: str,
) -> commerce.OrderView:
    """The join's order placed, not paid: what the buyer then pays through WeChat Pay."""
    return commerce.place_order(
        session,
        commerce.OrderRequest(
            order_no=order_no,
            customer_id=customer_id,
            lines=(commerce.OrderLine(sku, 1, price),),
            channel=CHANNEL,
            attributes={"groupbuy": campaign_code},
        ),
        at=at,
        source=source,
    )


def paid_order(
    session: Session, *, order_no: str, customer_id: int, sku: str, price: Decimal
) -> Decimal | None:
    """What the already-paid join order ``order_no`` paid, checked to be the buyer's, paid,
    unrefunded, and one unit of ``sku`` at ``price``; None when commerce has no such order
    (the caller then refuses the join)."""
    order = commerce.get_order(session, order_no)
    if order is None:
        return None
    lines = [(line.sku, line.quantity, line.unit_price) for line in order.lines]
    if (
        order.customer_id != customer_id
        or order.paid_at is None
        or order.refunded_amount > 0
        or lines != [(sku, 1, price)]
        or order.total != price
    ):
        return None
    return order.total


def paid_order_exists(session: Session, order_no: str) -> bool:
    """Whether commerce holds ``order_no`` paid with something left to refund."""
    order = commerce.get_order(session, order_no)
    return order is not None and order.paid_at is not None and order.refundable > 0


def refund_refused(
    session: Session, *, order_no: str, reason: str, at: datetime, source: str
) -> str:
    """Give back everything a paid order paid when its join was refused (the group filled or
    closed while the buyer paid): one refund under ``GB-X-{order_no}``, sent by payments
    until done. Returns the refund number."""
    number = refund_no("X", order_no)
    order = commerce.get_order(session, order_no)
    amount = order.refundable if order is not None else Decimal("0")
    commerce.refund_order_part(
        session, order_no, refund_no=number, amount=amount, reason=reason, at=at, source=source
    )
    return number


def request_refund(
    session: Session,
    *,
    order_no: str,
    number: str,
    amount: Decimal,
    reason: str,
    at: datetime,
    source: str,
) -> None:
    """Ask commerce for the refund (a second ask under the same number changes nothing)."""
    commerce.refund_order_part(
        session, order_no, refund_no=number, amount=amount, reason=reason, at=at, source=source
    )


def refund_seen(session: Session, order_no: str, number: str) -> commerce.RefundView | None:
    """Commerce's refund of ``order_no`` under ``number``, or None when commerce holds none."""
    refund = commerce.refund_of(session, number)
    return refund if refund is not None and refund.order_no == order_no else None
