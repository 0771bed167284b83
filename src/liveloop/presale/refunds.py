"""What a cancelled presale owes its buyers, until the provider has paid it — retried until done,
the same way a failed group's refunds are (``groupbuy.refunds``; docs/groupbuy.md):

    due ──(commerce keeps the refund under its number)──> requested ──(provider: SUCCESS)──> settled
     └─ commerce refused for now: attempts + 1, a back-off   requested ──(refused)──> failed

Each refund is handed to commerce in a savepoint of its own under the one number derived from
the presale and the order (commerce keeps one refund per number, payments retries it with the
same ``out_refund_no``), then watched until commerce says the provider paid it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.commerce.contracts import RefundStatus
from liveloop.presale import checkout, events
from liveloop.presale.contracts import RefundState
from liveloop.presale.models import Presale, PresaleOrder, PresaleRefund
from liveloop.presale.presales import presale_row
from liveloop.store.consumers import backoff

log = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 30.0
RETRY_CAP_SECONDS = 1800.0


def request_due(session: Session, now: datetime, *, source: str, limit: int = 200) -> int:
    rows = list(
        session.scalars(
            select(PresaleRefund)
            .where(PresaleRefund.state == RefundState.DUE, PresaleRefund.next_attempt_at <= now)
            .order_by(PresaleRefund.id)
            .limit(limit)
        )
    )
    requested = 0
    for row in rows:
        row.attempts += 1
        try:
            with session.begin_nested():
                checkout.request_refund(
                    session,
                    order_no=row.order_no,
                    number=row.refund_no,
                    amount=row.amount,
                    reason=row.reason,
                    at=now,
                    source=source,
                )
        except Exception as exc:  # a refusal for now: kept on the row, tried again later
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            row.next_attempt_at = now + backoff(row.attempts, RETRY_BASE_SECONDS, RETRY_CAP_SECONDS)
            log.warning("presale refund %s not taken by commerce: %s", row.refund_no, exc)
            continue
        row.state, row.requested_at, row.last_error = RefundState.REQUESTED, now, None
        requested += 1
    session.flush()
    return requested


def settle_requested(session: Session, now: datetime, *, source: str, limit: int = 500) -> int:
    rows = list(
        session.scalars(
            select(PresaleRefund)
            .where(PresaleRefund.state == RefundState.REQUESTED)
            .order_by(PresaleRefund.id)
            .limit(limit)
        )
    )
    moved = 0
    for row in rows:
        seen = checkout.refund_seen(session, row.order_no, row.refund_no)
        if seen is None:
            row.state, row.next_attempt_at = RefundState.DUE, now
        elif seen.status == RefundStatus.FAILED:
            row.state = RefundState.FAILED
            row.last_error = "支付平台拒绝退款，需人工处理 (the provider refused the refund)"
        elif seen.status == RefundStatus.SUCCEEDED:
            row.state, row.settled_at = RefundState.SETTLED, now
            order = session.get_one(PresaleOrder, row.presale_order_id)
            presale = session.get_one(Presale, order.presale_id)
            events.refund_settled(
                session,
                at=now,
                source=source,
                presale=presale.code,
                customer_id=order.customer_id,
                order_no=row.order_no,
                refund_no=row.refund_no,
                amount=row.amount,
            )
        else:
            continue
        moved += 1
    session.flush()
    return moved


@dataclass(frozen=True)
class RefundView:
    deposit_order_no: str
    customer_id: int
    order_no: str
    refund_no: str
    amount: Decimal
    state: RefundState
    attempts: int
    last_error: str | None
    settled_at: datetime | None


def refunds_of(session: Session, code: str) -> list[RefundView]:
    """A cancelled presale's refunds, in the order they were decided."""
    presale = presale_row(session, code)
    rows = session.execute(
        select(PresaleRefund, PresaleOrder)
        .join(PresaleOrder, PresaleOrder.id == PresaleRefund.presale_order_id)
        .where(PresaleOrder.presale_id == presale.id)
        .order_by(PresaleRefund.id)
    )
    return [
        RefundView(
            deposit_order_no=order.deposit_order_no,
            customer_id=order.customer_id,
            order_no=refund.order_no,
            refund_no=refund.refund_no,
            amount=refund.amount,
            state=RefundState(refund.state),
            attempts=refund.attempts,
            last_error=refund.last_error,
            settled_at=refund.settled_at,
        )
        for refund, order in rows
    ]
