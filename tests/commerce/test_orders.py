from datetime import timedelta
from decimal import Decimal

import pytest

from liveloop.commerce.service import CommerceError, OrderLine, record_order, refund_order
from liveloop.store.engine import transaction
from tests.helpers import seed_small_brand


def _order(session, now, **kw):
    base = dict(
        order_no="SO9",
        customer_id=1,
        lines=[OrderLine("SOY-500", 1)],
        placed_at=now,
        channel="wecom",
        source="test",
    )
    return record_order(session, **{**base, **kw})


def test_negative_prices_and_discounts_are_refused(runtime):
    now = runtime.clock.now()
    seed_small_brand(runtime, now)
    with transaction(runtime.sessions) as session:
        with pytest.raises(CommerceError, match="discount cannot be negative"):
            _order(session, now, discount=Decimal("-5"))
        with pytest.raises(CommerceError, match="unit price cannot be negative"):
            _order(session, now, lines=[OrderLine("SOY-500", 1, Decimal("-1.00"))])
        with pytest.raises(CommerceError, match="exceeds"):
            _order(session, now, discount=Decimal("100"))
        with pytest.raises(CommerceError, match="unknown SKU"):
            _order(session, now, lines=[OrderLine("NOPE", 1)])


def test_recording_the_same_order_twice_is_a_no_op_and_refunds_once(runtime):
    now = runtime.clock.now()
    seed_small_brand(runtime, now)
    with transaction(runtime.sessions) as session:
        assert _order(session, now) is not None
        assert _order(session, now) is None
        assert refund_order(
            session, "SO9", refunded_at=now + timedelta(days=1), reason="坏果包赔", source="test"
        )
        assert not refund_order(
            session, "SO9", refunded_at=now + timedelta(days=2), reason="x", source="test"
        )
        with pytest.raises(CommerceError, match="precede"):
            refund_order(
                session, "SO1", refunded_at=now - timedelta(days=30), reason="x", source="test"
            )
