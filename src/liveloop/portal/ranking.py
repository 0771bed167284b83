"""The leaders' ranking (团长排行) for the local month: every approved leader ranked by the
GMV of the orders through them (what buyers kept paying — totals less refunds — of the orders
placed this month, sent to their points or placed with their code) and by their pickup rate
(orders of this month's arrived batches collected with the code, over those arrived).

What a leader is shown, and nothing more: their own rank, GMV and rate in each list, and the
top 10 of each — rank, the leader's masked name (``王**团长``) and the list's one figure (GMV,
or the rate). No other leader's customers, order counts, points or commission.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from liveloop.access import service as access
from liveloop.access.service import Principal
from liveloop.commerce import service as commerce
from liveloop.community import service as community
from liveloop.community.contracts import LeaderStatus
from liveloop.portal.acting import acting_leader
from liveloop.store.base import to_money

TOP = 10
PERCENT = Decimal("0.1")


@dataclass(frozen=True)
class Standing:
    rank: int
    name: str  # masked: 王**团长
    figure: Decimal  # GMV in yuan, or the pickup rate in percent
    mine: bool


@dataclass(frozen=True)
class RankingView:
    month: date  # the first of the month
    leaders: int  # approved leaders ranked
    by_gmv: tuple[Standing, ...]  # the top 10
    by_pickup: tuple[Standing, ...]  # the top 10 of those with arrived orders
    my_gmv: Standing
    my_pickup: Standing | None  # None: no order of mine arrived this month
    my_arrived: int
    my_picked_up: int


def month_window(now: datetime, tz: ZoneInfo) -> tuple[date, date, datetime, datetime]:
    local = now.astimezone(tz).date()
    first = local.replace(day=1)
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    start = datetime.combine(first, datetime.min.time(), tz)
    end = datetime.combine(following, datetime.min.time(), tz)
    return first, following, start, end


def gmv_by_leader(session: Session, since: datetime, until: datetime) -> dict[str, Decimal]:
    """What buyers kept paying for the orders placed in [since, until), per leader code: an
    order with a leader's code is that leader's; one without, the leader of its point's."""
    at_points = community.orders_at_points(session, assigned_since=since)
    point_leader = {p.order_no: p.leader for p in at_points}
    orders = commerce.order_briefs(session, list(point_leader), since=since, until=until)
    orders |= commerce.orders_with_leader(session, since=since, until=until)
    totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0"))
    for brief in orders.values():
        leader = brief.leader or point_leader.get(brief.order_no)
        if leader is not None:
            totals[leader] += brief.kept
    return {code: to_money(total) for code, total in totals.items()}


def _display(name: str) -> str:
    return access.mask("name", name) + "团长"


def _ranked(figures: list[tuple[str, Decimal]]) -> list[tuple[int, str, Decimal]]:
    """Competition ranking (1, 2, 2, 4): equal figures share a rank; the code orders ties."""
    ordered = sorted(figures, key=lambda item: (-item[1], item[0]))
    ranked, last, rank = [], None, 0
    for position, (code, figure) in enumerate(ordered, start=1):
        if figure != last:
            rank, last = position, figure
        ranked.append((rank, code, figure))
    return ranked


def ranking_of(session: Session, viewer: Principal, now: datetime, tz: ZoneInfo) -> RankingView:
    me = acting_leader(session, viewer)
    first, following, start, end = month_window(now, tz)
    # The ranking reads every approved leader (viewer None) and hands the leader back only
    # what the module doc lists.
    approved = {
        v.code: v.name for v in community.list_leaders(session, status=LeaderStatus.APPROVED)
    }
    gmv = gmv_by_leader(session, start, end)
    counts = community.pickup_counts(session, first, following)
    by_gmv = _ranked([(code, gmv.get(code, Decimal("0.00"))) for code in approved])
    rates = [
        (
            code,
            (Decimal(c.picked_up * 100) / c.arrived).quantize(PERCENT, ROUND_HALF_UP),
        )
        for code, c in counts.items()
        if code in approved and c.arrived
    ]
    by_pickup = _ranked(rates)

    def standing(rank: int, code: str, figure: Decimal) -> Standing:
        return Standing(rank, _display(approved[code]), figure, code == me.code)

    mine_gmv = next((standing(*r) for r in by_gmv if r[1] == me.code), None)
    mine_pickup = next((standing(*r) for r in by_pickup if r[1] == me.code), None)
    own = counts.get(me.code)
    return RankingView(
        month=first,
        leaders=len(approved),
        by_gmv=tuple(standing(*r) for r in by_gmv[:TOP]),
        by_pickup=tuple(standing(*r) for r in by_pickup[:TOP]),
        my_gmv=mine_gmv or Standing(len(approved) + 1, _display(me.name), Decimal("0.00"), True),
        my_pickup=mine_pickup,
        my_arrived=own.arrived if own else 0,
        my_picked_up=own.picked_up if own else 0,
    )
