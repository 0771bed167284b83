"""The demo brand's community group-buying, set up through community's facade: 8 leaders
(团长) in the simulator's cities — seven approved, one application waiting for the operator,
three recruited by another leader (老带新) — each approved one with a pickup point; eight of the
brand's customers bound to each through an order placed with them, every order sent to the
leader's point with its pickup code; today's batches scanned in this morning with half their
orders collected, and tomorrow's batches built with their packing lists. Times relative to
``now``; deterministic. Idempotent: a store with leaders is left as it is. The console user
``tuanzhang1`` (``leader_login``: the demo login's password) acts as the first leader."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from liveloop.access import service as access
from liveloop.access.contracts import Role
from liveloop.commerce import service as commerce
from liveloop.community import service as community
from liveloop.profiles import service as profiles
from liveloop.sim.geo import CITIES

SOURCE = "demo"
LEADERS = 8
CUSTOMERS_EACH = 8
DISTRICTS = ("朝阳区", "南山区", "西湖区", "鼓楼区", "天河区", "高新区", "江北区", "思明区")
COMMUNITIES = (
    "阳光花园",
    "翠湖苑",
    "锦绣华庭",
    "金色家园",
    "碧桂园",
    "万科城",
    "幸福里",
    "和谐小区",
)
SURNAMES = "王李张刘陈杨赵黄"
GIVEN = ("秀英", "建华", "丽娟", "志强", "美兰", "海燕", "国平", "春梅")
LEADER_USERNAME = "tuanzhang1"


def plant(session: Session, now: datetime, tz: ZoneInfo) -> bool:
    """Plant the demo's leaders, points, bindings and batches; False when they are there."""
    if community.list_leaders(session):
        return False
    people = sorted(profiles.created_between(session, now - timedelta(days=3650), now))
    skus = [entry.sku for entry in commerce.catalog(session)][:6]
    if len(people) < LEADERS * CUSTOMERS_EACH or not skus:
        return False
    rng = random.Random(20261121)
    cities = sorted(CITIES, key=lambda c: -c.weight)[:LEADERS]
    leaders: list[community.LeaderView] = []
    for n, city in enumerate(cities, start=1):
        applied_at = now - timedelta(days=60 - n)
        leader = community.apply_leader(
            session,
            community.LeaderApplication(
                name=SURNAMES[n - 1] + GIVEN[n - 1],
                phone=f"139{rng.randrange(10**8):08d}",
                wecom_userid=f"leader{n:02d}",
                recruited_by=leaders[0].code if n in (3, 5, 7) and leaders else None,
                username=LEADER_USERNAME if n == 1 else None,
            ),
            at=applied_at,
            source=SOURCE,
        )
        if n == LEADERS:  # the operator's to decide on the 团长 page
            continue
        community.decide_leader(
            session,
            leader.code,
            approve=True,
            by=SOURCE,
            reason=None,
            at=applied_at + timedelta(hours=6),
            source=SOURCE,
        )
        community.open_point(
            session,
            community.PointSpec(
                code=f"P{n:03d}",
                leader=leader.code,
                name=f"{city.city.removesuffix('市')}{COMMUNITIES[n - 1]}{n}号自提点",
                province=city.province,
                city=city.city,
                district=DISTRICTS[n - 1],
                detail=f"{COMMUNITIES[n - 1]}{rng.randint(1, 30)}栋底商",
                lat=round(city.lat + rng.uniform(-0.05, 0.05), 6),
                lon=round(city.lon + rng.uniform(-0.05, 0.05), 6),
                opening_hours="08:30-21:30",
                capacity=60,
            ),
            at=applied_at + timedelta(hours=7),
            source=SOURCE,
        )
        leaders.append(leader)
    settings = community.read_settings(session)
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    # Tomorrow's batch takes what is paid until today's cut-off; today's, until yesterday's.
    closes = community.cutoff_for(tomorrow, settings, tz)
    windows = (
        (closes - timedelta(days=2), closes - timedelta(days=1)),  # today's batch
        (closes - timedelta(days=1), min(now, closes)),  # tomorrow's batch
    )
    buyers = iter(people)
    today_orders: list[str] = []
    for n, leader in enumerate(leaders, start=1):
        point = f"P{n:03d}"
        for k in range(CUSTOMERS_EACH):
            customer = next(buyers)
            for w, (opens, shut) in enumerate(windows):
                paid_at = opens + (shut - opens) * (k + 1 + w) / (CUSTOMERS_EACH + 2)
                order_no = f"DEMO-CM{n}-{k + 1}-{w + 1}"
                commerce.record_order(
                    session,
                    order_no=order_no,
                    customer_id=customer,
                    lines=[
                        commerce.OrderLine(sku, rng.randint(1, 2))
                        for sku in rng.sample(skus, rng.randint(1, min(3, len(skus))))
                    ],
                    placed_at=paid_at,
                    channel="group_buy",
                    source=SOURCE,
                    attributes={"leader": leader.code, "pickup_point": point},
                )
                community.bind_from_order(
                    session,
                    customer_id=customer,
                    leader=leader.code,
                    order_no=order_no,
                    at=paid_at,
                )
                community.assign_pickup(session, order_no, point, at=paid_at, by=SOURCE)
                if w == 0:
                    today_orders.append(order_no)
    today = tomorrow - timedelta(days=1)
    community.build_batches(session, today, at=now, tz=tz)
    arrival = datetime.combine(today, datetime.min.time(), tz).replace(hour=8)
    if arrival <= now:
        for batch in community.list_batches(session, today):
            community.arrive_batch(session, batch.batch_id, at=arrival, by=SOURCE, source=SOURCE)
        for order_no in today_orders[::2]:
            code = community.pickup_of(session, order_no).code
            community.scan_pickup(session, code, at=now, by=SOURCE, source=SOURCE)
    community.build_batches(session, tomorrow, at=now, tz=tz)
    return True


def leader_login(session: Session, now: datetime, password: str) -> str:
    """The first leader's console login (团长工作台), ``tuanzhang1`` with ``password`` (the demo
    operator's): made if missing, its password brought in line if it differs."""
    if not access.user_exists(session, LEADER_USERNAME):
        access.create_user(
            session,
            LEADER_USERNAME,
            Role.LEADER,
            now,
            password=password,
            display_name=f"{SURNAMES[0]}{GIVEN[0]}（团长）",
        )
    elif access.authenticate(session, LEADER_USERNAME, password) is None:
        access.set_password(session, LEADER_USERNAME, password)
    return LEADER_USERNAME
