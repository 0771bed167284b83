"""Cycles coming due: one order per cycle however often the task runs, reminders once, the
charge retried on its back-off, the renewal when paid; skip, pause, resume, cancel."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from liveloop.store.engine import transaction
from liveloop.subscriptions import events, jobs
from liveloop.subscriptions import service as subs
from liveloop.subscriptions.contracts import SubscriptionConflict, SubscriptionRefused


def test_the_due_task_run_twice_makes_one_order_per_cycle(store_shop):
    shop = store_shop
    sub = shop.subscribe()
    assert sub.created and sub.next_on == shop.today()
    assert shop.subscribe().id == sub.id and not shop.subscribe().created  # same key: same one
    rt = shop.runtime
    assert jobs.open_due_cycles(rt.sessions, shop.clock, rt) == 1
    assert jobs.open_due_cycles(rt.sessions, shop.clock, rt) == 0
    with transaction(rt.sessions) as session:  # a second worker that read the old due list
        assert not subs.open_cycle(session, sub.id, at=shop.clock.now(), tz=shop.tz, source="t")
    shop.run()
    (order,) = shop.orders("SUB")
    assert order.order_no == f"SUB{sub.id}-1" and order.total == Decimal("79.90")
    view = shop.subscription(sub.id)
    assert [(c.number, c.status) for c in view.cycles] == [(1, "paid")]
    assert view.delivered_cycles == 1 and view.next_cycle == 2
    assert len(shop.events(events.SUBSCRIPTION_RENEWED)) == 1


def test_a_reminder_comes_the_plans_days_before_each_cycle_once(shop):
    first = shop.today() + timedelta(days=5)
    sub = shop.subscribe(first_on=first)
    shop.run()
    assert shop.events(events.SUBSCRIPTION_CYCLE_DUE) == []
    shop.clock.advance(days=3)  # two days before
    shop.run()
    shop.run()
    (due,) = shop.events(events.SUBSCRIPTION_CYCLE_DUE)
    assert due["cycle"] == 1 and due["due_on"] == first.isoformat()
    assert due["product_name"] == "五常稻花香粳米 5kg" and due["amount"] == "79.90"
    assert due["subscription_id"] == sub.id


def test_a_failed_charge_is_retried_after_1_6_and_24_hours_then_renewed(shop):
    shop.charger.refusals = 3
    sub = shop.subscribe()
    shop.run()
    failed = shop.events(events.SUBSCRIPTION_PAYMENT_FAILED)
    assert [f["attempt"] for f in failed] == [1]
    for hours, attempts in ((1, 2), (6, 3)):
        shop.clock.advance(hours=hours - 0.1)
        shop.run()
        assert len(shop.charger.calls) == attempts - 1  # not yet
        shop.clock.advance(hours=0.1)
        shop.run()
        assert len(shop.charger.calls) == attempts
    with transaction(shop.runtime.read_sessions) as session:
        (waiting,) = subs.awaiting_retry(session)
    assert waiting.attempts == 3 and waiting.last_failure == "余额不足"
    assert waiting.next_attempt_at == shop.clock.now() + timedelta(hours=24)
    assert {o.status for o in shop.orders("SUB")} <= {"created", "cancelled"}  # none paid
    shop.clock.advance(hours=24)
    shop.run()
    assert len(shop.charger.calls) == 4
    assert [c.attempt for c in shop.charger.calls] == [1, 2, 3, 4]
    # commerce cancels an order left unpaid for 30 minutes: each retry placed it again
    tried = [f"SUB{sub.id}-1", f"SUB{sub.id}-1-2", f"SUB{sub.id}-1-3", f"SUB{sub.id}-1-4"]
    assert [c.order_no for c in shop.charger.calls] == tried
    assert [(o.order_no, o.status) for o in shop.orders("SUB")] == [
        *((no, "cancelled") for no in tried[:3]),
        (tried[3], "paid"),
    ]
    renewed = shop.events(events.SUBSCRIPTION_RENEWED)
    assert [(r["cycle"], r["order_id"]) for r in renewed] == [(1, tried[3])]
    assert shop.subscription(sub.id).state == "active"


def test_every_retry_failing_pauses_the_subscription_and_says_so(shop):
    shop.charger.refusals = 99
    sub = shop.subscribe()
    shop.run()
    for hours in (1, 6, 24):
        shop.clock.advance(hours=hours)
        shop.run()
    failed = shop.events(events.SUBSCRIPTION_PAYMENT_FAILED)
    assert [(f["attempt"], f["final"]) for f in failed] == [
        (1, False),
        (2, False),
        (3, False),
        (4, True),
    ]
    view = shop.subscription(sub.id)
    assert view.state == "paused" and view.pause_reason == "payment_failed"
    assert view.cycles[0].status == "failed"
    shop.clock.advance(days=3)
    shop.run()
    assert len(shop.charger.calls) == 4  # no fifth attempt
    assert {o.status for o in shop.orders("SUB")} == {"cancelled"}


def test_skip_pause_resume_move_the_next_cycles(shop):
    sub = shop.subscribe(first_on=shop.today() + timedelta(days=1))
    first = sub.next_on
    with transaction(shop.runtime.sessions) as session:
        skipped = subs.skip(session, sub.id, cycle=None, at=shop.clock.now(), tz=shop.tz)
        assert skipped.next_cycle == 2 and skipped.upcoming[0] > first
        again = subs.skip(session, sub.id, cycle=1, at=shop.clock.now(), tz=shop.tz)
        assert again.next_cycle == 2  # skipping twice changes nothing
        paused = subs.pause(session, sub.id, at=shop.clock.now(), tz=shop.tz)
        assert paused.state == "paused"
    before = shop.subscription(sub.id).next_on
    shop.clock.advance(days=10)
    shop.run()
    assert shop.orders("SUB") == []  # nothing comes due while paused
    with transaction(shop.runtime.sessions) as session:
        resumed = subs.resume(session, sub.id, at=shop.clock.now(), tz=shop.tz)
    assert resumed.state == "active" and resumed.next_on == before + timedelta(days=10)
    opened = shop.subscribe(key="k2")
    shop.run()  # its first cycle is due today and opened
    with transaction(shop.runtime.sessions) as session:
        with pytest.raises(SubscriptionConflict):
            subs.skip(session, opened.id, cycle=1, at=shop.clock.now(), tz=shop.tz)
        with pytest.raises(SubscriptionRefused):
            subs.subscribe(
                session,
                subs.SubscribeRequest("old", shop.customer, "rice", shop.today() - timedelta(1)),
                at=shop.clock.now(),
                tz=shop.tz,
                source="t",
            )


def test_cancel_refunds_the_paid_cycle_not_delivered_and_withdraws_the_unpaid(shop):
    sub = shop.subscribe()
    shop.run()  # cycle 1 paid, not shipped
    with transaction(shop.runtime.sessions) as session:
        subs.change_address(session, sub.id, {"city": "长春"}, at=shop.clock.now())
        cancelled = subs.cancel(
            session, sub.id, reason="搬家了", at=shop.clock.now(), source="test"
        )
        again = subs.cancel(session, sub.id, reason="再次", at=shop.clock.now(), source="test")
    assert cancelled.state == "cancelled" and cancelled.refunded == Decimal("79.90")
    assert again.refunded == Decimal("79.90")
    assert cancelled.address == {"city": "长春"}
    assert [c.status for c in cancelled.cycles] == ["refunded"]
    (order,) = shop.orders("SUB")
    assert order.status == "cancelled" and order.refunded_amount == Decimal("79.90")
    (event,) = shop.events(events.SUBSCRIPTION_CANCELLED)
    assert event["refunded"] == "79.90" and event["cycles_refunded"] == 1
    shop.clock.advance(days=40)
    shop.run()
    assert len(shop.orders("SUB")) == 1  # no further cycle


def test_a_fixed_term_plan_ends_after_its_last_paid_cycle(shop):
    with transaction(shop.runtime.sessions) as session:
        subs.save_plan(
            session,
            subs.PlanSpec(
                "milk", "鲜奶两周", "RICE-JING-5KG", 1, "weekly", Decimal("50"), cycles=2
            ),
            shop.clock.now(),
        )
    sub = shop.subscribe(key="m", plan="milk")
    for _ in range(4):
        shop.run()
        shop.clock.advance(days=7)
    view = shop.subscription(sub.id)
    assert view.state == "ended" and view.delivered_cycles == 2 and view.next_on is None
    assert len(shop.orders("SUB")) == 2


def test_a_charge_taken_after_commerce_cancelled_the_order_is_refunded_and_retried(shop):
    from liveloop.commerce import service as commerce

    sub = shop.subscribe()
    order_no = f"SUB{sub.id}-1"

    class CancelledMeanwhile:
        """Takes the money just after commerce's unpaid-order timeout cancelled the order."""

        calls = 0

        def __call__(self, charge):
            self.calls += 1
            if self.calls == 1:
                with transaction(shop.runtime.sessions) as session:
                    commerce.cancel_order(
                        session,
                        charge.order_no,
                        reason="超时未付款",
                        at=shop.clock.now(),
                        source="commerce:auto",
                    )
            return subs.ChargeResult(paid=True, transaction_id=f"T{self.calls}")

    jobs.register(shop.runtime, charger=CancelledMeanwhile())
    shop.run()
    with transaction(shop.runtime.read_sessions) as session:
        first = commerce.get_order(session, order_no)
        (waiting,) = subs.awaiting_retry(session)
    assert first is not None and first.status == "cancelled"
    assert first.refunded_amount == Decimal("79.90")  # the money went back
    assert waiting.attempts == 1 and "超时取消" in (waiting.last_failure or "")
    assert shop.events(events.SUBSCRIPTION_RENEWED) == []
    shop.clock.advance(hours=1)
    shop.run()
    (renewed,) = shop.events(events.SUBSCRIPTION_RENEWED)
    assert renewed["order_id"] == f"{order_no}-2"


