"""What a leader's portal and the leaders' ranking read of the pickups: the orders sent to
leaders' points (the orders that went "through" a leader, with commerce's ``Order.leader``),
and per leader how many orders of arrived batches their customers collected themselves (the
pickup rate: scanned at the point, not confirmed by the 2-day rule)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveloop.access.service import Principal
from liveloop.community.contracts import BatchStatus, format_pickup_code
from liveloop.community.models import Leader, PickupBatch, PickupOrder, PickupPoint
from liveloop.community.scope import leader_scope


@dataclass(frozen=True)
class PointOrder:
    order_no: str
    customer_id: int
    leader: str
    point: str
    code: str  # K7M-4Q9
    batch_id: int | None
    assigned_at: datetime
    picked_up_at: datetime | None


@dataclass(frozen=True)
class PickupCount:
    leader: str
    arrived: int  # orders in the leader's batches that arrived
    picked_up: int  # of those, collected with the pickup code


def orders_at_points(
    session: Session,
    viewer: Principal | None = None,
    *,
    assigned_since: datetime | None = None,
    customers: list[int] | None = None,
) -> list[PointOrder]:
    """Orders sent to pickup points (a leader viewer's own points only), oldest first;
    ``assigned_since`` narrows to those sent there since (an order is sent after it was
    placed, so every order placed since is among them); ``customers`` to those buyers."""
    query = (
        select(PickupOrder, PickupPoint.code, Leader.code)
        .join(PickupPoint, PickupPoint.id == PickupOrder.point_id)
        .join(Leader, Leader.id == PickupPoint.leader_id)
        .order_by(PickupOrder.id)
    )
    scope = leader_scope(session, viewer)
    if scope is not None:
        query = query.where(PickupPoint.leader_id == scope)
    if assigned_since is not None:
        query = query.where(PickupOrder.assigned_at >= assigned_since)
    if customers is not None:
        query = query.where(PickupOrder.customer_id.in_(sorted(set(customers))[:5000]))
    return [
        PointOrder(
            order_no=row.order_no,
            customer_id=row.customer_id,
            leader=leader,
            point=point,
            code=format_pickup_code(row.code),
            batch_id=row.batch_id,
            assigned_at=row.assigned_at,
            picked_up_at=row.picked_up_at,
        )
        for row, point, leader in session.execute(query)
    ]


def pickup_counts(session: Session, since: date, until: date) -> dict[str, PickupCount]:
    """Per leader code: the orders of their batches delivered in [``since``, ``until``) that
    arrived, and how many of them were collected with the code."""
    rows = session.execute(
        select(Leader.code, func.count(PickupOrder.id), func.count(PickupOrder.picked_up_at))
        .join(PickupBatch, PickupBatch.id == PickupOrder.batch_id)
        .join(PickupPoint, PickupPoint.id == PickupBatch.point_id)
        .join(Leader, Leader.id == PickupPoint.leader_id)
        .where(
            PickupBatch.status == BatchStatus.ARRIVED,
            PickupBatch.delivery_date >= since,
            PickupBatch.delivery_date < until,
        )
        .group_by(Leader.code)
    )
    return {code: PickupCount(code, arrived, picked) for code, arrived, picked in rows}
