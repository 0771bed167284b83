"""The balance window's clock: reminders before it opens and before it closes, and the deposits
forfeited when it has closed unpaid.

- ``Presale Balance Due`` goes to each buyer whose deposit is paid and balance is not,
  ``remind_hours`` before the window opens (stage ``opening``) and ``remind_hours`` before it
  closes (``closing``) — once each: a guarded UPDATE sets the order's ``reminded_*_at`` only
  where it is empty, and the event's message id is the order's and the stage's. A reminder whose
  moment passed while nothing ran still goes while the window is open (late beats never); the
  opening one is skipped once the closing one is due, so a buyer is not told twice at once.
- At ``balance_ends_at``, every presale order still ``deposit_paid`` becomes ``forfeited``
  (guarded, so a balance paid in the same instant wins or loses whole): the deposit is kept and
  its order stays paid — the documented rule (docs/groupbuy.md), as 《民法典》 第五百八十七条 has
  it for a buyer who does not perform.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from liveloop.presale import events
from liveloop.presale.contracts import PresaleOrderStatus, PresaleStatus
from liveloop.presale.models import Presale, PresaleOrder

OPENING, CLOSING = "opening", "closing"


def remind_due(session: Session, now: datetime, *, source: str, limit: int = 1000) -> int:
    """Send the reminders that are due; returns how many went out."""
    sent = 0
    presales = session.scalars(
        select(Presale).where(Presale.status == PresaleStatus.OPEN, Presale.balance_ends_at > now)
    )
    for presale in list(presales):
        ahead = timedelta(hours=presale.remind_hours)
        closing_due = now >= presale.balance_ends_at - ahead
        opening_due = now >= presale.balance_starts_at - ahead and not closing_due
        for stage, due, column in (
            (OPENING, opening_due, PresaleOrder.reminded_opening_at),
            (CLOSING, closing_due, PresaleOrder.reminded_closing_at),
        ):
            if not due:
                continue
            rows = list(
                session.scalars(
                    select(PresaleOrder)
                    .where(
                        PresaleOrder.presale_id == presale.id,
                        PresaleOrder.status == PresaleOrderStatus.DEPOSIT_PAID,
                        column.is_(None),
                    )
                    .order_by(PresaleOrder.id)
                    .limit(limit)
                )
            )
            for row in rows:
                marked = session.execute(
                    update(PresaleOrder)
                    .where(
                        PresaleOrder.id == row.id,
                        PresaleOrder.status == PresaleOrderStatus.DEPOSIT_PAID,
                        column.is_(None),
                    )
                    .values({column.key: now})
                    .execution_options(synchronize_session=False)
                )
                if marked.rowcount != 1:  # type: ignore[attr-defined]
                    continue
                events.balance_due(
                    session,
                    at=now,
                    source=source,
                    presale=presale.code,
                    name=presale.name,
                    customer_id=row.customer_id,
                    order_no=row.deposit_order_no,
                    balance=row.balance,
                    stage=stage,
                    balance_starts_at=presale.balance_starts_at,
                    balance_ends_at=presale.balance_ends_at,
                )
                sent += 1
    return sent


def forfeit_due(session: Session, now: datetime, *, source: str, limit: int = 1000) -> int:
    """Forfeit the deposits whose balance window has closed unpaid; returns how many."""
    rows = list(
        session.execute(
            select(PresaleOrder, Presale)
            .join(Presale, Presale.id == PresaleOrder.presale_id)
            .where(
                PresaleOrder.status == PresaleOrderStatus.DEPOSIT_PAID,
                Presale.balance_ends_at <= now,
            )
            .order_by(PresaleOrder.id)
            .limit(limit)
        )
    )
    forfeited = 0
    for row, presale in rows:
        moved = session.execute(
            update(PresaleOrder)
            .where(
                PresaleOrder.id == row.id, PresaleOrder.status == PresaleOrderStatus.DEPOSIT_PAID
            )
            .values(status=PresaleOrderStatus.FORFEITED, forfeited_at=presale.balance_ends_at)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            continue
        events.deposit_forfeited(
            session,
            at=presale.balance_ends_at,
            source=source,
            presale=presale.code,
            customer_id=row.customer_id,
            order_no=row.deposit_order_no,
            deposit=row.deposit,
        )
        forfeited += 1
    return forfeited
