"""Payments facade: 小程序 (JSAPI) orders, WeChat Pay notifications, reconciliation of orders
whose notification never came, refunds sent with one ``out_refund_no`` until WeChat says done.

Idempotency keys, each a UNIQUE column (models.py): a payment on ``out_trade_no`` (our order
number) and WeChat's ``transaction_id``; a processed notification on WeChat's notification
``id``; a refund send on ``out_refund_no`` (and its outbox message on
``wechatpay-refund:<out_refund_no>``). State moves are guarded UPDATEs, one transaction per fact.

Other packages import this module, ``payments.events`` or ``payments.contracts`` only.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from liveloop.payments import gateway as gateways
from liveloop.payments.client import PayParams, ProviderRefusal, fen
from liveloop.payments.contracts import (
    REFUND_KIND,
    PaymentConflict,
    PaymentError,
    PaymentState,
    RefundState,
    UnknownPayment,
)
from liveloop.payments.gateway import Gateway
from liveloop.payments.models import Payment, PaymentNotification, RefundSend
from liveloop.payments.notify import NotificationRefused, VerifiedNotification
from liveloop.payments.orders import PaidElsewhere
from liveloop.runtime import Runtime
from liveloop.store.base import to_money
from liveloop.store.engine import dialect_insert, transaction
from liveloop.store.outbox import enqueue

log = logging.getLogger(__name__)

# A payment in these states has had its money: a notification or query never moves it again.
SETTLED = (PaymentState.PAID, PaymentState.DUPLICATE)
OUT_REFUND_NO_MAX = 64  # WeChat Pay v3's out_refund_no: at most 64 characters …
OUT_REFUND_NO = re.compile(r"^[A-Za-z0-9_\-|*@]{1,64}$")  # … of these
_UNSAFE = re.compile(r"[^A-Za-z0-9_\-|*@]")


def out_refund_no(prefix: str, code: str, order_no: str) -> str:
    """The one refund number of ``order_no`` under ``code`` (a group, a presale …):
    ``{prefix}-{code}-{order_no}`` while that is a valid ``out_refund_no``, else the code's safe
    part and a digest of both — the same string every time, so a retry never asks twice."""
    number = f"{prefix}-{code}-{order_no}"
    if len(number) <= OUT_REFUND_NO_MAX and OUT_REFUND_NO.fullmatch(number):
        return number
    digest = hashlib.sha256(f"{code}:{order_no}".encode()).hexdigest()[:24]
    safe = _UNSAFE.sub("_", code)[: OUT_REFUND_NO_MAX - len(prefix) - 26]
    return f"{prefix}-{safe}-{digest}"


# A payment still unpaid this long after its prepay is queried at WeChat (its notification may
# have been lost); asked again at most every RECONCILE_AGAIN.
RECONCILE_AFTER = timedelta(minutes=5)
RECONCILE_AGAIN = timedelta(minutes=5)
RECONCILE_GIVE_UP = timedelta(days=2)


@dataclass(frozen=True)
class PaymentView:
    order_no: str
    amount: Decimal
    state: str
    prepay_id: str | None
    transaction_id: str | None
    paid_at: datetime | None
    paid_by: str | None
    created_at: datetime
    refunds: tuple[RefundView, ...] = ()


@dataclass(frozen=True)
class RefundView:
    out_refund_no: str
    order_no: str
    amount: Decimal
    total: Decimal  # the order's payment, as WeChat must be told with every refund
    state: str
    attempts: int
    last_error: str | None
    succeeded_at: datetime | None
    reason: str | None = None


@dataclass(frozen=True)
class JsapiOrder:
    order_no: str
    prepay_id: str
    pay_params: PayParams


@dataclass(frozen=True)
class NotifyOutcome:
    """``processed``: first seen and applied; ``replayed``: seen before, nothing changed."""

    outcome: str
    order_no: str | None = None
    paid_now: bool = False


def _rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


# --- JSAPI orders ----------------------------------------------------------------------


def request_jsapi(
    factory: sessionmaker[Session],
    read_factory: sessionmaker[Session],
    gateway: Gateway,
    order_no: str,
    openid: str,
    at: datetime,
) -> JsapiOrder:
    """A 小程序 order for ``order_no``: its prepay at WeChat (asked outside any transaction;
    WeChat answers the same prepay_id for the same out_trade_no) and the signed parameters for
    ``wx.requestPayment``."""
    with transaction(read_factory) as session:
        payable = gateway.orders.payable(session, order_no)
        known = session.scalars(select(Payment).where(Payment.out_trade_no == order_no)).first()
        if payable is None:
            raise UnknownPayment(f"没有订单 {order_no}")
        if payable.paid or (known is not None and known.state == PaymentState.PAID):
            raise PaymentConflict(f"订单 {order_no} 已支付")
        if payable.refused is not None:
            raise PaymentConflict(payable.refused)
        if payable.amount <= 0:
            raise PaymentConflict(f"订单 {order_no} 无需支付(金额为 0)")
        reuse = (
            known.prepay_id
            if known is not None and known.amount == payable.amount and known.openid == openid
            else None
        )
    prepay_id = reuse or gateway.client.jsapi(order_no, payable.amount, openid, payable.description)
    with transaction(factory) as session:
        session.execute(
            dialect_insert(session)(Payment)
            .values(
                out_trade_no=order_no,
                amount=to_money(payable.amount),
                openid=openid,
                description=payable.description[:127],
                state=PaymentState.PREPAID,
                prepay_id=prepay_id,
                created_at=at,
            )
            .on_conflict_do_nothing(index_elements=["out_trade_no"])
        )
        session.execute(
            update(Payment)
            .where(Payment.out_trade_no == order_no, Payment.state != PaymentState.PAID)
            .values(prepay_id=prepay_id, amount=to_money(payable.amount), openid=openid)
        )
    return JsapiOrder(order_no, prepay_id, gateway.client.pay_params(prepay_id, at))


# --- notifications -----------------------------------------------------------------------


def seen_notification(session: Session, notification_id: str) -> bool:
    """Whether this notification was processed already (a read: replays answer from here)."""
    return (
        session.scalar(
            select(PaymentNotification.id).where(
                PaymentNotification.notification_id == notification_id
            )
        )
        is not None
    )


def apply_notification(
    session: Session, gateway: Gateway, notification: VerifiedNotification, now: datetime
) -> NotifyOutcome:
    """Apply a verified notification once. Its id is claimed first (INSERT … ON CONFLICT DO
    NOTHING): a replay, even one racing the first on another worker, finds it claimed and
    changes nothing. A notification we cannot apply raises ``NotificationRefused`` and the
    caller's transaction rolls back, claim included, so WeChat's retry is applied later."""
    resource = notification.resource
    claimed = session.execute(
        dialect_insert(session)(PaymentNotification)
        .values(
            notification_id=notification.id,
            event_type=notification.event_type[:32],
            out_trade_no=str(resource.get("out_trade_no") or "")[:64] or None,
            out_refund_no=str(resource.get("out_refund_no") or "")[:64] or None,
            received_at=now,
        )
        .on_conflict_do_nothing(index_elements=["notification_id"])
    )
    if _rowcount(claimed) == 0:
        return NotifyOutcome("replayed", resource.get("out_trade_no"))
    if notification.event_type == "TRANSACTION.SUCCESS":
        return _transaction_success(session, gateway, resource, now)
    if notification.event_type.startswith("REFUND."):
        _refund_notified(session, gateway, resource, now)
        return NotifyOutcome("processed", resource.get("out_trade_no"))
    return NotifyOutcome("processed", resource.get("out_trade_no"))


def _transaction_success(
    session: Session, gateway: Gateway, resource: dict[str, Any], now: datetime
) -> NotifyOutcome:
    credentials = gateway.client.credentials
    order_no = str(resource.get("out_trade_no") or "")
    if resource.get("mchid") != credentials.mchid or resource.get("appid") != credentials.appid:
        raise NotificationRefused(400, "notification is for another merchant or app")
    if resource.get("trade_state") != "SUCCESS":
        raise NotificationRefused(400, "TRANSACTION.SUCCESS without trade_state SUCCESS")
    paid_now = _settle_payment(session, gateway, resource, now, "notify")
    return NotifyOutcome("processed", order_no, paid_now)


def _settle_payment(
    session: Session, gateway: Gateway, resource: dict[str, Any], now: datetime, by: str
) -> bool:
    """A transaction WeChat says succeeded pays its order, once (True when it did now)."""
    order_no = str(resource.get("out_trade_no") or "")
    transaction_id = str(resource.get("transaction_id") or "")
    total = (resource.get("amount") or {}).get("total")
    payment = session.execute(
        select(Payment.id, Payment.amount).where(Payment.out_trade_no == order_no)
    ).first()
    if payment is None or not transaction_id:
        raise NotificationRefused(404, f"no payment for out_trade_no {order_no!r}")
    if total != fen(payment.amount):
        raise NotificationRefused(400, "amount.total is not the order's amount")
    paid_at = _parse_time(resource.get("success_time")) or now
    moved = session.execute(
        update(Payment)
        .where(Payment.id == payment.id, Payment.state.not_in(SETTLED))
        .values(state=PaymentState.PAID, transaction_id=transaction_id, paid_at=paid_at, paid_by=by)
    )
    if _rowcount(moved) == 0:
        return False
    try:
        gateway.orders.paid(
            session, order_no, amount=payment.amount, transaction_id=transaction_id, paid_at=paid_at
        )
    except PaidElsewhere:
        # Paid before by another transaction (another channel, an offline payment): this
        # money was collected twice and goes back in full; the order stays as it is.
        session.execute(
            update(Payment).where(Payment.id == payment.id).values(state=PaymentState.DUPLICATE)
        )
        log.warning("order %s was paid twice; refunding WeChat transaction in full", order_no)
        _open_refund(
            session,
            refund_no=out_refund_no("DUP", "wx", order_no),
            order_no=order_no,
            amount=payment.amount,
            total=payment.amount,
            reason="重复付款,原路退回",
            at=now,
        )
        return False
    return True


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


# --- reconciliation ----------------------------------------------------------------------


def reconcile(
    factory: sessionmaker[Session],
    gateway: Gateway | Callable[[], Gateway],
    now: datetime,
    limit: int = 100,
) -> int:
    """Ask WeChat about prepaid payments whose notification never came; pay those it says
    succeeded (as a notification would), close those it closed. Returns how many it settled.
    ``gateway`` may be a callable, so that nothing is built while nothing is due."""
    with transaction(factory) as session:
        due = session.execute(
            select(Payment.out_trade_no)
            .where(
                Payment.state == PaymentState.PREPAID,
                Payment.created_at <= now - RECONCILE_AFTER,
                Payment.created_at > now - RECONCILE_GIVE_UP,
                or_(
                    Payment.last_queried_at.is_(None),
                    Payment.last_queried_at <= now - RECONCILE_AGAIN,
                ),
            )
            .order_by(Payment.created_at)
            .limit(limit)
        ).all()
        for (order_no,) in due:
            session.execute(
                update(Payment).where(Payment.out_trade_no == order_no).values(last_queried_at=now)
            )
    if not due:
        return 0
    if callable(gateway):
        gateway = gateway()
    settled = 0
    for (order_no,) in due:
        found = gateway.client.query(order_no)
        if found is None:
            continue
        with transaction(factory) as session:
            state = found.get("trade_state")
            if state == "SUCCESS":
                try:
                    settled += _settle_payment(session, gateway, found, now, "query")
                except NotificationRefused:
                    continue  # an amount WeChat disagrees on stays prepaid, for an operator
            elif state in ("CLOSED", "REVOKED", "PAYERROR"):
                session.execute(
                    update(Payment)
                    .where(Payment.out_trade_no == order_no, Payment.state == PaymentState.PREPAID)
                    .values(state=PaymentState.CLOSED)
                )
                settled += 1
    return settled


# --- refunds -----------------------------------------------------------------------------


def paid_through_wechat(session: Session, order_no: str) -> bool:
    return (
        session.scalar(
            select(Payment.id).where(
                Payment.out_trade_no == order_no, Payment.state == PaymentState.PAID
            )
        )
        is not None
    )


def request_refund(
    session: Session,
    *,
    refund_no: str,
    order_no: str,
    amount: Decimal,
    reason: str,
    at: datetime,
) -> bool:
    """Ask WeChat (after commit, through the outbox) to refund ``amount`` of a paid order under
    ``refund_no`` — its ``out_refund_no`` for every retry. False: asked before (nothing new).
    An order not paid through WeChat Pay is refused (``UnknownPayment``)."""
    payment = session.scalars(select(Payment).where(Payment.out_trade_no == order_no)).first()
    if payment is None or payment.state != PaymentState.PAID:
        raise UnknownPayment(f"订单 {order_no} 没有微信支付的付款")
    amount = to_money(amount)
    if amount <= 0 or amount > payment.amount:
        raise PaymentError(f"退款金额 {amount} 不在 0 到 {payment.amount} 之间")
    return _open_refund(
        session,
        refund_no=refund_no,
        order_no=order_no,
        amount=amount,
        total=payment.amount,
        reason=reason,
        at=at,
    )


def _open_refund(
    session: Session,
    *,
    refund_no: str,
    order_no: str,
    amount: Decimal,
    total: Decimal,
    reason: str,
    at: datetime,
) -> bool:
    inserted = session.execute(
        dialect_insert(session)(RefundSend)
        .values(
            out_refund_no=refund_no,
            out_trade_no=order_no,
            amount=amount,
            total=total,
            reason=reason[:80],
            state=RefundState.PENDING,
            attempts=0,
            created_at=at,
            updated_at=at,
        )
        .on_conflict_do_nothing(index_elements=["out_refund_no"])
    )
    if _rowcount(inserted) == 0:
        return False
    enqueue(session, REFUND_KIND, f"{REFUND_KIND}:{refund_no}", {"out_refund_no": refund_no}, at)
    return True


@dataclass(frozen=True)
class RefundAttempt:
    """What one send learnt: WeChat's status (SUCCESS, PROCESSING, ABNORMAL, CLOSED) or an
    error (``retryable`` or not)."""

    status: str | None
    error: str | None = None
    retryable: bool = True
    refund_id: str | None = None


def refund_to_send(session: Session, refund_no: str) -> RefundView | None:
    row = session.scalars(select(RefundSend).where(RefundSend.out_refund_no == refund_no)).first()
    return _refund_view(row) if row is not None else None


def attempt_refund(gateway: Gateway, refund: RefundView) -> RefundAttempt:
    """One try, with the refund's own ``out_refund_no``: a refund WeChat is processing is
    queried; any other is (re-)requested, which WeChat answers with the same refund."""
    try:
        if refund.state == RefundState.PROCESSING:
            found = gateway.client.query_refund(refund.out_refund_no)
            if found is None:
                found = _request(gateway, refund)
        else:
            found = _request(gateway, refund)
    except ProviderRefusal as exc:
        return RefundAttempt(None, str(exc), exc.retryable)
    except PaymentError as exc:
        return RefundAttempt(None, str(exc), True)
    return RefundAttempt(str(found.get("status") or ""), None, True, found.get("refund_id"))


def _request(gateway: Gateway, refund: RefundView) -> dict[str, Any]:
    return gateway.client.refund(
        refund.out_refund_no, refund.order_no, refund.amount, refund.total, refund.reason or "退款"
    )


def record_refund_attempt(
    session: Session, gateway: Gateway, refund_no: str, attempt: RefundAttempt, now: datetime
) -> str:
    """Record a send's outcome on the refund (attempts, state, last error); on SUCCESS settle
    the order's refund in commerce, once. Returns the refund's state."""
    row = session.scalars(select(RefundSend).where(RefundSend.out_refund_no == refund_no)).one()
    if row.state == RefundState.SUCCEEDED:
        return row.state
    row.attempts += 1
    row.updated_at = now
    if attempt.refund_id:
        row.refund_id = attempt.refund_id
    if attempt.error is not None:
        row.state, row.last_error = RefundState.FAILED, attempt.error[:2000]
        return row.state
    status = attempt.status
    if status == "SUCCESS":
        _refund_succeeded(session, gateway, refund_no, now)
        return RefundState.SUCCEEDED
    if status == "PROCESSING":
        row.state, row.last_error = RefundState.PROCESSING, None
    elif status == "ABNORMAL":
        row.state, row.last_error = RefundState.ABNORMAL, "退款异常:退回买家账户失败"
    elif status == "CLOSED":
        row.state, row.last_error = RefundState.CLOSED, "退款已关闭"
        _settle_in_orders(session, gateway, refund_no, row.out_trade_no, succeeded=False, at=now)
    else:
        row.state, row.last_error = RefundState.FAILED, f"unknown refund status {status!r}"
    return row.state


def _refund_succeeded(session: Session, gateway: Gateway, refund_no: str, now: datetime) -> None:
    trade = session.execute(
        update(RefundSend)
        .where(RefundSend.out_refund_no == refund_no, RefundSend.state != RefundState.SUCCEEDED)
        .values(state=RefundState.SUCCEEDED, succeeded_at=now, updated_at=now, last_error=None)
        .returning(RefundSend.out_trade_no)
    ).scalar()
    if trade is not None:
        _settle_in_orders(session, gateway, refund_no, trade, succeeded=True, at=now)


def _settle_in_orders(
    session: Session,
    gateway: Gateway,
    refund_no: str,
    out_trade_no: str,
    *,
    succeeded: bool,
    at: datetime,
) -> None:
    """Tell the order book a refund it asked for is done (or closed) — not the return of a
    duplicate payment, which the order never counted."""
    state = session.scalar(select(Payment.state).where(Payment.out_trade_no == out_trade_no))
    if state != PaymentState.DUPLICATE:
        gateway.orders.refund_settled(session, refund_no, succeeded=succeeded, at=at)


def _refund_notified(
    session: Session, gateway: Gateway, resource: dict[str, Any], now: datetime
) -> None:
    refund_no = str(resource.get("out_refund_no") or "")
    if resource.get("refund_status") == "SUCCESS" and refund_to_send(session, refund_no):
        _refund_succeeded(session, gateway, refund_no, now)


# --- reading -----------------------------------------------------------------------------


def _refund_view(row: RefundSend) -> RefundView:
    return RefundView(
        row.out_refund_no,
        row.out_trade_no,
        row.amount,
        row.total,
        row.state,
        row.attempts,
        row.last_error,
        row.succeeded_at,
        row.reason,
    )


def get_payment(session: Session, order_no: str) -> PaymentView | None:
    row = session.scalars(select(Payment).where(Payment.out_trade_no == order_no)).first()
    if row is None:
        return None
    refunds = session.scalars(
        select(RefundSend).where(RefundSend.out_trade_no == order_no).order_by(RefundSend.id)
    )
    return PaymentView(
        row.out_trade_no,
        row.amount,
        row.state,
        row.prepay_id,
        row.transaction_id,
        row.paid_at,
        row.paid_by,
        row.created_at,
        tuple(_refund_view(r) for r in refunds),
    )


def refunds(
    session: Session, *, states: tuple[str, ...] = (), limit: int = 100
) -> list[RefundView]:
    """Refund sends, newest first (``states`` to filter: e.g. the failed and abnormal ones)."""
    query = select(RefundSend).order_by(RefundSend.id.desc()).limit(limit)
    if states:
        query = query.where(RefundSend.state.in_(states))
    return [_refund_view(r) for r in session.scalars(query)]


# --- the demo's buyer --------------------------------------------------------------------


def runtime_gateway(runtime: Runtime) -> Gateway:
    """The runtime's gateway, built from its settings on first use (the signed local provider
    when there are no WeChat Pay credentials)."""
    return gateways.gateway(runtime)


def pay_locally(
    factory: sessionmaker[Session],
    read_factory: sessionmaker[Session],
    gateway: Gateway,
    order_no: str,
    openid: str,
    at: datetime,
) -> bool:
    """What a buyer's 小程序 does with the local provider (no credentials): the JSAPI prepay,
    ``wx.requestPayment``, and the signed notification it sends, verified and applied as the
    notify endpoint would. True when it paid the order now. Refused with real credentials."""
    if gateway.provider is None:
        raise PaymentError("pay_locally needs the local provider (no WeChat Pay credentials)")
    order = request_jsapi(factory, read_factory, gateway, order_no, openid, at)
    notification = gateway.provider.pay(order.prepay_id)
    if notification is None:
        raise PaymentError(f"the local provider does not know prepay {order.prepay_id}")
    headers = {name.lower(): value for name, value in notification.headers.items()}
    verified = gateway.verifier.verify(headers, notification.body.encode(), at)
    with transaction(factory) as session:
        return apply_notification(session, gateway, verified, at).paid_now
