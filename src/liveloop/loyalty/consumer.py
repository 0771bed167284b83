"""The ``loyalty`` event-log consumer. It follows the profiles consumer, so every event already
names its person (OneID resolved it), and turns the facts into growth and points:

- ``Order Completed`` (a paid order, as the order ledger states it — commerce's domain event;
  an SDK's tracked copy is a client's claim and earns nothing): growth + total, the order's
  points frozen;
- ``Order Refunded``: growth − the refunded amount, the earned points clawed back and the
  spent points returned, pro rata (the refund's ``refund_no``, ``amount`` and ``full`` when
  the event carries them; an event with only ``order_id`` and ``total`` is a full refund);
- an interaction or UGC event a points rule names: its reward, within the daily cap;
- ``Identities Merged``: the merged person's points, lots and growth to the survivor.

Every write is keyed by its fact, so a replayed event changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from liveloop import spec
from liveloop.identity import events as identity_events
from liveloop.loyalty import points, refunds, tiers
from liveloop.loyalty.rules import REWARDABLE
from liveloop.profiles import service as profiles
from liveloop.store.consumers import Consumers
from liveloop.store.eventlog import LoggedEvent

log = logging.getLogger(__name__)

LOYALTY_CONSUMER = "loyalty"
STAFF_ROLES = frozenset({"host", "controller"})  # a room's own comments earn nothing
# Orders and refunds count only as the order ledger states them (commerce's domain events, which
# a source marked as an order ledger also becomes): a tracked copy is a client's word for it.
LEDGER_FACTS = frozenset({spec.ORDER_COMPLETED, spec.ORDER_REFUNDED, spec.ORDER_CANCELLED})
DOMAIN = "domain"


def _money(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def handler(tz: ZoneInfo, after_sales_days: int) -> Callable[[Session, LoggedEvent], None]:
    def handle(session: Session, event: LoggedEvent) -> None:
        if event.customer_id is None:
            return
        if event.name in LEDGER_FACTS and event.type != DOMAIN:
            return  # a client's claim (an SDK's Order Completed) earns nothing
        person = profiles.survivor_of(session, event.customer_id)
        if event.name == spec.ORDER_COMPLETED:
            _completed(session, person, event, tz, after_sales_days)
        elif event.name == spec.ORDER_REFUNDED:
            _refunded(session, person, event, tz)
        elif event.name == spec.ORDER_CANCELLED:
            if not event.properties.get("was_paid") and event.properties.get("order_id"):
                refunds.on_cancel(
                    session, person, str(event.properties["order_id"]), event.timestamp, tz
                )
        elif event.name == identity_events.IDENTITIES_MERGED:
            _merged(session, person, event, tz)
        elif event.name is not None:
            if event.properties.get("role") in STAFF_ROLES:
                return
            points.reward(
                session,
                customer_id=person,
                event_name=event.name,
                message_id=event.message_id,
                at=event.timestamp,
                tz=tz,
            )

    return handle


def _completed(
    session: Session, person: int, event: LoggedEvent, tz: ZoneInfo, after_sales_days: int
) -> None:
    order_no, total = event.properties.get("order_id"), _money(event.properties.get("total"))
    if not order_no or total is None or total < 0:
        log.warning("loyalty: Order Completed %s has no order_id or total", event.id)
        return
    order_no = str(order_no)
    tiers.add_growth(
        session,
        customer_id=person,
        source_key=f"order:{order_no}:growth",
        amount=total,
        at=event.timestamp,
        tz=tz,
        order_no=order_no,
    )
    points.earn_for_order(
        session,
        customer_id=person,
        order_no=order_no,
        total=total,
        at=event.timestamp,
        after_sales_days=after_sales_days,
        tz=tz,
    )


def _refunded(session: Session, person: int, event: LoggedEvent, tz: ZoneInfo) -> None:
    props = event.properties
    order_no = props.get("order_id")
    if not order_no:
        log.warning("loyalty: Order Refunded %s names no order", event.id)
        return
    order_no = str(order_no)
    refund_no = str(props.get("refund_no") or order_no)
    key = f"refund:{refund_no}:growth"
    paid = tiers.paid_of(session, order_no)
    amount = _money(props.get("amount", props.get("total")))
    # An event with only order_id and total is the whole order refunded; the order state
    # machine's says (``fully_refunded``: nothing left to refund).
    full = props.get("fully_refunded") is True or props.get("full") is True or "amount" not in props
    before = tiers.refunded_of(session, order_no, besides=key)
    order_total = paid if paid is not None else (amount or Decimal("0"))
    if full:
        after = max(order_total, before)
    elif amount is None or amount <= 0:
        log.warning("loyalty: Order Refunded %s has no amount", event.id)
        return
    else:
        after = min(before + amount, order_total) if order_total > 0 else before + amount
    if paid is not None and after > before:
        tiers.add_growth(
            session,
            customer_id=person,
            source_key=key,
            amount=-(after - before),
            at=event.timestamp,
            tz=tz,
            order_no=order_no,
        )
    refunds.on_refund(
        session,
        customer_id=person,
        order_no=order_no,
        refund_no=refund_no,
        refunded_before=before,
        refunded_after=after,
        order_total=order_total,
        full=full,
        at=event.timestamp,
        tz=tz,
    )


def _merged(session: Session, survivor: int, event: LoggedEvent, tz: ZoneInfo) -> None:
    merged, merge_id = event.properties.get("merged_customer_id"), event.properties.get("merge_id")
    if not isinstance(merged, int) or not isinstance(merge_id, int) or merged == survivor:
        return
    points.transfer_on_merge(
        session, merged_id=merged, survivor_id=survivor, merge_id=merge_id, at=event.timestamp
    )
    tiers.merge_members(session, merged_id=merged, survivor_id=survivor, at=event.timestamp, tz=tz)


def subscribe(consumers: Consumers, tz: ZoneInfo, after_sales_days: int) -> None:
    if LOYALTY_CONSUMER in consumers:
        return
    consumers.subscribe(
        LOYALTY_CONSUMER,
        handler(tz, after_sales_days),
        names={
            spec.ORDER_COMPLETED,
            spec.ORDER_REFUNDED,
            spec.ORDER_CANCELLED,
            identity_events.IDENTITIES_MERGED,
            *REWARDABLE,
        },
        batch_size=200,
        follows=profiles.PROFILES_CONSUMER,
    )
