"""The demo brand's 内容社区, set up through UGC's facade (and commerce's for the orders behind
reviews and invitations): recipes and reviews by its customers — most approved, a few waiting
for moderation (two of them flagged by the pre-check), one rejected — likes on the recipes, a
flavour poll still open and a pack poll closed, this month's 最佳食谱 (computed) and 月度之星,
and the invitations that give the KOC scores something to find.

The planted truth (tests/ugc/test_koc.py reads it back after the analytics run):
- ``HOST`` (林姐, the brand's keenest cook) invited six people through her links and four of
  them ordered within a day: her influence is the highest, her recipes are the most liked, and
  she is recognised as a KOC;
- ``SHARER`` invited five people who came and looked but never ordered: some influence, less
  than hers;
- ``COOK`` shares no links but writes liked recipes: expertise without influence.

Customers are picked by their place among the brand's first customers, times relative to
``now``: small and deterministic. Idempotent: a store that has the flavour poll is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from liveloop import spec
from liveloop.commerce import service as commerce
from liveloop.profiles import service as profiles
from liveloop.store.eventlog import NewEvent, append
from liveloop.ugc import service as ugc
from liveloop.ugc.contracts import Honour, UnknownUgc

SOURCE = "demo"
MODERATOR = "运营-小周"
FLAVOUR_POLL = "DEMO-CONGEE-FLAVOUR"
PACK_POLL = "DEMO-VINEGAR-PACK"
# Places among the brand's customers (sorted by id) of the people the truths are about.
HOST, SHARER, COOK = 40, 41, 42
WRITERS = range(43, 52)
LIKERS = range(60, 100)
HOST_INVITEES = range(100, 106)
CONVERTED = 4  # of the host's invitees, this many ordered
NEEDED = 160


@dataclass(frozen=True)
class Recipe:
    author: int
    title: str
    body: str
    skus: tuple[str, ...]
    likes: int = 0
    decision: str = "approve"  # approve, pending, reject:<reason>
    photos: int = 1


RECIPES = (
    Recipe(
        HOST,
        "砂锅煲仔饭，锅巴才是灵魂",
        "五常大米淘一遍泡半小时，米和水一比一点二下砂锅。大火烧开转最小火，盖盖焖十二分钟，"
        "铺上腊肠和青菜再焖五分钟。关火前沿锅边淋一圈花生油，听到滋滋响就是锅巴成了。"
        "酱汁：生抽两勺、老抽半勺、蚝油一勺、糖一小撮，加两勺开水拌匀，吃之前浇上。",
        ("RICE-JING-5KG", "SOY-500", "OYSTER-500"),
        likes=18,
        photos=3,
    ),
    Recipe(
        HOST,
        "七色杂粮粥，早上十分钟搞定",
        "前一晚把杂粮抓两把洗净，泡在电饭煲内胆里，预约早上六点半煮粥档。"
        "起床加四五颗去核红枣再焖十分钟，粥稠米烂，豆子一抿就化。控糖的家人不放糖，"
        "配一个水煮蛋就是一顿踏实的早饭。",
        ("GRAIN-MIX-1KG",),
        likes=9,
    ),
    Recipe(
        HOST,
        "老陈醋拌木耳，夏天的开胃凉菜",
        "干木耳冷水泡发两小时，撕小朵焯水一分钟过凉。蒜末、小米辣、香菜碎铺在上面，"
        "淋两勺老陈醋、一勺生抽、几滴香油，拌匀放冰箱半小时更入味。醋一定要后放，香味才不散。",
        ("VINEGAR-500", "SOY-500"),
        likes=6,
        photos=2,
    ),
    Recipe(
        SHARER,
        "燕麦牛奶杯，孩子抢着喝",
        "燕麦片加一点水小火煮三分钟，煮软后倒入鲜牛奶，边搅边加热到冒小泡就关火，别煮沸。"
        "盛出来放几片香蕉和一小把蓝莓，天然的甜味，不用再加糖。",
        ("OAT-1KG", "MILK-WEEK-7"),
        likes=4,
    ),
    Recipe(
        COOK,
        "小米南瓜粥，熬出米油的窍门",
        "黄小米只淘一遍，别用力搓，米油就在表面那层。水烧开再下米，转小火不停搅几下防粘底，"
        "二十分钟后放南瓜块，再熬十分钟，南瓜一压就成泥。熬好别急着开盖，闷五分钟更稠。",
        ("MILLET-1KG",),
        likes=14,
        photos=2,
    ),
    Recipe(
        COOK,
        "醋溜土豆丝，酸香脆爽",
        "土豆切细丝泡清水，换两次水把淀粉洗掉。热锅凉油，干辣椒和花椒炸香捞出，"
        "土豆丝下锅大火翻炒一分钟，放盐，出锅前沿锅边淋一勺老陈醋，醋香一激就起锅。",
        ("VINEGAR-500",),
        likes=11,
    ),
    Recipe(
        WRITERS[0],
        "荞麦凉面，减脂期也能吃饱",
        "荞麦面煮四分钟捞出过冰水，黄瓜切丝，加一个溏心蛋。调汁：陈醋两勺、生抽一勺、"
        "少许芝麻酱用温水澥开，喜欢辣的加点油泼辣子。一碗下去很顶饱，下午不饿。",
        ("BUCKWHEAT-NOODLE", "VINEGAR-500"),
        likes=3,
    ),
    Recipe(
        WRITERS[1],
        "鲜奶炖蛋，比布丁还嫩",
        "两个鸡蛋打散，倒入两百毫升鲜牛奶和一小勺糖，搅匀后过一遍筛。碗口盖保鲜膜扎几个小孔，"
        "水开后放进去，中小火蒸十二分钟，关火再闷两分钟，表面像镜子一样平。",
        ("MILK-WEEK-7", "EGG-30"),
        decision="pending",
        photos=2,
    ),
    Recipe(
        WRITERS[2],
        "红烧肉预制菜的升级吃法",
        "红烧肉加热后别直接吃，锅里放两个剥壳的卤蛋和一把泡好的香菇一起收汁，汤汁拌饭绝了。"
        "需要同款砂锅的加我微信 wx: linjia_kitchen88 或者打 139 1234 5678 找我团购。",
        ("MEAL-BRAISED-PORK",),
        decision="pending",
    ),
    Recipe(
        WRITERS[3],
        "黑芝麻丸配燕麦奶",
        "每天早上两颗黑芝麻丸，配一杯温热的燕麦植物奶，坚持吃三个月根治白头发，比药还管用。",
        ("SESAME-BALL", "PLANT-MILK-1L"),
        decision="pending",
    ),
    Recipe(
        WRITERS[4],
        "转发有礼",
        "把这条转发到三个群，截图给我，返现五元，名额有限先到先得。",
        (),
        decision="reject:含广告或联系方式",
        photos=0,
    ),
)


@dataclass(frozen=True)
class Review:
    author: int
    sku: str
    rating: int
    body: str
    approve: bool = True


REVIEWS = (
    Review(
        WRITERS[0],
        "RICE-JING-5KG",
        5,
        "米粒饱满，蒸出来有股清香，家里老人说像小时候的味道。已经是第二袋了。",
    ),
    Review(
        WRITERS[1],
        "VINEGAR-500",
        4,
        "酸味醇厚不冲，拌凉菜特别好。就是瓶口有点漏，倒的时候要小心，希望包装改进一下。",
    ),
    Review(
        WRITERS[5],
        "MILK-WEEK-7",
        5,
        "每周三准时送到，冷链箱里放了冰袋，孩子早上一杯，喝完了下周接着订。",
    ),
    Review(SHARER, "OAT-1KG", 5, "燕麦片是整粒压的，煮完有嚼劲，不是那种一冲就糊的。"),
    Review(
        WRITERS[6],
        "GRAIN-MIX-1KG",
        3,
        "杂粮挺新鲜，不过豆子比例偏多，要提前泡久一点，不然煮不烂。",
        approve=False,
    ),
    Review(
        WRITERS[7],
        "EGG-30",
        2,
        "这次有两个蛋壳裂了，拍照给客服后第二天就补发了，处理很快，但希望包装再结实点。",
        approve=False,
    ),
)

FLAVOURS = (
    ("red-bean", "红豆薏米", 14),
    ("purple-oat", "紫薯燕麦", 9),
    ("black-rice", "黑米核桃", 11),
    ("pumpkin", "南瓜小米", 6),
)
PACKS = (
    ("glass-500", "500ml 玻璃瓶", 7),
    ("family-1l", "1L 家庭装", 12),
    ("gift-4", "250ml×4 小瓶礼盒", 5),
)


def plant(session: Session, now: datetime, tz: ZoneInfo) -> bool:
    """Plant the demo's UGC; False when it is there already or the store is too small."""
    try:
        ugc.get_poll(session, FLAVOUR_POLL)
        return False
    except UnknownUgc:
        pass
    people = sorted(profiles.created_between(session, now - timedelta(days=3650), now))
    skus = {sku for r in RECIPES for sku in r.skus} | {r.sku for r in REVIEWS}
    if len(people) < NEEDED or len(commerce.products_by_sku(session, skus)) < len(skus):
        return False
    start = now - timedelta(days=6)
    items: dict[str, int] = {}
    for n, recipe in enumerate(RECIPES):
        at = start + timedelta(hours=7 * n)
        item = ugc.submit_recipe(
            session,
            customer_id=people[recipe.author],
            title=recipe.title,
            body=recipe.body,
            skus=recipe.skus,
            photos=[f"ugc/demo/recipe-{n + 1}-{p + 1}.jpg" for p in range(recipe.photos)],
            client_ref=f"demo-recipe-{n + 1}",
            at=at,
            source=SOURCE,
        )
        items[recipe.title] = item.id
        _decide(session, item.id, recipe.decision, at + timedelta(hours=3))
    for n, review in enumerate(REVIEWS, start=1):
        order_no = f"DEMO-UGC-R{n}"
        bought = now - timedelta(days=9, hours=n * 5)
        commerce.record_order(
            session,
            order_no=order_no,
            customer_id=people[review.author],
            lines=[commerce.OrderLine(review.sku, 1)],
            placed_at=bought,
            channel="mini_program",
            source=SOURCE,
        )
        item = ugc.submit_review(
            session,
            customer_id=people[review.author],
            order_no=order_no,
            sku=review.sku,
            rating=review.rating,
            body=review.body,
            at=bought + timedelta(days=4),
            source=SOURCE,
        )
        if review.approve:
            ugc.approve(session, item.id, by=MODERATOR, at=bought + timedelta(days=4, hours=2))
    likers = [people[i] for i in LIKERS]
    for recipe in RECIPES:
        for k in range(recipe.likes):
            ugc.like_recipe(
                session,
                items[recipe.title],
                customer_id=likers[(k * 7 + len(recipe.title)) % len(likers)],
                at=now - timedelta(hours=1 + (k * 3) % 40),
                source=SOURCE,
            )
    _polls(session, now, people)
    month = ugc.month_of(now - timedelta(hours=1), tz)
    ugc.award_best_recipe(session, month, at=now, by=MODERATOR, tz=tz)
    ugc.award_honour(
        session,
        Honour.STAR_OF_MONTH,
        month=month,
        customer_id=people[COOK],
        at=now,
        by=MODERATOR,
        tz=tz,
        reason="两篇家常粥和凉菜食谱收获很多点赞，步骤写得细，新手照着做也不失手",
    )
    _invitations(session, now, people)
    return True


