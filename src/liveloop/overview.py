"""The business at a glance, for the console's first page and ``GET /v1/overview``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.live import service as live
from liveloop.profiles import service as profiles


@dataclass(frozen=True)
class Overview:
    customers: int
    orders_30d: int
    buyers_30d: int
    gmv_30d: Decimal
    lives_held: int
    daily_gmv: list[tuple[date, Decimal]]


def overview(session: Session, now: datetime, tz: ZoneInfo) -> Overview:
    since = now - timedelta(days=30)
    sales = commerce.sales_summary(session, since)
    by_day = commerce.daily_gmv(session, since, tz)
    first = since.astimezone(tz).date()
    days = [first + timedelta(days=i) for i in range(31)]
    return Overview(
        customers=profiles.count_customers(session),
        orders_30d=sales.orders,
        buyers_30d=sales.buyers,
        gmv_30d=sales.gmv,
        lives_held=live.count_lives_held(session),
        daily_gmv=[(day, by_day.get(day, Decimal("0.00"))) for day in days],
    )
