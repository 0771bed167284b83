"""Orders as a state machine: each move once, illegal moves refused, every move idempotent."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from liveloop.commerce import events
from liveloop.commerce.contracts import CouponStatus, OrderStatus, RefundStatus
from liveloop.commerce.service import (
    CommerceError,
    OrderConflict,
    OrderLine,
    OrderRefused,
    UnknownOrder,
    cancel_order,
    confirm_order,
    deliver_order,
    get_coupon,
    get_order,
    list_orders,
    pay_order,
    place_order,
    ship_order,
)
from liveloop.errors import DomainError
from liveloop.store.engine import transaction
from tests.commerce.orders_fixtures import Shop, events_named, give_points, request, seed


def _place(runtime, no="A1", **kw):
    with transaction(runtime.sessions) as session:
        return place_order(
            session, request(no, runtime.seeded["buyer"], **kw), at=runtime.clock.now(), source="t"
        )


def _pay(runtime, no="A1", amount=None, txn="T1"):
    with transaction(runtime.sessions) as session:
        total = amount if amount is not None else get_order(session, no).total
        return pay_order(
            session, no, amount=total, transaction_id=txn, paid_at=runtime.clock.now(), source="t"
        )


def _do(runtime, move, no="A1"):
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session:
        if move == "pay":
            return pay_order(
                session,
                no,
                amount=get_order(session, no).total,
                transaction_id="T1",
                paid_at=now,
                source="t",
            )
        if move == "ship":
            return ship_order(session, no, at=now, source="t", carrier="顺丰", tracking_no="SF1")
        if move == "deliver":
            return deliver_order(session, no, at=now, source="t")
        if move == "confirm":
            return confirm_order(session, no, at=now, source="t")
        if move == "cancel":
            return cancel_order(session, no, reason="不想要了", at=now, source="t")
    raise AssertionError(move)


@pytest.fixture
def shop(runtime):
    return Shop(runtime, seed(runtime, runtime.clock.now()))


def test_an_order_is_priced_with_its_coupon_and_placed_once(shop):
    coupon = shop.seeded["coupons"][0]
    placed = _place(shop, coupon_code=coupon, address={"name": "张", "city": "广州市"})
    assert placed.created and placed.status == OrderStatus.CREATED
    assert placed.subtotal == Decimal("99.70")
    assert placed.coupon_discount == placed.discount == Decimal("10.00")
    assert placed.total == Decimal("89.70")
    assert sum(line.paid_amount for line in placed.lines) == placed.total
    again = _place(shop, coupon_code=coupon, address={"name": "张", "city": "广州市"})
    assert not again.created and not again.changed and again.total == placed.total
    with pytest.raises(OrderConflict, match="订单号已存在") as refused:
        _place(shop, coupon_code=coupon, lines=(OrderLine("RICE-5KG", 2),))
    assert refused.value.status == 409
    assert len(events_named(shop, events.ORDER_PLACED)) == 1
    assert len(events_named(shop, events.COUPON_APPLIED)) == 1
    with transaction(shop.sessions) as session:
        assert get_coupon(session, coupon).status == CouponStatus.REDEEMED


def test_an_order_goes_from_placed_to_completed_each_move_logged_once(shop):
    _place(shop)
    for move, status in [
        ("pay", OrderStatus.PAID),
        ("ship", OrderStatus.SHIPPED),
        ("deliver", OrderStatus.DELIVERED),
        ("confirm", OrderStatus.COMPLETED),
    ]:
        shop.clock.advance(hours=1)
        view = _do(shop, move)
        assert view.changed and view.status == status
        assert not _do(shop, move).changed  # the same move again: nothing changes
    view = _do(shop, "confirm")
    assert (view.paid_at, view.shipped_at, view.delivered_at, view.completed_at) == (
        view.placed_at + timedelta(hours=1),
        view.placed_at + timedelta(hours=2),
        view.placed_at + timedelta(hours=3),
        view.placed_at + timedelta(hours=4),
    )
    for name in (
        events.ORDER_PLACED,
        events.ORDER_COMPLETED,
        events.ORDER_SHIPPED,
        events.ORDER_DELIVERED,
        events.ORDER_CONFIRMED,
    ):
        assert len(events_named(shop, name)) == 1, name
    paid = events_named(shop, events.ORDER_COMPLETED)[0]
    assert paid.message_id == "order-completed:A1"
    assert paid.properties["total"] == "99.70"
    assert [p["sku"] for p in paid.properties["products"]] == ["RICE-5KG", "SOY-500"]
    assert paid.type == "domain"


# Every move from every state the machine forbids, with the state it is refused in.
ILLEGAL = [
    ("created", "ship"),
    ("created", "deliver"),
    ("created", "confirm"),
    ("paid", "deliver"),
    ("paid", "confirm"),
    ("shipped", "cancel"),
    ("delivered", "cancel"),
    ("completed", "cancel"),
    ("cancelled", "ship"),
    ("cancelled", "deliver"),
    ("cancelled", "confirm"),
]
PATH = {
    "created": [],
    "paid": ["pay"],
    "shipped": ["pay", "ship"],
    "delivered": ["pay", "ship", "deliver"],
    "completed": ["pay", "ship", "deliver", "confirm"],
    "cancelled": ["cancel"],
}


@pytest.mark.parametrize(("state", "move"), ILLEGAL)
def test_a_move_the_state_forbids_is_refused_and_changes_nothing(shop, state, move):
    _place(shop)
    for step in PATH[state]:
        _do(shop, step)
    with transaction(shop.sessions) as session:
        before = get_order(session, "A1")
    with pytest.raises(OrderConflict) as refused:
        _do(shop, move)
    assert refused.value.status == 409 and "不能" in str(refused.value)
    with transaction(shop.sessions) as session:
        assert get_order(session, "A1") == before


def test_moves_on_a_refunded_order_are_refused(shop):
    from liveloop.commerce.service import refund_order_part

    _place(shop)
    _pay(shop)
    with transaction(shop.sessions) as session:
        refund_order_part(
            session,
            "A1",
            refund_no="R1",
            amount=Decimal("99.70"),
            reason="坏果",
            at=shop.clock.now(),
            source="t",
        )
    for move in ("ship", "deliver", "confirm", "cancel"):
        with pytest.raises(OrderConflict):
            _do(shop, move)
    assert not _do(shop, "pay").changed  # the same payment again is still a no-op


def test_a_payment_must_match_the_total_and_come_once(shop):
    _place(shop)
    with pytest.raises(OrderConflict, match="不符"):
        _pay(shop, amount=Decimal("99.69"))
    with transaction(shop.sessions) as session:
        assert get_order(session, "A1").status == OrderStatus.CREATED
    assert _pay(shop).changed
    assert not _pay(shop).changed
    with pytest.raises(OrderConflict, match="另一笔交易"):
        _pay(shop, txn="T2")
    assert len(events_named(shop, events.ORDER_COMPLETED)) == 1


def test_a_payment_recorded_without_announcing_logs_no_order_completed(shop):
    _place(shop)
    with transaction(shop.sessions) as session:
        view = pay_order(
            session,
            "A1",
            amount=Decimal("99.70"),
            transaction_id="T1",
            paid_at=shop.clock.now(),
            source="ledger",
            announce=False,
        )
    assert view.status == OrderStatus.PAID
    assert events_named(shop, events.ORDER_COMPLETED) == []


def test_cancelling_an_unpaid_order_gives_its_coupon_back(shop):
    coupon = shop.seeded["coupons"][0]
    _place(shop, coupon_code=coupon)
    view = _do(shop, "cancel")
    assert view.changed and view.status == OrderStatus.CANCELLED and view.refunds == ()
    assert view.cancel_reason == "不想要了"
    assert not _do(shop, "cancel").changed
    with transaction(shop.sessions) as session:
        assert get_coupon(session, coupon).status == CouponStatus.ISSUED
    (cancelled,) = events_named(shop, events.ORDER_CANCELLED)
    assert cancelled.properties["was_paid"] is False
    assert events_named(shop, events.ORDER_REFUNDED) == []


def test_cancelling_a_paid_order_refunds_it_in_full(shop):
    _place(shop)
    _pay(shop)
    view = _do(shop, "cancel")
    assert view.status == OrderStatus.CANCELLED
    assert view.refunded_amount == view.total == Decimal("99.70")
    (refund,) = view.refunds
    assert (refund.refund_no, refund.amount, refund.status) == (
        "A1",
        Decimal("99.70"),
        RefundStatus.REQUESTED,
    )
    assert sum(line.amount for line in refund.lines) == refund.amount
    (refunded,) = events_named(shop, events.ORDER_REFUNDED)
    assert refunded.properties["refund_status"] == "requested"
    assert refunded.properties["fully_refunded"] is True
    assert refunded.properties["transaction_id"] == "T1"
    assert not _do(shop, "cancel").changed
    assert len(events_named(shop, events.ORDER_REFUNDED)) == 1


def test_a_payment_for_a_cancelled_order_is_kept_and_refunded(shop):
    _place(shop)
    _do(shop, "cancel")
    view = _pay(shop, amount=Decimal("99.70"))
    assert view.changed and view.status == OrderStatus.CANCELLED
    assert view.transaction_id == "T1" and view.refunded_amount == Decimal("99.70")
    assert [r.refund_no for r in view.refunds] == ["A1"]
    assert not _pay(shop, amount=Decimal("99.70")).changed
    assert len(events_named(shop, events.ORDER_REFUNDED)) == 1


def test_bad_orders_are_refused_before_anything_is_written(shop):
    for kw, message in [
        ({"lines": ()}, "至少"),
        ({"lines": (OrderLine("NOPE", 1),)}, "没有这个商品"),
        ({"lines": (OrderLine("SOY-500", 0),)}, "数量"),
        ({"lines": (OrderLine("SOY-500", 1, Decimal("-1")),)}, "单价"),
    ]:
        with pytest.raises(OrderRefused, match=message) as refused:
            _place(shop, **kw)
        assert refused.value.status == 422
    with pytest.raises(CommerceError):  # a coupon that is not the buyer's
        _place(shop, coupon_code="NOSUCHCOUPON")
    with transaction(shop.sessions) as session:
        assert get_order(session, "A1") is None
        with pytest.raises(UnknownOrder):
            ship_order(session, "A1", at=shop.clock.now(), source="t")
    assert events_named(shop, events.ORDER_PLACED) == []


def test_a_price_set_upstream_is_kept(shop):
    view = _place(shop, lines=(OrderLine("RICE-5KG", 2, Decimal("39.90")),))
    assert view.lines[0].unit_price == Decimal("39.90") and view.total == Decimal("79.80")


def test_orders_list_newest_first_by_pages_and_status(shop):
    for i in range(5):
        _place(shop, no=f"L{i}")
    _pay(shop, no="L1")
    with transaction(shop.sessions) as session:
        first = list_orders(session, limit=2)
        assert [o.order_no for o in first.rows] == ["L4", "L3"]
        second = list_orders(session, limit=2, after=first.next_after)
        assert [o.order_no for o in second.rows] == ["L2", "L1"]
        last = list_orders(session, limit=2, after=second.next_after)
        assert [o.order_no for o in last.rows] == ["L0"] and last.next_after is None
        paid = list_orders(session, status=OrderStatus.PAID, limit=10)
        assert [o.order_no for o in paid.rows] == ["L1"]
        mine = list_orders(session, customer_id=shop.seeded["buyer"], limit=10)
        assert len(mine.rows) == 5


def test_points_are_spent_at_checkout_once_and_a_short_balance_refuses_the_order(shop):
    from liveloop.loyalty import service as loyalty

    buyer = shop.seeded["buyer"]
    with pytest.raises(DomainError, match="积分不足") as short:  # loyalty's refusal
        _place(shop, points=500)
    assert short.value.status == 409
    with transaction(shop.sessions) as session:
        assert get_order(session, "A1") is None
    give_points(shop.runtime, buyer, 1_000)
    placed = _place(shop, points=550, coupon_code=shop.seeded["coupons"][0])
    assert (placed.points_used, placed.points_value) == (550, Decimal("5.50"))
    assert placed.total == Decimal("99.70") - Decimal("10.00") - Decimal("5.50")
    assert sum(line.paid_amount for line in placed.lines) == placed.total
    again = _place(shop, points=550, coupon_code=shop.seeded["coupons"][0])
    assert not again.created
    with transaction(shop.sessions) as session:
        member = loyalty.member_of(session, buyer, shop.clock.now())
    assert member is not None and member.available == 450
    (event,) = events_named(shop, events.ORDER_PLACED)
    assert (event.properties["points"], event.properties["points_value"]) == (550, "5.50")


def test_an_unpaid_order_cancelled_gives_back_the_points_it_spent_once(shop):
    from sqlalchemy import update

    from liveloop.identity import jobs as identity_jobs
    from liveloop.loyalty import jobs as loyalty_jobs
    from liveloop.loyalty import service as loyalty
    from liveloop.store.consumers import ConsumerCursor

    runtime, buyer = shop.runtime, shop.seeded["buyer"]
    identity_jobs.register(runtime)
    loyalty_jobs.register(runtime)

    def work_and_balance() -> int:
        runtime.consumers.run_until_idle(runtime.sessions, runtime.clock)
        with transaction(runtime.sessions) as session:
            return loyalty.member_of(session, buyer, runtime.clock.now()).available

    give_points(runtime, buyer, 1_000)
    _place(shop, points=600)
    assert work_and_balance() == 400
    with transaction(runtime.sessions) as session:
        cancel_order(session, "A1", reason="不想要了", at=runtime.clock.now(), source="t")
    assert work_and_balance() == 1_000
    with transaction(runtime.sessions) as session:  # the whole log read again
        session.execute(
            update(ConsumerCursor).where(ConsumerCursor.name == "loyalty").values(position=0)
        )
    assert work_and_balance() == 1_000
    assert [e.properties["refund_no"] for e in events_named(shop, "Points Returned")] == [None]
