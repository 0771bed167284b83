"""Live-room comments in natural Chinese, each with its planted label (intent, aspect, sentiment).

The label is the truth a comment-understanding model must recover; templates are varied enough
(slots for product, city, emoji, counts) that matching whole strings cannot pass for it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    intent: str
    aspect: str
    sentiment: str  # "positive" | "neutral" | "negative"


@dataclass(frozen=True)
class Comment:
    text: str
    label: Label


EMOJI = ("😋", "👍", "❤️", "🔥", "😂", "👏", "🙏", "😭", "🤔", "[呲牙]", "[玫瑰]", "[强]", "")
NEG_EMOJI = ("😡", "😭", "😤", "[撇嘴]", "[难过]", "", "")

# intent -> (aspect, sentiment, templates)
TEMPLATES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "ask_price": (
        "price",
        "neutral",
        (
            "{product}多少钱?",
            "今天{product}什么价",
            "{product}有优惠吗{emoji}",
            "这个价格还能再便宜点吗",
            "有满减券吗?",
            "买两件有折扣吗",
            "直播间价格比小程序便宜吗",
            "新人券怎么领",
        ),
    ),
    "ask_suitability": (
        "suitability",
        "neutral",
        (
            "{product}适合炖吗",
            "这款牛腩适合红烧还是炖汤?",
            "宝宝几个月可以吃{product}",
            "老人牙口不好能吃吗",
            "{product}适合做早餐吗",
            "小孩子能吃吗{emoji}",
        ),
    ),
    "ask_logistics": (
        "logistics",
        "neutral",
        (
            "什么时候发货?",
            "包邮吗",
            "能送到{city}吗",
            "是冷链配送吗",
            "几天能到{city}",
            "可以送到我爸妈家吗",
            "能自提吗,哪个团长点",
        ),
    ),
    "ask_freshness": (
        "freshness",
        "neutral",
        (
            "保质期多久?",
            "是今年的新米吗",
            "{product}生产日期是什么时候",
            "收到是新鲜的吗",
            "开封后能放多久",
        ),
    ),
    "praise_taste": (
        "taste",
        "positive",
        (
            "上次买的{product}太好吃了{emoji}",
            "孩子特别爱吃{emoji}",
            "回购第{n}次了{emoji}",
            "{product}真的香,家里人都说好",
            "米饭特别香,煮粥也好喝",
            "酱油很鲜,炒菜不用放味精了",
        ),
    ),
    "complaint": (
        "quality",
        "negative",
        (
            "上次收到的鸡蛋碎了{n}个{neg}",
            "预制菜口味偏淡{neg}",
            "物流太慢了,等了{n}天{neg}",
            "坏果说好包赔,还没处理{neg}",
            "{product}比上次贵了{neg}",
            "包装漏了,客服也不回{neg}",
        ),
    ),
    "purchase_intent": (
        "purchase",
        "positive",
        (
            "已拍{emoji}",
            "拍了{n}件",
            "上链接!",
            "怎么下单?",
            "{product}给我留一份",
            "已下单,等收货",
        ),
    ),
    "chitchat": (
        "none",
        "neutral",
        (
            "主播好{emoji}",
            "来了来了",
            "晚上好呀",
            "666",
            "{face}{face}",
            "打卡",
            "{city}的家人报到",
            "主播今天好漂亮",
        ),
    ),
}

# Questions about one's own condition: asked by people with that health need (and now and then by
# someone asking for a parent). Labelled ask_suitability / health.
HEALTH_QUESTIONS: dict[str, tuple[str, ...]] = {
    "糖尿病": ("适合糖尿病人吃吗?", "{product}糖尿病人能吃吗", "血糖高能吃{product}吗{emoji}"),
    "高血压": ("高血压能吃{product}吗", "血压高的人适合吃吗", "{product}含钠高吗,高血压能吃吗"),
    "减脂": ("减脂期可以吃吗", "{product}热量高吗,减脂能吃吗", "健身减脂的人适合吗{emoji}"),
}
SHARE_ASKING_FOR_FAMILY = 0.08

# Complaint templates name different aspects; the label follows the text.
COMPLAINT_ASPECTS = {
    "鸡蛋碎": "packaging",
    "口味偏淡": "taste",
    "物流太慢": "logistics",
    "坏果": "after_sales",
    "比上次贵": "price",
    "包装漏": "packaging",
}
PRAISE_ASPECTS = {"回购第": "repurchase"}

BASE_MIX = {
    "chitchat": 0.30,
    "ask_price": 0.16,
    "ask_suitability": 0.10,
    "ask_logistics": 0.10,
    "ask_freshness": 0.06,
    "praise_taste": 0.10,
    "complaint": 0.05,
    "purchase_intent": 0.13,
}


def intent_mix(*, health_need: bool, price_sensitive: bool) -> dict[str, float]:
    """Viewers with a health need ask about suitability more; price-sensitive ones about
    price."""
    mix = dict(BASE_MIX)
    if health_need:
        mix["ask_suitability"] += 0.25
    if price_sensitive:
        mix["ask_price"] += 0.20
    return mix


def make_comment(
    rng: random.Random,
    mix: dict[str, float],
    product: str,
    city: str,
    health_need: str | None = None,
) -> Comment:
    intent = rng.choices(list(mix), list(mix.values()))[0]
    aspect, sentiment, templates = TEMPLATES[intent]
    template = rng.choice(templates)
    if intent == "ask_suitability":
        if health_need and rng.random() < 0.75:
            aspect, template = "health", rng.choice(HEALTH_QUESTIONS[health_need])
        elif not health_need and rng.random() < SHARE_ASKING_FOR_FAMILY:
            aspect = "health"
            template = rng.choice(HEALTH_QUESTIONS[rng.choice(list(HEALTH_QUESTIONS))])
    text = template.format(
        product=product,
        city=city.removesuffix("市"),
        emoji=rng.choice(EMOJI),
        face=rng.choice(EMOJI[:-1]),
        neg=rng.choice(NEG_EMOJI),
        n=rng.randint(2, 5),
    )
    if intent == "complaint":
        aspect = next(a for key, a in COMPLAINT_ASPECTS.items() if key in template)
    elif intent == "praise_taste":
        aspect = next((a for key, a in PRAISE_ASPECTS.items() if key in template), aspect)
    return Comment(text, Label(intent, aspect, sentiment))
