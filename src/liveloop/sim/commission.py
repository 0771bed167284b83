"""The demo brand's commission, planted through commission's facade on the leaders
``sim.leaders`` planted: the operator's rates (10 % by default, 12 % on one category, 15 % on
one SKU, 3 % to the recruiting leader) in force since a year ago; the leaders' orders of the
last two days posted (frozen, inside the after-sales window), two older orders per leader
paid 10 and 20 days ago (settled); one settled order refunded in part — its commission clawed
back to the fen; and the first leader's withdrawal of part of their balance, waiting for the
operator on the 佣金 page. Deterministic; idempotent (a store with rates is left as it is).
The worker's consumer later posts the rest of the log's paid orders (the same entries, never
twice)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.commission import service as commission
from liveloop.commission.contracts import RateScope
from liveloop.community import service as community
from liveloop.community.contracts import LeaderStatus

SOURCE = "demo"
OLDER = (10, 20)  # days ago: past the after-sales window, settled


def plant(session: Session, now: datetime, tz: ZoneInfo, after_sales_days: int) -> bool:
    """Plant the demo's rates and commission; False when rates are there already or there
    are no leaders to pay."""
    if commission.list_rates(session):
        return False
    leaders = [
        leader
        for leader in community.list_leaders(session)
        if leader.status == LeaderStatus.APPROVED
    ]
    catalog = commerce.catalog(session)
    if not leaders or not catalog:
        return False
    since = now - timedelta(days=400)
    for level, scope, target, rate in (
        (1, RateScope.DEFAULT, None, "0.10"),
        (1, RateScope.CATEGORY, catalog[0].category, "0.12"),
        (1, RateScope.SKU, catalog[-1].sku, "0.15"),
        (2, RateScope.DEFAULT, None, "0.03"),
    ):
        commission.set_rate(
            session,
            level=level,
            scope=scope,
            target=target,
            rate=Decimal(rate),
            at=since,
            by=SOURCE,
            note="演示品牌的佣金方案",
        )
    skus = [entry.sku for entry in catalog][:6]
    older: list[str] = []
    for n, leader in enumerate(leaders, start=1):
        for k, days in enumerate(OLDER, start=1):
            order_no = f"DEMO-CMS{n}-{k}"
            paid_at = now - timedelta(days=days, hours=n)
            bound = community.list_bindings(session, leader=leader.code, limit=1)
            if not bound:
                continue
            commerce.record_order(
                session,
                order_no=order_no,
                customer_id=bound[0].customer_id,
                lines=[
                    commerce.OrderLine(skus[(n + i) % len(skus)], 1 + (k + i) % 2) for i in range(3)
                ],
                placed_at=paid_at,
                channel="group_buy",
                source=SOURCE,
                discount=Decimal("3.00") if k == 1 else Decimal("0"),
                attributes={"leader": leader.code},
            )
            older.append(order_no)
    # sim.leaders numbers its orders DEMO-CM{leader}-{customer}-{window}.
    recent = [
        f"DEMO-CM{n}-{k}-{w}"
        for n in range(1, len(leaders) + 1)
        for k in range(1, 9)
        for w in (1, 2)
    ]
    commission.post_paid(session, older + recent, after_sales_days=after_sales_days, at=now)
    commission.settle_due(session, now)
    if older:
        # 坏果包赔 after settlement: the first older order's first line, one unit back.
        refund = commerce.refund_order_part(
            session,
            older[0],
            refund_no=f"{older[0]}-R1",
            lines=[commerce.RefundLineRequest(1, line_no=1)],
            reason="坏果包赔",
            at=now - timedelta(hours=2),
            source=SOURCE,
            settled=True,
        )
        commission.post_refunds(session, [(older[0], refund.refund_no)], at=now)
    first = leaders[0].code
    balance = commission.balance_of(session, first)
    if balance.withdrawable > 0:
        commission.request_withdrawal(
            session,
            first,
            amount=(balance.withdrawable / 2).quantize(Decimal("0.01")),
            request_id="demo-1",
            by=leaders[0].username or first,
            at=now - timedelta(hours=1),
        )
    return True
