"""An order book for the protocol tests: orders in a table-less ledger kept beside the store,
recording every call payments makes (so a test sees an order paid exactly once)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from liveloop.payments.orders import Payable


@dataclass
class Book:
    orders: dict[str, Decimal] = field(default_factory=dict)
    payments: list[tuple[str, Decimal, str]] = field(default_factory=list)
    settled: list[tuple[str, bool]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def place(self, order_no: str, amount: str) -> None:
        self.orders[order_no] = Decimal(amount)

    def payable(self, session, order_no: str) -> Payable | None:
        if order_no not in self.orders:
            return None
        paid = any(no == order_no for no, _, _ in self.payments)
        return Payable(order_no, self.orders[order_no], f"测试订单 {order_no}", paid)

    def paid(self, session, order_no, *, amount, transaction_id, paid_at: datetime) -> None:
        with self.lock:
            self.payments.append((order_no, amount, transaction_id))

    def refund_settled(self, session, refund_no, *, succeeded, at) -> None:
        with self.lock:
            self.settled.append((refund_no, succeeded))
