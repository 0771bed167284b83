"""Money split into equal parts exact to the fen, and the refund of the parts not used.

``shares(199, 4)`` is 49.75 × 4; ``shares(100, 3)`` is 33.34, 33.33, 33.33 — the fen that do
not divide go one each to the first parts, so the parts always add up to the total and a
refund of the unused parts (``unused_refund``) plus what the used parts kept is the total,
to the fen. The first parts are the ones used first (deliveries, cycles), so the customer is
never refunded more than the parts they did not get.
"""

from __future__ import annotations

from decimal import Decimal

from liveloop.store.base import to_money


def shares(total: Decimal, parts: int) -> list[Decimal]:
    if parts <= 0:
        raise ValueError("parts must be positive")
    fen = int(to_money(total) * 100)
    if fen < 0:
        raise ValueError("a total cannot be negative")
    each, left = divmod(fen, parts)
    return [to_money(Decimal(each + (1 if i < left else 0)) / 100) for i in range(parts)]


def unused_refund(total: Decimal, parts: int, used: int) -> Decimal:
    """What the ``parts - used`` parts not used are worth of ``total``."""
    if not 0 <= used <= parts:
        raise ValueError("used must be between 0 and parts")
    return sum(shares(total, parts)[used:], Decimal("0.00"))
