"""Orders sent to a pickup point and collected there.

A pickup code is 6 characters from ``PICKUP_ALPHABET`` (no 0/O, 1/I/L), drawn with ``secrets``
— random, so the next customer's code cannot be guessed from one's own — and read aloud in two
halves (``K7M-4Q9``). The store refuses a second order with the same code (UNIQUE on
``pickup_orders.code``): a colliding draw is rolled back in its savepoint and drawn again.
Scanning a code is idempotent: a second scan of a collected order answers it as it is.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveloop.access.service import Principal
from liveloop.commerce import service as commerce
from liveloop.commerce.contracts import CommerceError, OrderStatus
from liveloop.community import events
from liveloop.community.contracts import (
    PICKUP_ALPHABET,
    PICKUP_CODE_LENGTH,
    BatchStatus,
    CommunityConflict,
    CommunityRefused,
    LeaderStatus,
    UnknownPickup,
    format_pickup_code,
)
from liveloop.community.leaders import point_row
from liveloop.community.models import Leader, PickupBatch, PickupOrder, PickupPoint
from liveloop.community.scope import allowed, leader_scope

DRAWS = 8  # a collision is ~1 in 10^4 at a million codes; eight in a row does not happen
OPEN_STATUSES = (OrderStatus.CREATED, OrderStatus.PAID, OrderStatus.SHIPPED)


@dataclass(frozen=True)
class PickupView:
    order_no: str
    customer_id: int
    point: str
    point_name: str
    leader: str
    code: str  # as read aloud: K7M-4Q9
    assigned_at: datetime
    batch_id: int | None
    delivery_date: str | None
    carried_reason: str | None
    arrived_at: datetime | None
    picked_up_at: datetime | None
    confirmed_at: datetime | None
    changed: bool = False


def new_code() -> str:
    return "".join(secrets.choice(PICKUP_ALPHABET) for _ in range(PICKUP_CODE_LENGTH))


def plain_code(code: str) -> str:
    """A code as typed or scanned (``k7m-4q9``, ``K7M 4Q9``) as it is stored: ``K7M4Q9``."""
    return "".join(ch for ch in code.upper() if ch not in "- ")


def _view(session: Session, row: PickupOrder, changed: bool = False) -> PickupView:
    point = session.get_one(PickupPoint, row.point_id)
    leader = session.get_one(Leader, point.leader_id)
    batch = session.get(PickupBatch, row.batch_id) if row.batch_id is not None else None
    return PickupView(
        order_no=row.order_no,
        customer_id=row.customer_id,
        point=point.code,
        point_name=point.name,
        leader=leader.code,
        code=format_pickup_code(row.code),
        assigned_at=row.assigned_at,
        batch_id=row.batch_id,
        delivery_date=batch.delivery_date.isoformat() if batch is not None else None,
        carried_reason=row.carried_reason,
        arrived_at=batch.arrived_at if batch is not None else None,
        picked_up_at=row.picked_up_at,
        confirmed_at=row.confirmed_at,
        changed=changed,
    )


def assign_pickup(
    session: Session, order_no: str, point: str, *, at: datetime, by: str
) -> PickupView:
    """Send ``order_no`` to pickup point ``point`` and give it its pickup code. Asked again
    for the same point: unchanged. Another point: moved while no batch has taken the order
    (the code stays); after that 409."""
    order = commerce.get_order(session, order_no)
    if order is None:
        raise UnknownPickup(f"没有这个订单 {order_no} (no such order)")
    target = point_row(session, point)
    existing = session.scalars(
        select(PickupOrder).where(PickupOrder.order_no == order_no)
    ).one_or_none()
    if existing is not None and existing.point_id == target.id:
        return _view(session, existing)
    if order.status not in OPEN_STATUSES:
        raise CommunityConflict(
            f"{order_no}: 订单{commerce.STATUS_LABELS.get(order.status, order.status)},"
            f"不能送往自提点 (the order is {order.status})"
        )
    leader = session.get_one(Leader, target.leader_id)
    if not target.active or leader.status != LeaderStatus.APPROVED:
        raise CommunityConflict(f"自提点 {point} 未营业 (the pickup point is not open)")
    if existing is not None:
        if existing.batch_id is not None:
            raise CommunityConflict(
                f"{order_no}: 订单已排入配送批次,不能改自提点 (the order is in a batch)"
            )
        existing.point_id, existing.assigned_at, existing.assigned_by = target.id, at, by[:64]
        session.flush()
        return _view(session, existing, changed=True)
    for _ in range(DRAWS):
        row = PickupOrder(
            order_no=order_no,
            customer_id=order.customer_id,
            point_id=target.id,
            code=new_code(),
            assigned_at=at,
            assigned_by=by[:64],
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            raced = session.scalars(
                select(PickupOrder).where(PickupOrder.order_no == order_no)
            ).one_or_none()
            if raced is not None:  # a concurrent assignment of the same order won
                return _view(session, raced)
            continue  # the code was taken: draw another
        return _view(session, row, changed=True)
    raise CommunityConflict("取货码生成冲突,请重试 (no free pickup code drawn; retry)")


def pickup_of(session: Session, order_no: str, viewer: Principal | None = None) -> PickupView:
    row = session.scalars(select(PickupOrder).where(PickupOrder.order_no == order_no)).one_or_none()
    if row is None or not _may_see(session, row, viewer):
        raise UnknownPickup(f"订单 {order_no} 没有送往自提点 (the order has no pickup point)")
    return _view(session, row)


def _may_see(session: Session, row: PickupOrder, viewer: Principal | None) -> bool:
    scope = leader_scope(session, viewer)
    if scope is None:
        return True
    leader_id = session.scalar(select(PickupPoint.leader_id).where(PickupPoint.id == row.point_id))
    return leader_id is not None and allowed(scope, leader_id)


def scan_pickup(
    session: Session,
    code: str,
    *,
    at: datetime,
    by: str,
    source: str,
    viewer: Principal | None = None,
) -> PickupView:
    """The customer shows their code at the point: the order is picked up and confirmed
    (确认收货) through commerce. A second scan answers it unchanged; an unknown code (or one
    of another leader's point) is 404, a batch not yet arrived or an order refunded is 409."""
    plain = plain_code(code)
    if len(plain) != PICKUP_CODE_LENGTH or any(ch not in PICKUP_ALPHABET for ch in plain):
        raise CommunityRefused(
            "取货码格式不对:应为 6 位字母数字,如 K7M-4Q9 (a pickup code is 6 characters)"
        )
    row = session.scalars(select(PickupOrder).where(PickupOrder.code == plain)).one_or_none()
    if row is None or not _may_see(session, row, viewer):
        raise UnknownPickup(
            f"取货码 {format_pickup_code(plain)} 不存在,请核对后重试 (no order with that code)"
        )
    if row.picked_up_at is not None:
        return _view(session, row)
    batch = session.get(PickupBatch, row.batch_id) if row.batch_id is not None else None
    if batch is None or batch.status != BatchStatus.ARRIVED:
        raise CommunityConflict("货品还未到达自提点,暂不能取货 (the order's batch has not arrived)")
    try:
        commerce.confirm_order(session, row.order_no, at=at, source=source, by="buyer")
    except CommerceError as exc:
        raise CommunityConflict(
            f"订单 {row.order_no} 不能取货:{exc} (the order cannot be picked up)"
        ) from None
    row.picked_up_at, row.picked_up_by = at, by[:64]
    row.confirmed_at = row.confirmed_at or at
    session.flush()
    point = session.get_one(PickupPoint, row.point_id)
    leader_code = session.scalar(select(Leader.code).where(Leader.id == point.leader_id)) or ""
    events.order_picked_up(
        session,
        at=at,
        source=source,
        order_no=row.order_no,
        customer_id=row.customer_id,
        point=point.code,
        leader=leader_code,
    )
    return _view(session, row, changed=True)
