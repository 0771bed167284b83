"""A leader's commission: exact yuan, half up to the fen."""

from decimal import Decimal

import pytest

from liveloop.commerce.service import leader_commission


def test_commission_is_rounded_half_up_to_the_fen():
    assert leader_commission(Decimal("10.05"), Decimal("0.1")) == Decimal("1.01")
    assert leader_commission(Decimal("180.05"), Decimal("0.10")) == Decimal("18.01")
    assert leader_commission(Decimal("0"), Decimal("0.1")) == Decimal("0.00")
    assert leader_commission(Decimal("1234.5"), Decimal("0.15")) == Decimal("185.18")


@pytest.mark.parametrize("rate", [Decimal("-0.01"), Decimal("1.01")])
def test_a_rate_outside_zero_to_one_is_refused(rate):
    with pytest.raises(ValueError, match="share"):
        leader_commission(Decimal("100"), rate)
