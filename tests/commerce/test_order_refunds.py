"""Refunds: by lines and by amount, exact to the fen, never above what was paid, once per
refund number, settled by the provider's answer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from liveloop.commerce import events
from liveloop.commerce.contracts import CouponStatus, OrderStatus, RefundStatus
from liveloop.commerce.orders.pricing import line_refund, paid_shares
from liveloop.commerce.service import (
    OrderConflict,
    OrderLine,
    OrderRefused,
    RefundLineRequest,
    UnknownOrder,
    get_coupon,
    get_order,
    pay_order,
    place_order,
    record_order,
    refund_order,
    refund_order_part,
    settle_refund,
)
from liveloop.store.engine import transaction
from tests.commerce.orders_fixtures import Shop, events_named, request, seed

# Three lines whose discount cannot split evenly: 3 × 13.30 + 19.90 + 59.90 = 119.70, ¥10 off.
LINES = (OrderLine("VIN-3Y", 3), OrderLine("SOY-500", 1), OrderLine("RICE-5KG", 1))


@pytest.fixture
def shop(runtime):
    return Shop(runtime, seed(runtime, runtime.clock.now(), coupons=2))


def _paid(shop, no="B1", lines=LINES, coupon=True):
    now = shop.clock.now()
    with transaction(shop.sessions) as session:
        placed = place_order(
            session,
            request(
                no,
                shop.seeded["buyer"],
                lines=lines,
                coupon_code=shop.seeded["coupons"][0] if coupon else None,
            ),
            at=now,
            source="t",
        )
        return pay_order(
            session, no, amount=placed.total, transaction_id=f"T-{no}", paid_at=now, source="t"
        )


def _refund(shop, no="B1", refund_no="R1", **kw):
    with transaction(shop.sessions) as session:
        return refund_order_part(
            session,
            no,
            refund_no=refund_no,
            reason=kw.pop("reason", "坏果包赔"),
            at=shop.clock.now(),
            source="t",
            **kw,
        )


def test_the_discount_splits_pro_rata_to_the_fen_with_the_remainder_on_the_last_line():
    shares = paid_shares([Decimal("39.90"), Decimal("19.90"), Decimal("59.90")], Decimal("109.70"))
    # 10.00 × 39.90/119.70 = 3.3333 → 3.33; 10.00 × 19.90/119.70 = 1.6625 → 1.66; rest 5.01.
    assert shares == [Decimal("36.57"), Decimal("18.24"), Decimal("54.89")]
    assert sum(shares) == Decimal("109.70")
    assert paid_shares([Decimal("0.01"), Decimal("0.01")], Decimal("0.00")) == [
        Decimal("0.00"),
        Decimal("0.00"),
    ]
    # Unit by unit, a line's refunds add up to its share exactly.
    share, got, amount = Decimal("36.57"), [], Decimal("0")
    for done in range(3):
        part = line_refund(share, 3, done, amount, 1)
        got.append(part)
        amount += part
    assert got == [Decimal("12.19"), Decimal("12.19"), Decimal("12.19")] and amount == share


def test_refunding_every_unit_line_by_line_returns_exactly_what_was_paid(shop):
    order = _paid(shop)
    assert order.total == Decimal("109.70")
    refunds = [
        _refund(shop, refund_no=f"R{i}", lines=[RefundLineRequest(quantity=1, sku=sku)])
        for i, sku in enumerate(["VIN-3Y", "VIN-3Y", "SOY-500", "VIN-3Y", "RICE-5KG"])
    ]
    assert [r.amount for r in refunds] == [
        Decimal("12.19"),
        Decimal("12.19"),
        Decimal("18.24"),
        Decimal("12.19"),
        Decimal("54.89"),
    ]
    assert sum(r.amount for r in refunds) == order.total
    assert [r.fully_refunded for r in refunds] == [False] * 4 + [True]
    with transaction(shop.sessions) as session:
        after = get_order(session, "B1")
        # Every coupon-paid unit refunded: the coupon goes back to its holder.
        assert get_coupon(session, shop.seeded["coupons"][0]).status == CouponStatus.ISSUED
    assert after.status == OrderStatus.REFUNDED and after.refunded_amount == after.total
    assert [(ln.refunded_quantity, ln.refunded_amount) for ln in after.lines] == [
        (3, Decimal("36.57")),
        (1, Decimal("18.24")),
        (1, Decimal("54.89")),
    ]
    logged = events_named(shop, events.ORDER_REFUNDED)
    assert [e.properties["refund_no"] for e in logged] == ["R0", "R1", "R2", "R3", "R4"]
    assert logged[0].properties["total"] == "12.19"  # existing consumers read the amount here
    assert logged[0].properties["lines"] == [
        {"line_no": 1, "sku": "VIN-3Y", "quantity": 1, "amount": "12.19"}
    ]
    assert logged[-1].properties["fully_refunded"] is True
    with pytest.raises(OrderConflict, match="已全额退款"):
        _refund(shop, refund_no="R9", amount=Decimal("0.01"))


def test_a_refund_by_amount_cannot_exceed_what_is_left_to_the_fen(shop):
    _paid(shop)
    assert _refund(shop, refund_no="R1", amount=Decimal("100.00")).amount == Decimal("100.00")
    with pytest.raises(OrderConflict, match="超过可退金额") as refused:
        _refund(shop, refund_no="R2", amount=Decimal("9.71"))
    assert refused.value.status == 409
    last = _refund(shop, refund_no="R3", amount=Decimal("9.70"))
    assert last.fully_refunded
    with transaction(shop.sessions) as session:
        assert get_order(session, "B1").status == OrderStatus.REFUNDED


def test_lines_and_an_amount_refund_that_amount_for_those_lines(shop):
    _paid(shop)
    part = _refund(shop, amount=Decimal("5.00"), lines=[RefundLineRequest(quantity=1, line_no=3)])
    assert part.amount == Decimal("5.00") and part.lines[0].amount == Decimal("5.00")
    with pytest.raises(OrderConflict, match="实付"):
        _refund(
            shop,
            refund_no="R2",
            amount=Decimal("18.25"),
            lines=[RefundLineRequest(quantity=1, line_no=2)],
        )
    with pytest.raises(OrderConflict, match="只剩"):
        _refund(shop, refund_no="R3", lines=[RefundLineRequest(quantity=1, line_no=3)])
    with pytest.raises(OrderRefused, match="没有这一行"):
        _refund(shop, refund_no="R4", lines=[RefundLineRequest(quantity=1, line_no=9)])
    with pytest.raises(OrderRefused, match="金额或退款商品行"):
        _refund(shop, refund_no="R5")
    with pytest.raises(OrderRefused, match="退款单号"):
        _refund(shop, refund_no="R 6", amount=Decimal("1"))


def test_the_same_refund_number_again_changes_nothing(shop):
    _paid(shop)
    _paid(shop, no="B2", coupon=False)
    first = _refund(shop, amount=Decimal("10.00"))
    again = _refund(shop, amount=Decimal("10.00"))
    assert first.created and not again.created and again.amount == first.amount
    with pytest.raises(OrderConflict, match="另一个订单"):
        _refund(shop, no="B2", amount=Decimal("10.00"))
    with transaction(shop.sessions) as session:
        assert get_order(session, "B1").refunded_amount == Decimal("10.00")
        assert get_order(session, "B2").refunded_amount == Decimal("0.00")
    assert len(events_named(shop, events.ORDER_REFUNDED)) == 1


def test_an_unpaid_or_unknown_order_cannot_be_refunded(shop):
    with transaction(shop.sessions) as session:
        place_order(session, request("U1", shop.seeded["buyer"]), at=shop.clock.now(), source="t")
    with pytest.raises(OrderConflict, match="未付款"):
        _refund(shop, no="U1", amount=Decimal("1.00"))
    with pytest.raises(UnknownOrder):
        _refund(shop, no="NOPE", amount=Decimal("1.00"))


def test_a_failed_refund_gives_its_amount_and_units_back(shop):
    _paid(shop)
    whole = _refund(shop, lines=[RefundLineRequest(quantity=1, line_no=n) for n in (1, 2, 3)])
    partial = _refund(shop, refund_no="R2", lines=[RefundLineRequest(quantity=2, line_no=1)])
    assert partial.fully_refunded
    with transaction(shop.sessions) as session:
        assert get_order(session, "B1").status == OrderStatus.REFUNDED
        settled = settle_refund(session, "R1", succeeded=True, at=shop.clock.now())
        assert settled.status == RefundStatus.SUCCEEDED and settled.settled_at is not None
        failed = settle_refund(session, "R2", succeeded=False, at=shop.clock.now())
        assert failed.status == RefundStatus.FAILED
        assert settle_refund(session, "R2", succeeded=False, at=shop.clock.now()) == failed
        with pytest.raises(OrderConflict):
            settle_refund(session, "R2", succeeded=True, at=shop.clock.now())
        with pytest.raises(UnknownOrder):
            settle_refund(session, "NOPE", succeeded=True, at=shop.clock.now())
        order = get_order(session, "B1")
    assert order.status == OrderStatus.PAID
    assert order.refunded_amount == whole.amount
    assert order.lines[0].refunded_quantity == 1
    again = _refund(shop, refund_no="R3", lines=[RefundLineRequest(quantity=2, line_no=1)])
    assert again.amount == partial.amount and again.fully_refunded


def test_record_and_refund_order_still_record_a_paid_order_and_refund_what_is_left(shop):
    now = shop.clock.now()
    with transaction(shop.sessions) as session:
        record_order(
            session,
            order_no="IMP1",
            customer_id=shop.seeded["buyer"],
            lines=[OrderLine("RICE-5KG", 2)],
            placed_at=now,
            channel="import",
            source="import",
            discount=Decimal("9.80"),
        )
        order = get_order(session, "IMP1")
        assert order.status == OrderStatus.PAID and order.paid_at == now
        assert order.subtotal == Decimal("119.80") and order.total == Decimal("110.00")
    _refund(shop, no="IMP1", amount=Decimal("10.00"))
    with transaction(shop.sessions) as session:
        assert refund_order(session, "IMP1", refunded_at=now, reason="整单退", source="import")
        assert not refund_order(session, "IMP1", refunded_at=now, reason="x", source="import")
        order = get_order(session, "IMP1")
    assert order.status == OrderStatus.REFUNDED and order.refunded_amount == Decimal("110.00")
    assert [(r.refund_no, r.amount, r.status) for r in order.refunds] == [
        ("R1", Decimal("10.00"), RefundStatus.REQUESTED),
        ("IMP1", Decimal("100.00"), RefundStatus.SUCCEEDED),
    ]
    assert events_named(shop, events.ORDER_PLACED) == []  # recorded, not placed here
    refunded = events_named(shop, events.ORDER_REFUNDED)[-1]
    assert refunded.message_id == "order-refunded:IMP1"
    assert refunded.properties["refund_status"] == "succeeded"


def test_a_cancelled_order_whose_refund_failed_can_be_refunded_again(shop):
    from liveloop.commerce.service import cancel_order

    _paid(shop)
    with transaction(shop.sessions) as session:
        cancel_order(session, "B1", reason="不要了", at=shop.clock.now(), source="t")
        settle_refund(session, "B1", succeeded=False, at=shop.clock.now())
        order = get_order(session, "B1")
    assert order.status == OrderStatus.CANCELLED and order.refunded_amount == Decimal("0.00")
    again = _refund(shop, refund_no="B1-2", amount=order.total)
    assert again.fully_refunded
    with transaction(shop.sessions) as session:
        order = get_order(session, "B1")
    assert order.status == OrderStatus.CANCELLED and order.refunded_amount == order.total
