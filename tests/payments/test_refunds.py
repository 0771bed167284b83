"""Refunds go through the outbox with one ``out_refund_no`` however often they are retried:
the local server refuses the first three attempts, the fourth succeeds, the order's refund is
settled once and WeChat holds one refund."""

from __future__ import annotations

from decimal import Decimal

import pytest

from liveloop import bootstrap
from liveloop.payments import service
from liveloop.payments.contracts import PaymentError, RefundState, UnknownPayment
from liveloop.store.engine import transaction
from tests.payments.test_notify import OPENID, auth


def paid_order(runtime, pay, book, provider, order_no: str, amount: str) -> None:
    book.place(order_no, amount)
    order = service.request_jsapi(
        runtime.sessions, runtime.read_sessions, pay, order_no, OPENID, runtime.clock.now()
    )
    notification = provider.pay(order.prepay_id)
    assert notification is not None
    verified = pay.verifier.verify(
        {k.lower(): v for k, v in notification.headers.items()},
        notification.body.encode(),
        runtime.clock.now(),
    )
    with transaction(runtime.sessions) as session:
        assert service.apply_notification(session, pay, verified, runtime.clock.now()).paid_now


def drain(runtime, clock, rounds: int = 12) -> None:
    """Drain the outbox, letting the back-off run out between rounds."""
    for _ in range(rounds):
        runtime.outbox.drain_until_idle(runtime.sessions, clock)
        clock.advance(minutes=2)


def test_a_refund_refused_three_times_is_retried_with_one_refund_number_until_done(
    client, runtime, pay, book, provider, clock
):
    bootstrap.wire(runtime)
    paid_order(runtime, pay, book, provider, "GB1", "59.00")
    provider.refuse_refunds = 3
    with transaction(runtime.sessions) as session:
        assert service.request_refund(
            session,
            refund_no="GB1-R1",
            order_no="GB1",
            amount=Decimal("20.00"),
            reason="拼团差价",
            at=clock.now(),
        )
        # Asked again (a replayed event): nothing new.
        assert not service.request_refund(
            session,
            refund_no="GB1-R1",
            order_no="GB1",
            amount=Decimal("20.00"),
            reason="拼团差价",
            at=clock.now(),
        )
    runtime.outbox.drain_until_idle(runtime.sessions, clock)
    with transaction(runtime.read_sessions) as session:
        failing = service.get_payment(session, "GB1")
    assert failing is not None
    assert failing.refunds[0].state == RefundState.FAILED
    assert "SYSTEM_ERROR" in (failing.refunds[0].last_error or "")

    listed = client.get(
        "/v1/payments/refunds?state=failed", headers=auth(runtime, "operator")
    ).json()
    assert [(r["out_refund_no"], r["attempts"]) for r in listed] == [("GB1-R1", 1)]

    drain(runtime, clock)
    assert provider.refund_requests == ["GB1-R1"] * 4
    assert len(provider.refunds) == 1
    assert book.settled == [("GB1-R1", True)]
    with transaction(runtime.read_sessions) as session:
        done = service.get_payment(session, "GB1")
    assert done is not None
    refund = done.refunds[0]
    assert (refund.state, refund.attempts, refund.last_error) == ("succeeded", 4, None)


def test_a_processing_refund_is_queried_later_not_sent_again(runtime, pay, book, provider, clock):
    bootstrap.wire(runtime)
    paid_order(runtime, pay, book, provider, "GB2", "39.00")
    provider.refund_result = "PROCESSING"
    with transaction(runtime.sessions) as session:
        service.request_refund(
            session,
            refund_no="GB2-R1",
            order_no="GB2",
            amount=Decimal("39.00"),
            reason="成团失败",
            at=clock.now(),
        )
    drain(runtime, clock, rounds=2)
    assert book.settled == []
    with transaction(runtime.read_sessions) as session:
        assert service.refunds(session)[0].state == RefundState.PROCESSING
    provider.finish_refunds()
    drain(runtime, clock, rounds=2)
    assert book.settled == [("GB2-R1", True)]
    assert provider.refund_requests == ["GB2-R1"]  # then only queried


def test_a_refund_needs_a_paid_wechat_payment_and_a_sane_amount(runtime, pay, book, provider):
    paid_order(runtime, pay, book, provider, "GB3", "10.00")
    with transaction(runtime.sessions) as session:
        with pytest.raises(UnknownPayment):
            service.request_refund(
                session,
                refund_no="X-R1",
                order_no="NOT-PAID",
                amount=Decimal("1"),
                reason="",
                at=runtime.clock.now(),
            )
        with pytest.raises(PaymentError):
            service.request_refund(
                session,
                refund_no="GB3-R1",
                order_no="GB3",
                amount=Decimal("10.01"),
                reason="",
                at=runtime.clock.now(),
            )


def test_a_refund_wechat_refuses_for_good_is_not_retried_and_says_why(
    runtime, pay, book, provider, clock
):
    bootstrap.wire(runtime)
    paid_order(runtime, pay, book, provider, "GB4", "30.00")
    with transaction(runtime.sessions) as session:
        for number in ("GB4-R1", "GB4-R2"):  # ¥20 twice on a ¥30 order
            service.request_refund(
                session,
                refund_no=number,
                order_no="GB4",
                amount=Decimal("20.00"),
                reason="退差价",
                at=clock.now(),
            )
    drain(runtime, clock, rounds=3)
    assert provider.refund_requests == ["GB4-R1", "GB4-R2"]  # the second once: no retry
    with transaction(runtime.read_sessions) as session:
        by_number = {r.out_refund_no: r for r in service.refunds(session)}
    assert by_number["GB4-R1"].state == RefundState.SUCCEEDED
    assert by_number["GB4-R2"].state == RefundState.FAILED
    assert "NOT_ENOUGH" in (by_number["GB4-R2"].last_error or "")
    assert book.settled == [("GB4-R1", True)]
