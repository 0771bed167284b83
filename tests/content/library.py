"""A small library of the brand's content, shared by the content tests."""

from __future__ import annotations

from liveloop.content import service
from liveloop.content.contracts import ClipSource, ContentKind, ContentView
from liveloop.store.engine import transaction

LIBRARY = [
    service.NewContent(
        ContentKind.CLIP,
        "低GI杂粮饭：控糖人群的主食怎么选",
        "七色杂粮膳食纤维高、升糖慢，糖尿病人把一半白米换成杂粮，餐后血糖更平稳。",
        tags=["营养科普", "sku:GRAIN-MIX-1KG", "aspect:health"],
        clip=ClipSource(live_session_id=7, start_s=610.0, end_s=655.5),
    ),
    service.NewContent(
        ContentKind.CLIP,
        "走进五常稻田：稻花香的产地探访",
        "主播在五常基地看插秧，原产地直发，一年一季的稻花香粳米。",
        tags=["产地探访", "sku:RICE-JING-5KG", "aspect:origin"],
        clip=ClipSource(live_session_id=7, start_s=120.0, end_s=170.0),
    ),
    service.NewContent(
        ContentKind.RECIPE,
        "草饲牛腩炖土豆",
        "牛腩冷水下锅焯水，加土豆小火炖一个半小时，酱油和蚝油调味。",
        tags=["烹饪演示", "sku:BEEF-BRISKET", "aspect:usage"],
    ),
    service.NewContent(
        ContentKind.SCRIPT,
        "杂粮的价格话术",
        "今天直播间七色杂粮第二件半价，算下来一斤不到十块，比超市便宜。",
        tags=["sku:GRAIN-MIX-1KG", "aspect:price"],
    ),
    service.NewContent(
        ContentKind.CLIP,
        "宝妈回购：我家孩子爱喝的鲜牛奶",
        "用户连线：我家孩子每天一瓶，已经回购半年了，好评。",
        tags=["用户证言", "sku:MILK-WEEK-7", "aspect:taste"],
        clip=ClipSource(live_session_id=8, start_s=300.0, end_s=340.0),
    ),
]


def fill(runtime, items=LIBRARY) -> list[ContentView]:
    with transaction(runtime.sessions) as session:
        return [
            service.add_content(session, item, by="yunying", now=runtime.clock.now())
            for item in items
        ]


def titles(hits) -> list[str]:
    return [hit.item.title for hit in hits]
