"""An order whose notification never came is paid by the reconciliation task from WeChat's
own answer to a query, once, and a late notification afterwards changes nothing."""

from __future__ import annotations

from datetime import timedelta

from liveloop import bootstrap
from liveloop.payments import service
from liveloop.store.engine import transaction
from tests.payments.test_notify import OPENID


def test_a_dropped_notification_is_reconciled_by_query(runtime, pay, book, provider, clock):
    bootstrap.wire(runtime)
    provider.drop_notifications = True
    book.place("SO-LOST", "88.00")
    book.place("SO-UNPAID", "5.00")
    lost = service.request_jsapi(
        runtime.sessions, runtime.read_sessions, pay, "SO-LOST", OPENID, clock.now()
    )
    service.request_jsapi(
        runtime.sessions, runtime.read_sessions, pay, "SO-UNPAID", OPENID, clock.now()
    )
    notification = provider.pay(lost.prepay_id)
    assert notification is not None
    assert provider.deliver(notification) is None  # dropped on the way

    runtime.run_tasks_until_idle()
    assert book.payments == []  # too early: the notification may still come

    clock.advance(minutes=6)
    runtime.run_tasks_until_idle()
    assert [no for no, _, _ in book.payments] == ["SO-LOST"]
    with transaction(runtime.read_sessions) as session:
        paid = service.get_payment(session, "SO-LOST")
        unpaid = service.get_payment(session, "SO-UNPAID")
    assert paid is not None and unpaid is not None
    assert (paid.state, paid.paid_by) == ("paid", "query")
    assert paid.transaction_id == provider.orders["SO-LOST"]["transaction_id"]
    assert unpaid.state == "prepaid"

    # The late notification: verified, recorded, but the order was paid already.
    verified = pay.verifier.verify(
        {k.lower(): v for k, v in notification.headers.items()},
        notification.body.encode(),
        clock.now() - timedelta(minutes=6),
    )
    with transaction(runtime.sessions) as session:
        outcome = service.apply_notification(session, pay, verified, clock.now())
    assert outcome.outcome == "processed" and not outcome.paid_now
    assert len(book.payments) == 1
