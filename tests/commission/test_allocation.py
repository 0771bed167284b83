"""The arithmetic: shares by largest remainder sum exactly to the order's total, no line off
its exact share by a fen or more; commissions round half up, once."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from liveloop.commission.allocation import commission, largest_remainder, paid_shares

amounts = st.lists(st.integers(min_value=1, max_value=500_000), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(amounts, st.data())
def test_paid_shares_sum_exactly_to_the_total_and_stay_within_a_fen(lines, data):
    subtotal = sum(lines)
    total = data.draw(st.integers(min_value=0, max_value=subtotal))
    shares = paid_shares(lines, total)
    assert sum(shares) == total
    taken = subtotal - total
    for line, share in zip(lines, shares, strict=True):
        exact = line - Fraction(taken * line, subtotal)
        assert 0 <= share <= line
        assert abs(share - exact) < 1


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**9), amounts)
def test_largest_remainder_gives_the_fen_left_to_the_largest_remainders(total, weights):
    parts = largest_remainder(total, weights)
    assert sum(parts) == total
    whole = sum(weights)
    floors = [total * w // whole for w in weights]
    extra = [i for i, (p, f) in enumerate(zip(parts, floors, strict=True)) if p != f]
    assert all(parts[i] == floors[i] + 1 for i in extra)
    remainders = [total * w % whole for w in weights]
    if extra:
        assert min(remainders[i] for i in extra) >= max(
            (r for i, r in enumerate(remainders) if i not in extra), default=0
        )


def test_a_known_split_gives_the_last_fen_to_the_largest_remainder():
    # 10.00 off 79.80 / 59.90 / 59.70: 4.002, 3.004, 2.994 → 4.00, 3.01, 2.99.
    assert paid_shares([7980, 5990, 5970], 18940) == [7580, 5689, 5671]


def test_commission_rounds_half_up_once():
    assert commission(5690, 1500) == 854  # 853.5 fen → 854
    assert commission(5689, 1500) == 853  # 853.35 → 853
    assert commission(1, 3000) == 0  # 0.3 fen → 0
    assert commission(5, 1000) == 1  # 0.5 fen → 1
    assert commission(5671, 1200, Fraction(2, 3)) == 454  # 453.68
    assert commission(5671, 1200, Fraction(0)) == 0
