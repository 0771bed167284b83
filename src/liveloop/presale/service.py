"""Presale facade: presales (deposit at most 20 % of the price, a quota, the balance window),
deposits and balances paid, reminders before the window opens and closes, deposits forfeited
when it closes unpaid, the brand cancelling (every payment refunded, retried until done).

Other packages import this module, ``presale.events`` or ``presale.contracts`` only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from liveloop.presale import refunds, windows
from liveloop.presale.buying import PresaleOrderView as PresaleOrderView
from liveloop.presale.buying import RefusedPayment as RefusedPayment
from liveloop.presale.buying import get_presale_order as get_presale_order
from liveloop.presale.buying import orders_of as orders_of
from liveloop.presale.buying import pay_balance as pay_balance
from liveloop.presale.buying import pay_deposit as pay_deposit
from liveloop.presale.buying import place_part_order as place_part_order
from liveloop.presale.checkout import refund_no as refund_no
from liveloop.presale.presales import PresaleSpec as PresaleSpec
from liveloop.presale.presales import PresaleView as PresaleView
from liveloop.presale.presales import cancel_presale as cancel_presale
from liveloop.presale.presales import check_deposit as check_deposit
from liveloop.presale.presales import create_presale as create_presale
from liveloop.presale.presales import get_presale as get_presale
from liveloop.presale.presales import list_presales as list_presales
from liveloop.presale.refunds import RefundView as RefundView
from liveloop.presale.refunds import refunds_of as refunds_of

SOURCE = "presale"


def run_windows(session: Session, now: datetime) -> int:
    """Reminders that are due, then deposits whose window closed unpaid; how many moved."""
    return windows.remind_due(session, now, source=SOURCE) + windows.forfeit_due(
        session, now, source=SOURCE
    )


def move_refunds(session: Session, now: datetime) -> int:
    """One pass over a cancellation's refunds: hand due ones to commerce, settle paid ones."""
    return refunds.request_due(session, now, source=SOURCE) + refunds.settle_requested(
        session, now, source=SOURCE
    )
