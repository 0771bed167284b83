"""Payments' background work: the ``payments-refunds`` consumer (commerce's ``Order Refunded``
with ``refund_status`` requested, for an order paid through WeChat Pay, becomes a refund send
under the event's ``refund_no``), the ``wechatpay-refund`` outbox sender (one ``out_refund_no`` per
refund, retried with the outbox's back-off until WeChat says SUCCESS; a refund WeChat is
processing is queried again a minute later without using an attempt) and the
``payments-reconcile`` task (every minute: payments whose notification never came are queried
at WeChat and paid, or closed, as it says)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session, sessionmaker

from liveloop.clock import Clock
from liveloop.commerce import events as commerce_events
from liveloop.payments import gateway as gateways
from liveloop.payments import service
from liveloop.payments.contracts import REFUND_KIND, RefundState
from liveloop.payments.orders import CommerceOrders
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from liveloop.store.eventlog import LoggedEvent
from liveloop.store.outbox import Deferred, Envelope, PermanentFailure
from liveloop.store.worker import Task

REFUNDS_CONSUMER = "payments-refunds"
RECONCILE_EVERY = timedelta(minutes=1)
PROCESSING_POLL = timedelta(minutes=1)


class RefundNotDone(Exception):
    """WeChat has not accepted the refund yet (its error, or ABNORMAL): retry with back-off."""


def register(runtime: Runtime) -> None:
    gateways.default_orders(CommerceOrders())
    runtime.outbox.register(REFUND_KIND, lambda envelope: send_refund(runtime, envelope))

    def reconcile_due(factory: sessionmaker[Session], clock: Clock) -> int:
        return service.reconcile(factory, lambda: gateways.gateway(runtime), clock.now())

    runtime.add_task(Task("payments-reconcile", reconcile_due, every=RECONCILE_EVERY))
    if REFUNDS_CONSUMER not in runtime.consumers:
        runtime.consumers.subscribe(
            REFUNDS_CONSUMER, refund_requested, names={commerce_events.ORDER_REFUNDED}
        )


def refund_requested(session: Session, event: LoggedEvent) -> None:
    """Commerce opened a refund that is ours to send: queue it (once per ``refund_no``)."""
    props = event.properties
    if props.get("refund_status") != "requested":
        return  # the money moved elsewhere (an import, a ledger source)
    order_no, refund_no = str(props.get("order_id") or ""), str(props.get("refund_no") or "")
    if not order_no or not refund_no or not service.paid_through_wechat(session, order_no):
        return
    try:
        amount = Decimal(str(props.get("amount")))
    except InvalidOperation:
        raise ValueError(f"Order Refunded {refund_no}: amount {props.get('amount')!r}") from None
    service.request_refund(
        session,
        refund_no=refund_no,
        order_no=order_no,
        amount=amount,
        reason=str(props.get("reason") or "退款"),
        at=event.timestamp,
    )


def send_refund(runtime: Runtime, envelope: Envelope) -> None:
    refund_no = str(envelope.payload["out_refund_no"])
    with transaction(runtime.read_sessions) as session:
        refund = service.refund_to_send(session, refund_no)
    if refund is None:
        raise PermanentFailure(f"no refund {refund_no}")
    if refund.state == RefundState.SUCCEEDED:
        return
    gateway = gateways.gateway(runtime)
    attempt = service.attempt_refund(gateway, refund)
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session:
        state = service.record_refund_attempt(session, gateway, refund_no, attempt, now)
    if state == RefundState.SUCCEEDED:
        return
    if state == RefundState.PROCESSING:
        raise Deferred(now + PROCESSING_POLL, "WeChat is processing the refund")
    if state == RefundState.CLOSED:
        raise PermanentFailure("WeChat closed the refund")
    if attempt.error is not None and not attempt.retryable:
        raise PermanentFailure(attempt.error)
    raise RefundNotDone(attempt.error or f"refund {state}")
