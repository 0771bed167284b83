"""Presale's orders, through commerce's facade only: the deposit is an order of one unit of
the SKU at the deposit, the balance another at the rest of the price, each paid in the
transaction that records it (``part`` in the order's attributes tells them apart). What a
cancellation owes back on an order is its refund under a number derived from the presale and
the order (``refund_no``), kept once by commerce (idempotent per number) and sent by payments,
retried with the same number until the provider says done."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.payments import service as payments

CHANNEL = "presale"


def refund_no(presale_code: str, order_no: str) -> str:
    """The one refund number of an order here (``PS-…``, a valid ``out_refund_no``)."""
    return payments.out_refund_no("PS", presale_code, order_no)


def pay_part(
    session: Session,
    *,
    order_no: str,
    customer_id: int,
    sku: str,
    price: Decimal,
    transaction_id: str,
    presale_code: str,
    part: str,
    at: datetime,
    source: str,
) -> Decimal:
    """Place one part's order (one unit of ``sku`` at ``price``) and record its payment;
    returns what was paid."""
    order = commerce.place_order(
        session,
        commerce.OrderRequest(
            order_no=order_no,
            customer_id=customer_id,
            lines=(commerce.OrderLine(sku, 1, price),),
            channel=CHANNEL,
            attributes={"presale": presale_code, "part": part},
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
    presale_code: str,
    part: str,
    at: datetime,
    source: str,
) -> commerce.OrderView:
    """One part's order placed, not paid: what the buyer then pays through WeChat Pay."""
    return commerce.place_order(
        session,
        commerce.OrderRequest(
            order_no=order_no,
            customer_id=customer_id,
            lines=(commerce.OrderLine(sku, 1, price),),
            channel=CHANNEL,
            attributes={"presale": presale_code, "part": part},
        ),
        at=at,
        source=source,
    )


def paid_order(
    session: Session, *, order_no: str, customer_id: int, sku: str, price: Decimal
) -> Decimal | None:
    """What the already-paid part order ``order_no`` paid, checked to be the buyer's, paid,
    unrefunded, one unit of ``sku`` at ``price``; None when it is not such an order."""
    order = commerce.get_order(session, order_no)
    if order is None:
        return None
    lines = [(line.sku, line.quantity, line.unit_price) for line in order.lines]
    if (
        order.customer_id != customer_id
        or order.paid_at is None
        or order.refunded_amount > 0
        or lines != [(sku, 1, price)]
    ):
        return None
    return order.total


def refund_whole(
    session: Session, *, presale_code: str, order_no: str, reason: str, at: datetime, source: str
) -> str | None:
    """Refund everything a paid order paid (its part was refused while the buyer paid): one
    refund under the order's one number, sent by payments until done. None: nothing to give
    back (no such paid order)."""
    order = commerce.get_order(session, order_no)
    if order is None or order.paid_at is None or order.refundable <= 0:
        return None
    number = refund_no(presale_code, order_no)
    commerce.refund_order_part(
        session,
        order_no,
        refund_no=number,
        amount=order.refundable,
        reason=reason[:200],
        at=at,
        source=source,
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
