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

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from liveloop.presale import checkout, events
from liveloop.presale.contracts import (
    ORDER_STATUS_NAMES,
    PresaleConflict,
    PresaleOrderStatus,
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


def pay_deposit(
    session: Session,
    code: str,
    *,
    customer_id: int,
    order_no: str,
    transaction_id: str,
    at: datetime,
    source: str,
) -> PresaleOrderView:
    presale = presale_row(session, code)
    known = _by_order(session, order_no)
    if known is not None:
        if known.presale_id != presale.id or known.customer_id != customer_id:
            raise PresaleConflict(f"订单号 {order_no} 已被使用 (order number taken)")
        return _view(presale, known, replayed=True)
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
    paid = checkout.pay_part(
        session,
        order_no=order_no,
        customer_id=customer_id,
        sku=presale.sku,
        price=presale.deposit,
        transaction_id=transaction_id,
        presale_code=presale.code,
        part="deposit",
        at=at,
        source=source,
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
    transaction_id: str,
    at: datetime,
    source: str,
) -> PresaleOrderView:
    """The balance of the presale order whose deposit was ``deposit_order_no``, paid as the
    order ``order_no`` — inside the balance window only."""
    row = _by_order(session, deposit_order_no)
    if row is None or row.deposit_order_no != deposit_order_no:
        raise UnknownPresale(f"没有定金订单 {deposit_order_no} (no such presale order)")
    presale = session.get_one(Presale, row.presale_id)
    if row.balance_order_no == order_no:
        return _view(presale, row, replayed=True)
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
    checkout.pay_part(
        session,
        order_no=order_no,
        customer_id=row.customer_id,
        sku=presale.sku,
        price=row.balance,
        transaction_id=transaction_id,
        presale_code=presale.code,
        part="balance",
        at=at,
        source=source,
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
