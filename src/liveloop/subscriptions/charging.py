"""Charging a cycle: the port a payment provider plugs into.

A ``Charger`` is called outside any transaction with a cycle's ``Charge`` and answers whether
the money was taken. The cycle keeps the attempt count; the charger keeps nothing, and is
given the order number as its idempotency key (a provider that charges twice for one order
number is refused by the provider itself).

``AwaitingPayment`` is the charger when no stored-payer (委托代扣) charging is configured: the
customer pays the cycle's order themselves (the reminder tells them), and each attempt asks
whether they have; an unpaid order is a failed attempt, retried on the back-off.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class Charge:
    order_no: str
    customer_id: int
    amount: Decimal
    attempt: int  # 1 for the first try
    description: str


@dataclass(frozen=True)
class ChargeResult:
    paid: bool
    reason: str = ""
    transaction_id: str | None = None


class Charger(Protocol):
    def __call__(self, charge: Charge) -> ChargeResult: ...


NOT_PAID = "本期订单尚未支付"  # shown to the customer (the journey quotes it)


class AwaitingPayment:
    """No stored payer: nothing is charged; an attempt fails until the order is paid (which
    the ``Order Completed`` consumer records as soon as commerce logs it)."""

    def __call__(self, charge: Charge) -> ChargeResult:
        return ChargeResult(paid=False, reason=NOT_PAID)
