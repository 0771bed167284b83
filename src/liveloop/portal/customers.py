"""My customers (我的顾客): the people bound to the leader now (community's bindings, read
with the leader as ``viewer``), each with the orders that went through the leader — sent to
one of their points, or placed with their code — and whether one is waiting uncollected.

Names and phones are shown as the viewer's role may see them (a leader: ``张*``,
``138****8000``). Search matches only what is shown: the last digits of the phone (up to 4)
or the visible characters of the name, so a search cannot test a full number or name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from liveloop.access import service as access
from liveloop.access.contracts import PiiField
from liveloop.access.service import Principal
from liveloop.commerce import service as commerce
from liveloop.commerce.contracts import OrderStatus
from liveloop.community import service as community
from liveloop.identity import service as identity
from liveloop.portal.acting import acting_leader
from liveloop.portal.contracts import UnknownCustomer
from liveloop.profiles import service as profiles

PAGE_SIZE = 20
MOST_BOUND = 20_000  # a leader's customers read for one page (search runs over all of them)
TAIL_DIGITS = 4


@dataclass(frozen=True)
class OrderThrough:
    order_no: str
    placed_at: datetime
    status: str
    kept: Decimal  # yuan the buyer kept paying
    code: str | None  # the pickup code, when it went to a point
    waiting: bool  # arrived and not collected


@dataclass(frozen=True)
class CustomerRow:
    oneid: str
    name: str  # as the viewer may see it
    phone: str  # masked for a leader; "" when none is known
    bound_at: datetime
    cause: str
    orders: int  # through this leader
    last_order_at: datetime | None
    waiting: int  # orders arrived at the point and not collected


@dataclass(frozen=True)
class CustomerPage:
    rows: tuple[CustomerRow, ...]
    total: int  # matching the search
    page: int
    pages: int
    q: str


@dataclass(frozen=True)
class CustomerDetail:
    row: CustomerRow
    orders: tuple[OrderThrough, ...]


def _shown_phone(phone: str | None, viewer: Principal) -> str:
    if not phone:
        return ""
    shown = phone if access.sees(viewer.role, PiiField.PHONE) else access.mask("phone", phone)
    return shown.removeprefix("+86")


def _orders_through(
    session: Session, viewer: Principal, leader: str, customers: list[int]
) -> dict[int, list[OrderThrough]]:
    at_points = community.orders_at_points(session, viewer, customers=customers)
    codes = {p.order_no: p for p in at_points}
    briefs = commerce.order_briefs(session, list(codes))
    # An order placed with another leader's code but sent to this leader's point is the
    # other leader's: ``Order.leader`` names who sold it.
    mine = {n: b for n, b in briefs.items() if b.leader in (None, leader)}
    mine |= commerce.orders_with_leader(session, leaders=[leader], customers=customers)
    found: dict[int, list[OrderThrough]] = {}
    for brief in mine.values():
        pickup = codes.get(brief.order_no)
        found.setdefault(brief.customer_id, []).append(
            OrderThrough(
                order_no=brief.order_no,
                placed_at=brief.placed_at,
                status=brief.status,
                kept=brief.kept,
                code=pickup.code if pickup else None,
                waiting=pickup is not None
                and pickup.picked_up_at is None
                and brief.status == OrderStatus.DELIVERED,
            )
        )
    for orders in found.values():
        orders.sort(key=lambda o: o.placed_at, reverse=True)
    return found


def _rows(
    session: Session, viewer: Principal, leader: str, bindings: list[community.BindingView]
) -> list[tuple[CustomerRow, list[OrderThrough]]]:
    ids = [b.customer_id for b in bindings]
    phones = identity.first_values(session, ids, "phone")
    orders = _orders_through(session, viewer, leader, ids)
    rows = []
    for b in bindings:
        mine = orders.get(b.customer_id, [])
        rows.append(
            (
                CustomerRow(
                    oneid=b.oneid or "",
                    name=b.name or "顾客",
                    phone=_shown_phone(phones.get(b.customer_id), viewer),
                    bound_at=b.bound_at,
                    cause=b.cause,
                    orders=len(mine),
                    last_order_at=mine[0].placed_at if mine else None,
                    waiting=sum(1 for o in mine if o.waiting),
                ),
                mine,
            )
        )
    return rows


def _matches(row: CustomerRow, q: str) -> bool:
    if q.isdigit():
        digits = "".join(ch for ch in row.phone if ch.isdigit())
        return len(q) <= TAIL_DIGITS and digits.endswith(q)
    return q in row.name.replace("*", "")


def customers_of(
    session: Session, viewer: Principal, *, q: str = "", page: int = 1
) -> CustomerPage:
    """The leader's customers, newest binding first, ``PAGE_SIZE`` a page, searched by the
    phone's last digits or the shown name."""
    leader = acting_leader(session, viewer)
    bindings = community.list_bindings(session, viewer, limit=MOST_BOUND)
    q = q.strip()
    if q:
        # Only the shown phone and name are searched, so names are read (masked) first.
        shown = _rows(session, viewer, leader.code, bindings)
        matched = [row for row, _ in shown if _matches(row, q)]
    else:
        matched = []
    total = len(matched) if q else len(bindings)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    start = (page - 1) * PAGE_SIZE
    if q:
        rows = matched[start : start + PAGE_SIZE]
    else:
        shown_page = bindings[start : start + PAGE_SIZE]
        rows = [row for row, _ in _rows(session, viewer, leader.code, shown_page)]
    return CustomerPage(tuple(rows), total, page, pages, q)


def customer_of(session: Session, viewer: Principal, oneid: str) -> CustomerDetail:
    """One of the leader's customers with the orders through the leader; a person bound to
    another leader (or to nobody) is unknown here."""
    leader = acting_leader(session, viewer)
    customer = profiles.find_by_oneid(session, oneid)
    binding = community.binding_of(session, customer, viewer) if customer is not None else None
    if binding is None:
        raise UnknownCustomer(f"没有这位顾客 {oneid} (no such customer of yours)")
    [(row, orders)] = _rows(session, viewer, leader.code, [binding])
    return CustomerDetail(row, tuple(orders))
