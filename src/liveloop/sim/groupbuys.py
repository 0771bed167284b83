"""The demo brand's 拼团 and 预售, set up through group-buy's and presale's facades: the
campaign 五常大米 拼团 (3人 ¥59 / 5人 ¥49 / 10人 ¥39 on 五常稻花香粳米 5kg, 24-hour groups) with
a group that succeeded at 5 (each member gets ¥10.00 back), one that failed at 2 of 3 (each
member refunded ¥59.00 in full) and one still gathering; the presale 中秋月饼礼盒 (the
catalog's 低糖月饼礼盒 at its price, 定金 ¥20, the balance window opening in 3 days) with four
deposits. Buyers are the brand's first customers, times relative to ``now``: small and
deterministic. Idempotent: a store that has the campaign is left as it is. The closes and
refunds happen when the worker's tasks run."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.groupbuy import service as groupbuy
from liveloop.groupbuy.contracts import UnknownCampaign
from liveloop.presale import service as presales
from liveloop.profiles import service as profiles

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


def plant(session: Session, now: datetime) -> bool:
    """Plant the demo's group-buy and presale; False when they are there already."""
    try:
        groupbuy.get_campaign(session, CAMPAIGN)
        return False
    except UnknownCampaign:
        pass
    people = sorted(profiles.created_between(session, now - timedelta(days=3650), now))
    needed = sum(size for _, size in GROUPS) + DEPOSITS
    if len(people) < needed or commerce.product(session, RICE) is None:
        return False
    buyers = iter(people[:needed])
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
    for number, (hours_ago, size) in enumerate(GROUPS, start=1):
        opened_at = now - timedelta(hours=hours_ago)
        leader = next(buyers)
        group = groupbuy.open_group(
            session,
            CAMPAIGN,
            leader_id=leader,
            order_no=f"DEMO-GB{number}-1",
            transaction_id=f"4200DEMO{number}01",
            at=opened_at,
            source=SOURCE,
        ).group
        for slot in range(2, size + 1):
            groupbuy.join_group(
                session,
                group,
                customer_id=next(buyers),
                order_no=f"DEMO-GB{number}-{slot}",
                transaction_id=f"4200DEMO{number}{slot:02d}",
                at=opened_at + timedelta(minutes=20 * slot),
                source=SOURCE,
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
    for n in range(1, DEPOSITS + 1):
        presales.pay_deposit(
            session,
            PRESALE,
            customer_id=next(buyers),
            order_no=f"DEMO-PS{n}",
            transaction_id=f"4200DEMOPS{n:02d}",
            at=now - timedelta(hours=40 - 6 * n),
            source=SOURCE,
        )
    return True
