"""Buying ahead: the deposit (taking a unit of the quota) and, in the window, the balance.

The deposit, in ONE transaction: the quota's guarded UPDATE (``UPDATE presales SET sold = sold
+ 1 WHERE id = :p AND status = 'open' AND sold < quota AND balance_starts_at > :at RETURNING
sold``: on PostgreSQL concurrent buyers queue on the presale's row and each re-checks the guard
on the row the one before committed, so the quota is never oversold), the deposit's order placed
and paid, the presale order, ``Presale Deposit Paid``. The balance: the presale order's guarded
move ``deposit_paid → balance_paid`` (a forfeit racing it cannot also win), the balance's order
placed and paid, ``Presale Balance Paid``; the balance's order then goes on like any order.
Re-sending an order number already recorded is a replay and returns the order as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from liveloop.presale import checkout, events
from liveloop.presale.contracts import (
    ORDER_STATUS_NAMES,
    PresaleConflict,
    PresaleOrderStatus,
    PresaleRefused,
    PresaleStatus,
    UnknownPresale,
)
from liveloop.presale.models import Presale, PresaleOrder
from liveloop.presale.presales import presale_row


@dataclass(frozen=True)
class PresaleOrderView:
    presale: str
    customer_id: int
    deposit_order_no: str
    balance_order_no: str | None
    status: PresaleOrderStatus
    deposit: Decimal
    balance: Decimal
    deposit_paid_at: datetime
    balance_paid_at: datetime | None
    forfeited_at: datetime | None
    cancelled_at: datetime | None
    reminded_opening_at: datetime | None
    reminded_closing_at: datetime | None
    replayed: bool = False


@dataclass(frozen=True)
class RefusedPayment:
    """An order paid before its part was taken (through payments' WeChat Pay) whose part was
    refused — the quota sold out, the window passed — while the buyer paid: why, and the
    refund that gives it all back."""

    order_no: str
    reason: str
    refund_no: str


# Marks a part whose order was paid before it (the transaction id is the order's own).
_PREPAID = "\x00prepaid"


def _prepaid(
    session: Session, presale: Presale, order_no: str, at: datetime, source: str, attempt: Any
) -> PresaleOrderView | RefusedPayment:
    try:
        with session.begin_nested():
            result: PresaleOrderView = attempt()
            return result
    except PresaleConflict as exc:
        number = checkout.refund_whole(
            session,
            presale_code=presale.code,
            order_no=order_no,
            reason=f"预售未能受理，全额退款：{exc}",
            at=at,
            source=source,
        )
        if number is None:
            raise
        return RefusedPayment(order_no, str(exc), number)


def place_part_order(
    session: Session,
    code: str,
    *,
    customer_id: int | None,
    order_no: str,
    deposit_order_no: str | None = None,
    at: datetime,
    source: str,
) -> tuple[str, Decimal]:
    """The order a buyer pays through WeChat Pay before its part is recorded: the deposit
    (one unit at the deposit) or, with ``deposit_order_no``, the balance of that presale
    order. Returns the order number and what to pay."""
    presale = presale_row(session, code)
    if deposit_order_no is None:
        if customer_id is None:
            raise PresaleConflict("付定金需要顾客 (a deposit needs the buyer)")
        price, buyer, part = presale.deposit, customer_id, "deposit"
    else:
        row = _by_order(session, deposit_order_no)
        if row is None or row.presale_id != presale.id or row.deposit_order_no != deposit_order_no:
            raise UnknownPresale(f"没有定金订单 {deposit_order_no} (no such presale order)")
        price, buyer, part = row.balance, row.customer_id, "balance"
    order = checkout.place_unpaid(
        session,
        order_no=order_no,
        customer_id=buyer,
        sku=presale.sku,
        price=price,
        presale_code=presale.code,
        part=part,
        at=at,
        source=source,
    )
    return order.order_no, order.total


def pay_deposit(
    session: Session,
    code: str,
    *,
    customer_id: int,
    order_no: str,
    transaction_id: str | None,
    at: datetime,
    source: str,
) -> PresaleOrderView | RefusedPayment:
    """The deposit paid: now, with ``transaction_id`` (the brand's checkout took it), or
    before, without (an order ``place_part_order`` placed, paid through payments) — then a
    refused deposit refunds that order in full at once (``RefusedPayment``)."""
    presale = presale_row(session, code)
    known = _by_order(session, order_no)
    if known is not None:
        if known.presale_id != presale.id or known.customer_id != customer_id:
            raise PresaleConflict(f"订单号 {order_no} 已被使用 (order number taken)")
        return _view(presale, known, replayed=True)
    if transaction_id is None:
        return _prepaid(
            session,
            presale,
            order_no,
            at,
            source,
            lambda: pay_deposit(
                session,
                code,
                customer_id=customer_id,
                order_no=order_no,
                transaction_id=_PREPAID,
                at=at,
                source=source,
            ),
        )
    sold = session.scalar(
        update(Presale)
        .where(
            Presale.id == presale.id,
            Presale.status == PresaleStatus.OPEN,
            Presale.sold < Presale.quota,
            Presale.balance_starts_at > at,
        )
        .values(sold=Presale.sold + 1)
        .returning(Presale.sold)
        .execution_options(synchronize_session=False)
    )
    if sold is None:
        session.refresh(presale)
        if presale.status != PresaleStatus.OPEN:
            raise PresaleConflict(f"预售「{presale.name}」已取消 (the presale is cancelled)")
        if presale.balance_starts_at <= at:
            raise PresaleConflict(f"预售「{presale.name}」定金已截止 (deposits have closed)")
        raise PresaleConflict(f"预售「{presale.name}」已售罄 (the quota is sold out)")
    balance = presale.price - presale.deposit
    paid = _pay(
        session,
        presale,
        order_no,
        customer_id,
        presale.deposit,
        transaction_id,
        "deposit",
        at,
        source,
    )
    row = PresaleOrder(
        presale_id=presale.id,
        customer_id=customer_id,
        deposit_order_no=order_no,
        status=PresaleOrderStatus.DEPOSIT_PAID,
        deposit=paid,
        balance=balance,
        deposit_paid_at=at,
    )
    session.add(row)
    session.flush()
    events.deposit_paid(
        session,
        at=at,
        source=source,
        presale=presale.code,
        name=presale.name,
        sku=presale.sku,
        customer_id=customer_id,
        order_no=order_no,
        deposit=paid,
        balance=balance,
        balance_starts_at=presale.balance_starts_at,
        balance_ends_at=presale.balance_ends_at,
    )
    return _view(presale, row)


def pay_balance(
    session: Session,
    deposit_order_no: str,
    *,
    order_no: str,
    transaction_id: str | None,
    at: datetime,
    source: str,
) -> PresaleOrderView | RefusedPayment:
    """The balance of the presale order whose deposit was ``deposit_order_no``, paid as the
    order ``order_no`` — inside the balance window only; ``transaction_id`` None: an order
    paid before through payments, refunded in full at once if the balance is refused."""
    row = _by_order(session, deposit_order_no)
    if row is None or row.deposit_order_no != deposit_order_no:
        raise UnknownPresale(f"没有定金订单 {deposit_order_no} (no such presale order)")
    presale = session.get_one(Presale, row.presale_id)
    if row.balance_order_no == order_no:
        return _view(presale, row, replayed=True)
    if transaction_id is None:
        return _prepaid(
            session,
            presale,
            order_no,
            at,
            source,
            lambda: pay_balance(
                session,
                deposit_order_no,
                order_no=order_no,
                transaction_id=_PREPAID,
                at=at,
                source=source,
            ),
        )
    if row.status != PresaleOrderStatus.DEPOSIT_PAID:
        raise PresaleConflict(
            f"定金订单 {deposit_order_no} 状态为{_status_name(row.status)}，不能再付尾款 "
            "(the balance cannot be paid now)"
        )
    if not presale.balance_starts_at <= at < presale.balance_ends_at:
        raise PresaleConflict(
            f"不在尾款支付时间内（{presale.balance_starts_at:%Y-%m-%d %H:%M} 至 "
            f"{presale.balance_ends_at:%Y-%m-%d %H:%M} UTC）(outside the balance window)"
        )
    if _by_order(session, order_no) is not None:
        raise PresaleConflict(f"订单号 {order_no} 已被使用 (order number taken)")
    moved = session.execute(
        update(PresaleOrder)
        .where(PresaleOrder.id == row.id, PresaleOrder.status == PresaleOrderStatus.DEPOSIT_PAID)
        .values(
            status=PresaleOrderStatus.BALANCE_PAID, balance_order_no=order_no, balance_paid_at=at
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise PresaleConflict(f"定金订单 {deposit_order_no} 已变化，请刷新 (changed meanwhile)")
    _pay(
        session,
        presale,
        order_no,
        row.customer_id,
        row.balance,
        transaction_id,
        "balance",
        at,
        source,
    )
    events.balance_paid(
        session,
        at=at,
        source=source,
        presale=presale.code,
        customer_id=row.customer_id,
        deposit_order_no=deposit_order_no,
        order_no=order_no,
        balance=row.balance,
    )
    session.refresh(row)
    return _view(presale, row)


def _pay(
    session: Session,
    presale: Presale,
    order_no: str,
    customer_id: int,
    price: Decimal,
    transaction_id: str,
    part: str,
    at: datetime,
    source: str,
) -> Decimal:
    """The part's order: placed and paid now, or (prepaid) checked to be that paid order."""
    if transaction_id == _PREPAID:
        paid = checkout.paid_order(
            session, order_no=order_no, customer_id=customer_id, sku=presale.sku, price=price
        )
        if paid is None:
            raise PresaleRefused(
                f"订单 {order_no} 不是该顾客已付款的一件 ¥{price} 预售订单 "
                "(not a paid presale order of this buyer at that price)"
            )
        return paid
    return checkout.pay_part(
        session,
        order_no=order_no,
        customer_id=customer_id,
        sku=presale.sku,
        price=price,
        transaction_id=transaction_id,
        presale_code=presale.code,
        part=part,
        at=at,
        source=source,
    )


def get_presale_order(session: Session, deposit_order_no: str) -> PresaleOrderView:
    row = _by_order(session, deposit_order_no)
    if row is None:
        raise UnknownPresale(f"没有预售订单 {deposit_order_no} (no such presale order)")
    presale = session.get_one(Presale, row.presale_id)
    return _view(presale, row)


def orders_of(session: Session, code: str, *, limit: int = 200) -> list[PresaleOrderView]:
    presale = presale_row(session, code)
    rows = session.scalars(
        select(PresaleOrder)
        .where(PresaleOrder.presale_id == presale.id)
        .order_by(PresaleOrder.id.desc())
        .limit(limit)
    )
    return [_view(presale, row) for row in rows]


def _by_order(session: Session, order_no: str) -> PresaleOrder | None:
    return session.scalars(
        select(PresaleOrder).where(
            or_(
                PresaleOrder.deposit_order_no == order_no, PresaleOrder.balance_order_no == order_no
            )
        )
    ).first()


def _status_name(status: str) -> str:
    return ORDER_STATUS_NAMES.get(PresaleOrderStatus(status), status)


def _view(presale: Presale, row: PresaleOrder, *, replayed: bool = False) -> PresaleOrderView:
    return PresaleOrderView(
        presale=presale.code,
        customer_id=row.customer_id,
        deposit_order_no=row.deposit_order_no,
        balance_order_no=row.balance_order_no,
        status=PresaleOrderStatus(row.status),
        deposit=row.deposit,
        balance=row.balance,
        deposit_paid_at=row.deposit_paid_at,
        balance_paid_at=row.balance_paid_at,
        forfeited_at=row.forfeited_at,
        cancelled_at=row.cancelled_at,
        reminded_opening_at=row.reminded_opening_at,
        reminded_closing_at=row.reminded_closing_at,
        replayed=replayed,
    )
