"""Events group-buy emits (docs/events.md lists each with its properties). ``Group Joined`` is
the tracking spec's name (a WeCom community join sends it too), re-exported here; a 拼团 join
tells itself apart by ``kind = "groupbuy"``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Final

from sqlalchemy.orm import Session

from liveloop import spec
from liveloop.store.eventlog import emit

GROUP_OPENED: Final = "Group Opened"
GROUP_JOINED: Final = spec.GROUP_JOINED
GROUP_SUCCEEDED: Final = "Group Succeeded"
GROUP_FAILED: Final = "Group Failed"
GROUP_REFUND_SETTLED: Final = "Group Refund Settled"
KIND: Final = "groupbuy"


def group_opened(
    session: Session,
    *,
    at: datetime,
    source: str,
    group: str,
    campaign: str,
    sku: str,
    leader_id: int,
    closes_at: datetime,
    top_price: Decimal,
) -> None:
    """A leader opened a group: ``group_id``, ``campaign``, ``sku``, ``closes_at``,
    ``top_price`` (what each member pays on joining)."""
    emit(
        session,
        GROUP_OPENED,
        at=at,
        source=source,
        message_id=f"group-opened:{group}",
        customer_id=leader_id,
        properties={
            "group_id": group,
            "campaign": campaign,
            "sku": sku,
            "closes_at": closes_at,
            "top_price": top_price,
        },
    )


def group_joined(
    session: Session,
    *,
    at: datetime,
    source: str,
    group: str,
    campaign: str,
    sku: str,
    customer_id: int,
    slot: int,
    order_no: str,
    paid: Decimal,
    leader: bool,
) -> None:
    """A person paid for a slot: ``group_id``, ``kind`` (``groupbuy``), ``campaign``, ``sku``,
    ``slot``, ``order_id``, ``paid``, ``leader``."""
    emit(
        session,
        GROUP_JOINED,
        at=at,
        source=source,
        message_id=f"group-joined:{group}:{slot}",
        customer_id=customer_id,
        properties={
            "group_id": group,
            "kind": KIND,
            "campaign": campaign,
            "sku": sku,
            "slot": slot,
            "order_id": order_no,
            "paid": paid,
            "leader": leader,
        },
    )


def group_succeeded(
    session: Session,
    *,
    at: datetime,
    source: str,
    group: str,
    campaign: str,
    leader_id: int,
    size: int,
    price: Decimal,
    refund_each: Decimal,
) -> None:
    """A group closed at a tier: ``group_id``, ``campaign``, ``size``, ``price`` (what everyone
    pays), ``refund_each`` (the difference each member gets back)."""
    emit(
        session,
        GROUP_SUCCEEDED,
        at=at,
        source=source,
        message_id=f"group-succeeded:{group}",
        customer_id=leader_id,
        properties={
            "group_id": group,
            "campaign": campaign,
            "size": size,
            "price": price,
            "refund_each": refund_each,
        },
    )


def group_failed(
    session: Session,
    *,
    at: datetime,
    source: str,
    group: str,
    campaign: str,
    leader_id: int,
    size: int,
    needed: int,
    refund_total: Decimal,
) -> None:
    """A group's window ended below the smallest tier: ``group_id``, ``campaign``, ``size``
    (members it had), ``needed`` (the smallest tier), ``refund_total`` (everything paid, all
    of it refunded)."""
    emit(
        session,
        GROUP_FAILED,
        at=at,
        source=source,
        message_id=f"group-failed:{group}",
        customer_id=leader_id,
        properties={
            "group_id": group,
            "campaign": campaign,
            "size": size,
            "needed": needed,
            "refund_total": refund_total,
        },
    )


def group_refund_settled(
    session: Session,
    *,
    at: datetime,
    source: str,
    group: str,
    customer_id: int,
    order_no: str,
    refund_no: str,
    kind: str,
    amount: Decimal,
) -> None:
    """The provider refunded a member what their group owed them: ``group_id``, ``order_id``,
    ``refund_id``, ``kind`` (``difference`` / ``full``), ``amount``."""
    emit(
        session,
        GROUP_REFUND_SETTLED,
        at=at,
        source=source,
        message_id=f"group-refund-settled:{refund_no}",
        customer_id=customer_id,
        properties={
            "group_id": group,
            "order_id": order_no,
            "refund_id": refund_no,
            "kind": kind,
            "amount": amount,
        },
    )
