"""Money of an order that must come out exact to the fen: each line's share of what the buyer
paid (the discount and points split across lines pro rata by line amount, the remainder to the
last line), and what refunding some of a line's units gives back."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from liveloop.store.base import CENT


def fen(amount: Decimal) -> int:
    return int((amount / CENT).to_integral_value())


def yuan(fen_amount: int) -> Decimal:
    return (Decimal(fen_amount) * CENT).quantize(CENT)


def paid_shares(amounts: Sequence[Decimal], total: Decimal) -> list[Decimal]:
    """What each line's buyer paid for it: ``amounts`` less their part of everything taken off
    (``sum(amounts) - total``), each line's part ⌊taken × amount ÷ subtotal⌋ in fen and the
    remainder on the last line, so the shares sum to ``total`` exactly. A remainder larger than
    the last line (possible only for a line of a few fen) spills onto the lines before it."""
    line_fen = [fen(a) for a in amounts]
    subtotal = sum(line_fen)
    taken = subtotal - fen(total)
    if not line_fen:
        return []
    if subtotal <= 0 or taken <= 0:
        return [yuan(a) for a in line_fen]
    cut = [taken * a // subtotal for a in line_fen[:-1]]
    cut.append(taken - sum(cut))
    for i in range(len(cut) - 1, 0, -1):  # keep every share ≥ 0
        over = cut[i] - line_fen[i]
        if over > 0:
            cut[i] -= over
            cut[i - 1] += over
    return [yuan(a - c) for a, c in zip(line_fen, cut, strict=True)]


def line_refund(
    share: Decimal, quantity: int, refunded_quantity: int, refunded_amount: Decimal, more: int
) -> Decimal:
    """What refunding ``more`` units of a line gives back: the line's paid share up to the
    units refunded so far after this one, ⌊share × units ÷ quantity⌋ in fen, less what was
    refunded on it before; the last unit takes what remains of the share, so a line refunded
    unit by unit sums to its share exactly."""
    after = refunded_quantity + more
    if after >= quantity:
        return max(share - refunded_amount, Decimal("0")).quantize(CENT)
    owed = yuan(fen(share) * after // quantity)
    return max(owed - refunded_amount, Decimal("0")).quantize(CENT)


def split(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``amount`` split pro rata by ``weights`` in fen, the remainder on the last."""
    if not weights:
        return []
    total = sum(fen(w) for w in weights)
    whole = fen(amount)
    if total <= 0:
        return [yuan(0)] * (len(weights) - 1) + [yuan(whole)]
    parts = [whole * fen(w) // total for w in weights[:-1]]
    parts.append(whole - sum(parts))
    return [yuan(p) for p in parts]
