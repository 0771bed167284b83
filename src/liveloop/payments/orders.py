"""The one seam between payments and the orders it pays: commerce's order facade
(``CommerceOrders``), behind a small protocol, so the protocol layer (signatures,
notifications, refunds) does not depend on how commerce keeps its orders.

- ``payable``: what an order asks to be paid (None: no such order);
- ``paid``: a verified payment pays the order (idempotent in commerce; called once per payment
  here anyway, by the guarded UPDATE that moves the payment to paid); ``PaidElsewhere`` when
  another transaction paid it first;
- ``refund_settled``: WeChat finished (or closed) a refund that commerce asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.commerce.contracts import OrderStatus
from liveloop.errors import DomainError
from liveloop.payments.notify import NotificationRefused


@dataclass(frozen=True)
class Payable:
    order_no: str
    amount: Decimal  # what WeChat must collect, yuan
    description: str  # what the buyer sees in WeChat (≤ 127 characters)
    paid: bool
    # Why it cannot be paid now (cancelled, say), in the operator's words; None: it can.
    refused: str | None = None


class PaidElsewhere(Exception):
    """``paid`` found the order paid before by another transaction: the money this one
    collected is the provider's to give back."""


class OrderBook(Protocol):
    def payable(self, session: Session, order_no: str) -> Payable | None: ...

    def paid(
        self,
        session: Session,
        order_no: str,
        *,
        amount: Decimal,
        transaction_id: str,
        paid_at: datetime,
    ) -> None: ...

    def refund_settled(
        self, session: Session, refund_no: str, *, succeeded: bool, at: datetime
    ) -> None: ...


SOURCE = "wechatpay"


class CommerceOrders:
    """Commerce's orders: payable while created; paid through ``pay_order`` (idempotent
    there; a refusal — the amount, a cancelled order — is the notification's refusal);
    refunds settled through ``settle_refund``."""

    def payable(self, session: Session, order_no: str) -> Payable | None:
        order = commerce.get_order(session, order_no)
        if order is None:
            return None
        refused = None
        if order.paid_at is None and order.status != OrderStatus.CREATED:
            label = commerce.STATUS_LABELS.get(order.status, order.status)
            refused = f"订单 {order_no} {label},不能付款"
        names = "、".join(line.name for line in order.lines)
        return Payable(
            order_no, order.total, names[:127] or order_no, order.paid_at is not None, refused
        )

    def paid(
        self,
        session: Session,
        order_no: str,
        *,
        amount: Decimal,
        transaction_id: str,
        paid_at: datetime,
    ) -> None:
        try:
            commerce.pay_order(
                session,
                order_no,
                amount=amount,
                transaction_id=transaction_id,
                paid_at=paid_at,
                source=SOURCE,
            )
        except commerce.PaidElsewhere:
            raise PaidElsewhere(order_no) from None
        except DomainError as exc:
            raise NotificationRefused(exc.status, str(exc)) from None

    def refund_settled(
        self, session: Session, refund_no: str, *, succeeded: bool, at: datetime
    ) -> None:
        commerce.settle_refund(session, refund_no, succeeded=succeeded, at=at)