def test_two_workers_opening_the_same_cycles_at_once_make_one_order_each(store_shop):
    import threading

    shop = store_shop
    made = [shop.subscribe(key=f"c{n}") for n in range(5)]
    rt = shop.runtime
    start = threading.Barrier(4)
    opened: list[int] = []

    def worker() -> None:
        start.wait()
        opened.append(jobs.open_due_cycles(rt.sessions, shop.clock, rt))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(opened) == 5
    assert sorted(o.order_no for o in shop.orders("SUB")) == sorted(f"SUB{s.id}-1" for s in made)
    for sub in made:
        assert [c.number for c in shop.subscription(sub.id).cycles] == [1]


def test_a_prepaid_term_delivers_at_zero_and_cancelling_refunds_the_cycles_not_delivered(shop):
    from liveloop.commerce import service as commerce

    with transaction(shop.runtime.sessions) as session:
        sub = subs.subscribe(
            session,
            subs.SubscribeRequest("pre", shop.customer, "rice", shop.today(), prepay=True),
            at=shop.clock.now(),
            tz=shop.tz,
            source="test",
        )
    prepay = f"SUB{sub.id}-P"
    assert sub.prepaid_order_no == prepay and sub.prepaid_cycles == 12
    shop.run()
    assert [o.order_no for o in shop.orders("SUB")] == [prepay]  # cycles wait for the prepay
    with transaction(shop.runtime.sessions) as session:  # the customer pays it (WeChat)
        paid = commerce.pay_order(
            session,
            prepay,
            amount=Decimal("958.80"),
            transaction_id="wx-1",
            paid_at=shop.clock.now(),
            source="wechatpay",
        )
    assert paid.status == "paid"
    shop.run()
    with transaction(shop.runtime.sessions) as session:
        commerce.ship_order(session, f"SUB{sub.id}-1", at=shop.clock.now(), source="test")
    shop.clock.advance(days=31)
    shop.run()
    view = shop.subscription(sub.id)
    assert [(c.number, c.status, c.amount) for c in view.cycles] == [
        (1, "paid", Decimal("0.00")),
        (2, "paid", Decimal("0.00")),
    ]
    assert shop.charger.calls == []  # nothing charged per cycle
    with transaction(shop.runtime.sessions) as session:
        cancelled = subs.cancel(session, sub.id, reason="搬走了", at=shop.clock.now(), source="t")
        order = commerce.get_order(session, prepay)
    assert cancelled.refunded == Decimal("878.90")  # 11 of 12 cycles × 79.90
    assert order is not None
    assert [(r.refund_no, r.amount) for r in order.refunds] == [(f"{prepay}-R", Decimal("878.90"))]
    (event,) = shop.events(events.SUBSCRIPTION_CANCELLED)
    assert event["cycles_refunded"] == 11
