"""What a community leader (团长) earns: one flat rate on the GMV of the orders through them.

Exact decimal yuan, rounded half up to the fen (a GMV ending in 5 fen at 10% lands on half a
fen). Multi-level splits and a commission ledger are for later (issue 14).
"""

from __future__ import annotations

from decimal import Decimal

from liveloop.store.base import to_money


def leader_commission(gmv: Decimal, rate: Decimal) -> Decimal:
    """``gmv × rate`` to the fen, half up; ``rate`` is a share in [0, 1]."""
    if not Decimal(0) <= rate <= Decimal(1):
        raise ValueError(f"a commission rate is a share in [0, 1], not {rate}")
    return to_money(gmv * rate)
