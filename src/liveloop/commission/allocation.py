"""The arithmetic of a commission, exact to the fen: integers of fen and ``Fraction``s only,
never float, one rounding at the end.

- A line's **paid share** is its amount less its part of everything taken off the order
  (coupon, discount, points' value): ``taken × amount ÷ subtotal`` in fen, allocated by the
  largest remainder (Hamilton's method: every line gets the floor, the fen left over go one
  each to the lines with the largest remainders, ties to the earlier line), so the shares sum
  to the order's total exactly and no line is off by more than one fen from its exact share.
- A line's **commission** is ``share × rate × (1 − refunded fraction)`` rounded half up to
  the fen (0.005 → 0.01): the rounding is taken once, on the line's figure as it stands; a
  refund posts the figure after it less the figure before it, so a line's entries always sum
  to its current figure — never a fen drifts, however many refunds.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from liveloop.store.base import CENT

RATE_UNITS = 10_000  # rates in ten-thousandths


def fen(amount: Decimal) -> int:
    return int((amount / CENT).to_integral_value())


def yuan(fen_amount: int) -> Decimal:
    return (Decimal(fen_amount) * CENT).quantize(CENT)


def largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` fen split over ``weights`` pro rata, the parts summing to ``total``."""
    whole = sum(weights)
    if not weights:
        return []
    if whole <= 0:
        return [0] * (len(weights) - 1) + [total]
    quotas = [total * w for w in weights]  # each part is quota / whole
    parts = [q // whole for q in quotas]
    left = total - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(quotas[i] % whole), i))
    for i in by_remainder[:left]:
        parts[i] += 1
    return parts


def paid_shares(amounts: Sequence[int], total: int) -> list[int]:
    """Each line's paid share in fen: ``amounts`` less their largest-remainder part of
    ``sum(amounts) - total``; the shares sum to ``total`` (when something was taken off)."""
    taken = sum(amounts) - total
    if taken <= 0:
        return list(amounts)
    cuts = largest_remainder(taken, amounts)
    return [a - c for a, c in zip(amounts, cuts, strict=True)]


def half_up(value: Fraction) -> int:
    """``value`` (fen, ≥ 0) to the whole fen, half up."""
    return int((value * 2 + 1) // 2)


def commission(share: int, rate_bp: int, kept: Fraction = Fraction(1)) -> int:
    """The commission in fen on ``share`` fen at ``rate_bp`` ten-thousandths, of which the
    fraction ``kept`` (1 − refunded) still stands."""
    if kept >= 1:  # the common case, in integers: ⌊(2 × share × rate + units) ÷ 2 units⌋
        return (2 * share * rate_bp + RATE_UNITS) // (2 * RATE_UNITS)
    kept = max(kept, Fraction(0))
    return half_up(Fraction(share * rate_bp, RATE_UNITS) * kept)