def _decide(session: Session, item_id: int, decision: str, at: datetime) -> None:
    if decision == "approve":
        ugc.approve(session, item_id, by=MODERATOR, at=at)
    elif decision.startswith("reject:"):
        ugc.reject(session, item_id, by=MODERATOR, reason=decision.split(":", 1)[1], at=at)


def _polls(session: Session, now: datetime, people: list[int]) -> None:
    for code, title, options, opens, closes in (
        (FLAVOUR_POLL, "下一款杂粮粥口味，你来定", FLAVOURS, -7, 7),
        (PACK_POLL, "老陈醋新包装，你更想要哪种", PACKS, -30, -10),
    ):
        ugc.create_poll(
            session,
            ugc.PollSpec(
                code=code,
                title=title,
                options=[(key, label) for key, label, _ in options],
                opens_at=now + timedelta(days=opens),
                closes_at=now + timedelta(days=closes),
            ),
            at=now + timedelta(days=opens),
            by=MODERATOR,
        )
        voter = 0
        for key, _, votes in options:
            for _ in range(votes):
                ugc.vote(
                    session,
                    code,
                    customer_id=people[LIKERS.start + voter % 60],
                    option=key,
                    at=now + timedelta(days=opens, hours=2 + voter),
                    source=SOURCE,
                )
                voter += 1


