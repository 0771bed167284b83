"""Presales: one SKU sold ahead for a deposit (at most 20 % of its price), its balance paid in a
window, a quota of units; and the brand calling one off, which refunds every payment taken.

Timeline of a presale::

    created ── deposits ──> balance_starts_at ── balances ──> balance_ends_at
                              (reminder N h before)             (reminder N h before;
                                                                 unpaid deposits forfeited)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.presale import checkout, events
from liveloop.presale.contracts import (
    MAX_DEPOSIT_SHARE,
    PresaleConflict,
    PresaleOrderStatus,
    PresaleRefused,
    PresaleStatus,
    RefundState,
    UnknownPresale,
)
from liveloop.presale.models import Presale, PresaleOrder, PresaleRefund
from liveloop.store.base import to_money

CODE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
TEXT = re.compile(NO_CONTROL_CHARS)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PresaleSpec:
    code: str
    name: str
    sku: str
    price: Decimal
    deposit: Decimal
    quota: int
    balance_starts_at: datetime
    balance_ends_at: datetime
    remind_hours: int = 24


@dataclass(frozen=True)
class PresaleView:
    id: int
    code: str
    name: str
    sku: str
    product_name: str
    price: Decimal
    deposit: Decimal
    balance: Decimal
    quota: int
    sold: int
    balance_starts_at: datetime
    balance_ends_at: datetime
    remind_hours: int
    status: PresaleStatus
    created_at: datetime
    cancelled_at: datetime | None
    cancel_reason: str | None
    counts: dict[str, int]  # presale orders by status
    deposits_taken: Decimal  # deposits of every order not cancelled
    balances_taken: Decimal

    @property
    def left(self) -> int:
        return self.quota - self.sold


def check_deposit(price: Decimal, deposit: Decimal) -> None:
    """A deposit above 20 % of the price is refused, with the reason in Chinese."""
    if price <= 0:
        raise PresaleRefused("预售价必须大于 0 (the price must be positive)")
    if deposit <= 0:
        raise PresaleRefused("定金必须大于 0 (the deposit must be positive)")
    if deposit > price * MAX_DEPOSIT_SHARE:
        cap = to_money(price * MAX_DEPOSIT_SHARE)
        raise PresaleRefused(
            f"定金 ¥{deposit} 超过售价 ¥{price} 的 20%（最多 ¥{cap}）：依《民法典》第五百八十六条，"
            f"定金不得超过主合同标的额的百分之二十 (a deposit may be at most 20% of the price)"
        )


def create_presale(session: Session, spec: PresaleSpec, *, at: datetime, by: str) -> PresaleView:
    if not CODE.fullmatch(spec.code):
        raise PresaleRefused(
            f"预售编号 {spec.code!r} 只能用 1-32 个字母、数字、_ . - "
            "(a presale code is 1-32 letters, digits, _ . -)"
        )
    if not spec.name.strip() or len(spec.name) > 64 or not TEXT.fullmatch(spec.name):
        raise PresaleRefused("预售名称需 1-64 个字 (a name of 1-64 characters)")
    if commerce.product(session, spec.sku) is None:
        raise PresaleRefused(f"没有商品 {spec.sku} (unknown SKU)")
    price, deposit = to_money(spec.price), to_money(spec.deposit)
    check_deposit(price, deposit)
    if not 1 <= spec.quota <= 10_000_000:
        raise PresaleRefused("预售数量应为 1-10,000,000 件 (the quota is 1-10,000,000)")
    if not 0 <= spec.remind_hours <= 24 * 14:
        raise PresaleRefused("尾款提醒应提前 0-336 小时 (reminders 0-336 h ahead)")
    if spec.balance_starts_at.tzinfo is None or spec.balance_ends_at.tzinfo is None:
        raise PresaleRefused("尾款时间需带时区 (times need a time zone)")
    if spec.balance_ends_at <= spec.balance_starts_at:
        raise PresaleRefused("尾款截止应晚于尾款开始 (the balance window must end after it opens)")
    if spec.balance_starts_at <= at:
        raise PresaleRefused("尾款开始时间应在将来 (the balance window must open later)")
    if session.scalar(select(Presale.id).where(Presale.code == spec.code)):
        raise PresaleConflict(f"预售编号 {spec.code} 已被使用 (the code is taken)")
    running = session.scalar(
        select(Presale.name).where(
            Presale.sku == spec.sku,
            Presale.status == PresaleStatus.OPEN,
            Presale.balance_ends_at > at,
        )
    )
    if running is not None:  # one quota per SKU: a second presale would double it
        raise PresaleConflict(
            f"商品 {spec.sku} 已有进行中的预售「{running}」(the SKU has a presale running)"
        )
    row = Presale(
        code=spec.code,
        name=spec.name.strip(),
        sku=spec.sku,
        price=price,
        deposit=deposit,
        quota=spec.quota,
        sold=0,
        balance_starts_at=spec.balance_starts_at,
        balance_ends_at=spec.balance_ends_at,
        remind_hours=spec.remind_hours,
        status=PresaleStatus.OPEN,
        created_at=at,
        created_by=by,
    )
    session.add(row)
    session.flush()
    return view_of(session, row)


def presale_row(session: Session, code: str) -> Presale:
    row = session.scalars(select(Presale).where(Presale.code == code)).first()
    if row is None:
        raise UnknownPresale(f"没有预售 {code} (no such presale)")
    return row


def get_presale(session: Session, code: str) -> PresaleView:
    return view_of(session, presale_row(session, code))


def list_presales(session: Session) -> list[PresaleView]:
    return [
        view_of(session, r) for r in session.scalars(select(Presale).order_by(Presale.id.desc()))
    ]


def cancel_presale(
    session: Session, code: str, *, reason: str, at: datetime, source: str
) -> PresaleView:
    """The brand calls the presale off: every payment taken (deposits, and balances already
    paid) is due back, each as its own refund under its one number; forfeited deposits stay
    forfeited. Cancelling again changes nothing; after the balance window has ended it is
    refused (the presale is over)."""
    row = presale_row(session, code)
    if row.status == PresaleStatus.CANCELLED:
        return view_of(session, row)
    if at >= row.balance_ends_at:
        raise PresaleConflict(f"预售「{row.name}」已结束，不能取消 (the presale is over)")
    reason = reason.strip() or "品牌取消预售"
    if len(reason) > 200 or not TEXT.fullmatch(reason):
        raise PresaleRefused("取消原因最多 200 个字 (a reason of at most 200 characters)")
    moved = session.execute(
        update(Presale)
        .where(Presale.id == row.id, Presale.status == PresaleStatus.OPEN)
        .values(status=PresaleStatus.CANCELLED, cancelled_at=at, cancel_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(row)
        return view_of(session, row)
    orders = list(
        session.scalars(
            select(PresaleOrder)
            .where(
                PresaleOrder.presale_id == row.id,
                PresaleOrder.status.in_(
                    (PresaleOrderStatus.DEPOSIT_PAID, PresaleOrderStatus.BALANCE_PAID)
                ),
            )
            .order_by(PresaleOrder.id)
        )
    )
    total = ZERO
    why = f"预售取消：{reason}"[:200]
    for order in orders:
        parts = [(order.deposit_order_no, order.deposit)]
        if order.status == PresaleOrderStatus.BALANCE_PAID and order.balance_order_no:
            parts.append((order.balance_order_no, order.balance))
        for order_no, amount in parts:
            session.add(
                PresaleRefund(
                    presale_order_id=order.id,
                    order_no=order_no,
                    refund_no=checkout.refund_no(row.code, order_no),
                    amount=amount,
                    reason=why,
                    state=RefundState.DUE,
                    attempts=0,
                    next_attempt_at=at,
                    decided_at=at,
                )
            )
            total += amount
        order.status, order.cancelled_at = PresaleOrderStatus.CANCELLED, at
    session.flush()
    events.presale_cancelled(
        session,
        at=at,
        source=source,
        presale=row.code,
        reason=reason,
        orders=len(orders),
        refund_total=total,
    )
    session.refresh(row)
    return view_of(session, row)


def view_of(session: Session, row: Presale) -> PresaleView:
    product = commerce.product(session, row.sku)
    counts = dict(
        session.execute(
            select(PresaleOrder.status, func.count(PresaleOrder.id))
            .where(PresaleOrder.presale_id == row.id)
            .group_by(PresaleOrder.status)
        ).all()
    )
    deposits = session.scalar(
        select(func.coalesce(func.sum(PresaleOrder.deposit), 0)).where(
            PresaleOrder.presale_id == row.id,
            PresaleOrder.status != PresaleOrderStatus.CANCELLED,
        )
    )
    balances = session.scalar(
        select(func.coalesce(func.sum(PresaleOrder.balance), 0)).where(
            PresaleOrder.presale_id == row.id,
            PresaleOrder.status == PresaleOrderStatus.BALANCE_PAID,
        )
    )
    return PresaleView(
        id=row.id,
        code=row.code,
        name=row.name,
        sku=row.sku,
        product_name=product.name if product is not None else row.sku,
        price=row.price,
        deposit=row.deposit,
        balance=row.price - row.deposit,
        quota=row.quota,
        sold=row.sold,
        balance_starts_at=row.balance_starts_at,
        balance_ends_at=row.balance_ends_at,
        remind_hours=row.remind_hours,
        status=PresaleStatus(row.status),
        created_at=row.created_at,
        cancelled_at=row.cancelled_at,
        cancel_reason=row.cancel_reason,
        counts={str(k): int(v) for k, v in counts.items()},
        deposits_taken=to_money(deposits or 0),
        balances_taken=to_money(balances or 0),
    )
