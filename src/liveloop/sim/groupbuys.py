"""The demo brand's 拼团 and 预售, set up through group-buy's and presale's facades: the
campaign 五常大米 拼团 (3人 ¥59 / 5人 ¥49 / 10人 ¥39 on 五常稻花香粳米 5kg, 24-hour groups) with
a group that succeeded at 5 (each member gets ¥10.00 back), one that failed at 2 of 3 (each
member refunded ¥59.00 in full) and one still gathering; the presale 中秋月饼礼盒 (the
catalog's 低糖月饼礼盒 at its price, 定金 ¥20, the balance window opening in 3 days) with four
deposits. Buyers are the brand's first customers, times relative to ``now``: small and
deterministic. Idempotent: a store that has the campaign is left as it is.

Every member pays as a buyer's 小程序 does — the join's order, WeChat Pay through the store's
payment gateway (the signed local provider without credentials), then the join — so the
worker's tasks close the groups and the refunds go back through the provider to 已退款, as they
would for a real brand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.groupbuy import service as groupbuy
from liveloop.groupbuy.contracts import UnknownCampaign
from liveloop.payments import service as payments
from liveloop.presale import service as presales
from liveloop.profiles import service as profiles
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction

CAMPAIGN = "RICE-WUCHANG-GB"
RICE = "RICE-JING-5KG"
TIERS = (
    groupbuy.Tier(3, Decimal("59.00")),
    groupbuy.Tier(5, Decimal("49.00")),
    groupbuy.Tier(10, Decimal("39.00")),
)
PRESALE = "MOONCAKE-2027"
MOONCAKE = "MOONCAKE-GIFT"
SOURCE = "demo"
# (hours ago the group opened, members including the leader): closes at 24 h.
GROUPS = ((50, 5), (30, 2), (2, 2))
DEPOSITS = 4


def plant(runtime: Runtime, now: datetime) -> bool:
    """Plant the demo's group-buy and presale; False when they are there already (or the store
    lacks the rice or the people)."""
    with transaction(runtime.sessions) as session:
        buyers = _campaigns(session, now)
    if buyers is None:
        return False
    for number, (hours_ago, size) in enumerate(GROUPS, start=1):
        opened_at = now - timedelta(hours=hours_ago)
        group = None
        for slot in range(1, size + 1):
            at = opened_at + timedelta(minutes=20 * (slot - 1))
            order_no = f"DEMO-GB{number}-{slot}"
            person = next(buyers)
            with transaction(runtime.sessions) as session:
                groupbuy.place_join_order(
                    session, CAMPAIGN, customer_id=person, order_no=order_no, at=at, source=SOURCE
                )
            _pay(runtime, order_no, person, now)
            with transaction(runtime.sessions) as session:
                if group is None:
                    group = groupbuy.open_group(
                        session,
                        CAMPAIGN,
                        leader_id=person,
                        order_no=order_no,
                        transaction_id=None,  # paid through payments just now
                        at=at,
                        source=SOURCE,
                    ).group
                else:
                    groupbuy.join_group(
                        session,
                        group,
                        customer_id=person,
                        order_no=order_no,
                        transaction_id=None,
                        at=at,
                        source=SOURCE,
                    )
    for n in range(1, DEPOSITS + 1):
        order_no, person = f"DEMO-PS{n}", next(buyers)
        at = now - timedelta(hours=40 - 6 * n)
        with transaction(runtime.sessions) as session:
            presales.place_part_order(
                session,
                PRESALE,
                customer_id=person,
                order_no=order_no,
                deposit_order_no=None,
                at=at,
                source=SOURCE,
            )
        _pay(runtime, order_no, person, now)
        with transaction(runtime.sessions) as session:
            presales.pay_deposit(
                session,
                PRESALE,
                customer_id=person,
                order_no=order_no,
                transaction_id=None,
                at=at,
                source=SOURCE,
            )
    return True


def _pay(runtime: Runtime, order_no: str, person: int, now: datetime) -> None:
    payments.pay_locally(
        runtime.sessions,
        runtime.read_sessions,
        payments.runtime_gateway(runtime),
        order_no,
        f"o-demo-{person}",  # the buyer's 小程序 openid
        now,
    )


def _campaigns(session: Session, now: datetime) -> Iterator[int] | None:
    """The campaign and the presale, and the buyers to fill them with."""
    try:
        groupbuy.get_campaign(session, CAMPAIGN)
        return None
    except UnknownCampaign:
        pass
    people = sorted(profiles.created_between(session, now - timedelta(days=3650), now))
    needed = sum(size for _, size in GROUPS) + DEPOSITS
    if len(people) < needed or commerce.product(session, RICE) is None:
        return None
    groupbuy.create_campaign(
        session,
        groupbuy.CampaignSpec(
            code=CAMPAIGN,
            name="五常大米 拼团",
            sku=RICE,
            tiers=TIERS,
            window_hours=24,
            max_size=10,
            per_person_limit=1,
            starts_at=now - timedelta(days=7),
            ends_at=now + timedelta(days=14),
        ),
        at=now - timedelta(days=7),
        by=SOURCE,
    )
    mooncake = commerce.product(session, MOONCAKE)  # the catalog's 低糖月饼礼盒, when it has it
    if mooncake is None:
        commerce.upsert_product(
            session,
            commerce.ProductSpec(MOONCAKE, "中秋月饼礼盒", "节令食品", Decimal("128.00"), 45),
            now - timedelta(days=7),
        )
    price = mooncake.price if mooncake is not None else Decimal("128.00")
    presales.create_presale(
        session,
        presales.PresaleSpec(
            code=PRESALE,
            name="中秋月饼礼盒 预售",
            sku=MOONCAKE,
            price=price,
            deposit=Decimal("20.00"),
            quota=500,
            balance_starts_at=now + timedelta(days=3),
            balance_ends_at=now + timedelta(days=10),
            remind_hours=24,
        ),
        at=now - timedelta(days=2),
        by=SOURCE,
    )
    return iter(people[:needed])
