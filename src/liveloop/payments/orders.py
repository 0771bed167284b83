"""The one seam between payments and the orders it pays: commerce's order facade, behind a
small protocol so the protocol layer (signatures, notifications, refunds) does not depend on
how commerce keeps its orders.

- ``payable``: what an order asks to be paid (None: no such order);
- ``paid``: a verified payment pays the order (idempotent in commerce; called once per payment
  here anyway, by the guarded UPDATE that moves the payment to paid);
- ``refund_settled``: WeChat finished (or closed) a refund that commerce asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Payable:
    order_no: str
    amount: Decimal  # what WeChat must collect, yuan
    description: str  # what the buyer sees in WeChat (≤ 127 characters)
    paid: bool
    # Why it cannot be paid now (cancelled, say), in the operator's words; None: it can.
    refused: str | None = None


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
