"""A small fixed demo brand (禾谷鲜生, organic grains and dairy) so the console shows real data
before the full simulator (``liveloop.sim``) exists. Written through the domain services, so
every order also lands in the event log. Deterministic for a given seed and "now"."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from liveloop.commerce.models import Product
from liveloop.commerce.service import OrderLine, ProductSpec, record_order, upsert_product
from liveloop.identity.models import IdentityType
from liveloop.live.service import close_live, schedule_live
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.store.engine import transaction

SOURCE = "demo"
SHANGHAI = ZoneInfo("Asia/Shanghai")

# sku, name, category, price, shelf life (days), cold chain
CATALOG: list[tuple[str, str, str, str, int, bool]] = [
    ("RICE-XIAN-5KG", "五常稻花香籼米 5kg", "大米杂粮", "69.90", 365, False),
    ("RICE-JING-5KG", "东北有机粳米 5kg", "大米杂粮", "79.90", 365, False),
    ("GRAIN-MIX-1KG", "七色糙米杂粮 1kg", "大米杂粮", "39.90", 270, False),
    ("OAT-800G", "高纤燕麦片 800g", "大米杂粮", "35.80", 300, False),
    ("MILK-WEEK-7", "鲜牛奶周卡 7瓶", "乳品", "49.90", 7, True),
    ("YOGURT-12", "无蔗糖酸奶 12杯", "乳品", "59.90", 21, True),
    ("EGG-30", "散养土鸡蛋 30枚", "生鲜蛋品", "45.80", 30, True),
    ("VEG-BOX", "当季有机蔬菜箱 5kg", "生鲜蛋品", "88.00", 5, True),
    ("SOY-500", "零添加酱油 500ml", "调味品", "19.90", 540, False),
    ("OYSTER-500", "鲜蚝油 500g", "调味品", "16.80", 540, False),
    ("VINEGAR-500", "山西老陈醋 500ml", "调味品", "15.90", 720, False),
    ("OIL-5L", "压榨花生油 5L", "食用油", "129.00", 540, False),
    ("MEAL-BRAISE", "红烧肉预制菜 400g", "预制菜", "39.90", 180, True),
    ("MEAL-FISH", "酸菜鱼预制菜 600g", "预制菜", "45.90", 180, True),
    ("BABY-PUREE", "婴儿苹果果泥 6袋", "婴童辅食", "48.00", 365, False),
    ("SNACK-NUTS", "每日坚果 30袋", "休闲零食", "99.00", 240, False),
    ("SNACK-CRISP", "粗粮脆饼 400g", "休闲零食", "22.90", 180, False),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
GIVEN = [
    "秀英",
    "桂英",
    "丽",
    "静",
    "敏",
    "婷",
    "芳",
    "娟",
    "霞",
    "洁",
    "伟",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "杰",
    "涛",
    "明",
    "超",
    "佳怡",
    "子涵",
    "雨桐",
    "欣怡",
    "浩然",
    "宇轩",
    "晓燕",
]
PLACES = [
    ("广东省", "广州市"),
    ("广东省", "深圳市"),
    ("浙江省", "杭州市"),
    ("江苏省", "南京市"),
    ("上海市", "上海市"),
    ("北京市", "北京市"),
    ("四川省", "成都市"),
    ("湖北省", "武汉市"),
    ("黑龙江省", "哈尔滨市"),
    ("山东省", "济南市"),
    ("福建省", "厦门市"),
    ("湖南省", "长沙市"),
]
TIERS = ["普通会员", "普通会员", "普通会员", "银卡", "银卡", "金卡", "黑金"]


@dataclass(frozen=True)
class DemoReport:
    customers: int
    orders: int
    lives: int
    already_loaded: bool = False


def demo_loaded(session: Session) -> bool:
    return session.scalar(select(Product.id).where(Product.sku == CATALOG[0][0])) is not None


def load_demo(
    factory: sessionmaker[Session],
    now: datetime,
    *,
    customers: int = 300,
    seed: int = 7,
    progress: Callable[[int], None] | None = None,
) -> DemoReport:
    """Load the demo brand; a second call changes nothing."""
    with transaction(factory) as session:
        if demo_loaded(session):
            return DemoReport(0, 0, 0, already_loaded=True)
    rng = random.Random(seed)
    with transaction(factory) as session:
        for sku, name, category, price, shelf, cold in CATALOG:
            upsert_product(
                session, ProductSpec(sku, name, category, Decimal(price), shelf, cold), now
            )
        lives = _load_lives(session, now)
    orders = 0
    chunk = 100
    for start in range(0, customers, chunk):
        with transaction(factory) as session:
            for n in range(start, min(customers, start + chunk)):
                orders += _load_customer(session, rng, n, now, lives)
        if progress:
            progress(min(customers, start + chunk))
    return DemoReport(customers, orders, len(lives))


def _load_lives(session: Session, now: datetime) -> list[int]:
    """The weekly Wednesday 20:00 主食健康课 for the last eight weeks."""
    today = now.astimezone(SHANGHAI).date()
    last_wednesday = today - timedelta(days=(today.weekday() - 2) % 7 or 7)
    ids = []
    for week in range(8, 0, -1):
        day = last_wednesday - timedelta(weeks=week - 1)
        start = datetime.combine(day, time(20, 0), SHANGHAI).astimezone(UTC)
        live_id = schedule_live(
            session, room="main", title="主食健康课", host="小禾", scheduled_at=start
        )
        close_live(
            session,
            live_id,
            started_at=start,
            ended_at=start + timedelta(minutes=95),
            peak_viewers=800 + 97 * week,
        )
        ids.append(live_id)
    return ids


def _load_customer(
    session: Session, rng: random.Random, n: int, now: datetime, lives: list[int]
) -> int:
    province, city = rng.choice(PLACES)
    phone = f"+86{rng.choice(['138', '139', '158', '186', '177'])}{rng.randrange(10**8):08d}"
    joined = now - timedelta(days=rng.randint(5, 120), minutes=rng.randint(0, 1440))
    customer_id = create_customer(
        session,
        NewCustomer(
            name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            gender=rng.choice(["女", "女", "男"]),
            birthday=date(rng.randint(1965, 2002), rng.randint(1, 12), rng.randint(1, 28)),
            province=province,
            city=city,
            member_tier=rng.choice(TIERS),
            identities={
                IdentityType.PHONE: phone,
                IdentityType.UNIONID: f"oDemo{n:06d}{rng.randrange(16**6):06x}",
                IdentityType.MEMBER_NO: f"M{100000 + n}",
            },
        ),
        joined,
        SOURCE,
    )
    # Most buy once; some come back on the product's cycle — the brand's repeat problem in small.
    orders = 0
    placed = joined + timedelta(hours=rng.randint(1, 72))
    repeat_rate = rng.choice([0.15, 0.3, 0.55, 0.75])
    while placed < now:
        basket = rng.sample(CATALOG, k=rng.choice([1, 1, 2, 3]))
        lines = [OrderLine(sku, rng.choice([1, 1, 2])) for sku, *_ in basket]
        if any(sku == "SOY-500" for sku, *_ in basket) and rng.random() < 0.55:
            lines.append(OrderLine("OYSTER-500", 1))
        live_id = rng.choice(lives) if rng.random() < 0.4 else None
        record_order(
            session,
            order_no=f"DEMO{n:05d}-{orders:03d}",
            customer_id=customer_id,
            lines=lines,
            placed_at=placed,
            channel="live" if live_id else rng.choice(["mini_program", "wecom", "group_buy"]),
            source=SOURCE,
            live_session_id=live_id,
        )
        orders += 1
        if rng.random() > repeat_rate:
            break
        placed += timedelta(days=rng.randint(7, 35), minutes=rng.randint(0, 600))
    return orders