def _invitations(session: Session, now: datetime, people: list[int]) -> None:
    """The host's invitees arrive through her links and four of them order; the sharer's come
    and look, and (being people who never buy) do not."""
    oneids = profiles.oneids_of(session, [people[HOST], people[SHARER]])
    lookers = [
        p
        for p in people[110:NEEDED]
        if not commerce.list_orders(
            session, customer_id=p, since=now - timedelta(days=60), limit=1
        ).rows
    ]
    arrivals = [
        (people[i], oneids[people[HOST]], now - timedelta(days=20 - 3 * n))
        for n, i in enumerate(HOST_INVITEES)
    ] + [
        (person, oneids[people[SHARER]], now - timedelta(days=15 - 2 * n))
        for n, person in enumerate(lookers[:5])
    ]
    append(
        session,
        [
            NewEvent(
                name=spec.PRODUCT_VIEWED,
                timestamp=at,
                source=SOURCE,
                type="track",
                message_id=f"demo-ugc-invite:{n}",
                customer_id=person,
                properties={"sku": "RICE-JING-5KG", "name": "五常稻花香粳米 5kg"},
                context={
                    "channel": "mini_program",
                    "referrer": {"type": "oneid", "id": sharer, "link": "share/product"},
                },
            )
            for n, (person, sharer, at) in enumerate(arrivals, start=1)
        ],
        received_at=now,
    )
    for n, i in enumerate(HOST_INVITEES[:CONVERTED], start=1):
        commerce.record_order(
            session,
            order_no=f"DEMO-UGC-INV{n}",
            customer_id=people[i],
            lines=[commerce.OrderLine("RICE-JING-5KG", 1, Decimal("79.90"))],
            placed_at=now - timedelta(days=20 - 3 * (n - 1), hours=-5),
            channel="mini_program",
            source=SOURCE,
            attributes={"referrer": oneids[people[HOST]]},
        )
