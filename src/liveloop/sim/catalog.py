"""The simulated brand's catalog (禾谷鲜生: organic grains, dairy, fresh food) and its planted
buying patterns: per-SKU repurchase cycles, seasonal factors, festival items and basket rules.

Roles a SKU can play in the simulation (each keeps the planted truths measurable):
- ``cycle_days`` set: a *staple*; people who hold it re-buy it on that cycle (personal rate ×
  noise × season), and only on it, so their intervals stay clean. Others may try it once in a
  live.
- ``addon_of`` set: only ever bought together with its antecedent(s), with the planted
  confidence; never alone. So confidence(antecedents → add-on) is exactly the plant.
- otherwise an *impulse* item: bought now and then, in lives, in group buys, at festivals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from liveloop.sim.geo import POOL_PROVINCES


@dataclass(frozen=True)
class Sku:
    sku: str
    name: str
    category: str
    price: Decimal
    shelf_life_days: int
    cold_chain: bool = False
    pool: str = ""  # "south" | "north" | "" (nationwide)
    cycle_days: int | None = None
    # Which kind of household holds it as a staple: "all", "infant", "health", "baker", "coffee",
    # "fitness", "cook".
    audience: str = "all"
    festival: str | None = None
    weight: float = 1.0  # how often it is chosen among its peers

    @property
    def regions(self) -> tuple[str, ...]:
        return POOL_PROVINCES[self.pool] if self.pool else ()


def _s(sku: str, name: str, cat: str, price: str, shelf: int, **kw: Any) -> Sku:
    return Sku(sku, name, cat, Decimal(price), shelf, **kw)


CATALOG: tuple[Sku, ...] = (
    # 大米杂粮 — 南方推籼米, 北方推粳米
    _s("RICE-XIAN-5KG", "有机丝苗籼米 5kg", "大米杂粮", "69.90", 365, pool="south", cycle_days=30),
    _s("RICE-XIAN-10KG", "马坝油粘籼米 10kg", "大米杂粮", "119.00", 365, pool="south", weight=0.5),
    _s(
        "RICE-JING-5KG", "五常稻花香粳米 5kg", "大米杂粮", "89.90", 365, pool="north", cycle_days=30
    ),
    _s(
        "RICE-JING-10KG", "东北长粒香粳米 10kg", "大米杂粮", "139.00", 365, pool="north", weight=0.5
    ),
    _s(
        "GRAIN-MIX-1KG",
        "有机七色杂粮 1kg",
        "大米杂粮",
        "39.90",
        270,
        cycle_days=45,
        audience="health",
    ),
    _s("OAT-1KG", "有机燕麦片 1kg", "大米杂粮", "45.80", 300, cycle_days=21, audience="health"),
    _s("MILLET-1KG", "黄小米 1kg", "大米杂粮", "29.90", 300),
    _s("BUCKWHEAT-NOODLE", "低GI荞麦面 1kg", "大米杂粮", "36.00", 365, audience="health"),
    # 乳品 — 每周一箱奶
    _s("MILK-WEEK-7", "鲜牛奶周卡 7瓶", "乳品", "49.90", 7, cold_chain=True, cycle_days=7),
    _s("YOGURT-12", "无蔗糖酸奶 12杯", "乳品", "59.90", 21, cold_chain=True, cycle_days=14),
    _s(
        "MILK-POWDER-900",
        "有机婴幼儿奶粉 900g",
        "乳品",
        "328.00",
        540,
        cycle_days=20,
        audience="infant",
    ),
    _s("PLANT-MILK-1L", "燕麦植物奶 1L×6", "乳品", "69.00", 180, cycle_days=15, weight=0.6),
    _s("CHEESE-STICK", "儿童奶酪棒 20支", "乳品", "58.00", 90, cold_chain=True, audience="infant"),
    # 生鲜蛋品 — 坏果包赔
    _s("EGG-30", "散养土鸡蛋 30枚", "生鲜蛋品", "45.80", 30, cold_chain=True, cycle_days=15),
    _s(
        "VEG-BOX",
        "有机绿叶菜箱 3kg",
        "生鲜蛋品",
        "68.00",
        5,
        cold_chain=True,
        cycle_days=7,
        weight=0.8,
    ),
    _s("FRUIT-BOX", "当季水果箱 5kg", "生鲜蛋品", "98.00", 7, cold_chain=True),
    _s(
        "CHICKEN-BREAST",
        "即食鸡胸肉 10袋",
        "生鲜蛋品",
        "79.00",
        90,
        cold_chain=True,
        cycle_days=14,
        audience="fitness",
    ),
    _s(
        "BEEF-BRISKET",
        "草饲牛腩 1kg",
        "生鲜蛋品",
        "138.00",
        180,
        cold_chain=True,
        cycle_days=21,
        audience="cook",
    ),
    _s("PORK-BELLY", "黑猪五花肉 1kg", "生鲜蛋品", "88.00", 180, cold_chain=True),
    # 调味品 — 买酱油的用户55%会买蚝油
    _s("SOY-500", "零添加酿造酱油 500ml", "调味品", "19.90", 540, cycle_days=45, audience="cook"),
    _s("OYSTER-500", "鲜蚝油 500g", "调味品", "16.80", 540),
    _s("VINEGAR-500", "山西老陈醋 500ml", "调味品", "15.90", 720, cycle_days=60, audience="cook"),
    _s("VINEGAR-CUSTOM", "晋源定制醋礼盒", "调味品", "128.00", 720, weight=0.3),
    _s("COOKING-WINE", "古法黄酒料酒 500ml", "调味品", "12.90", 720),
    _s("SALT-LOW", "低钠湖盐 400g", "调味品", "9.90", 1080, audience="health"),
    # 食用油
    _s("OIL-PEANUT-5L", "古法压榨花生油 5L", "食用油", "129.00", 540, cycle_days=60),
    _s(
        "OIL-OLIVE-750",
        "冷榨特级初榨橄榄油 750ml",
        "食用油",
        "118.00",
        720,
        cycle_days=45,
        audience="health",
    ),
    _s("OIL-CAMELLIA-1L", "有机山茶油 1L", "食用油", "168.00", 540, weight=0.5),
    # 预制菜 — 轻盐版
    _s("MEAL-BRAISED-PORK", "红烧肉预制菜 400g", "预制菜", "39.90", 180, cold_chain=True),
    _s("MEAL-FISH", "酸菜鱼预制菜 600g", "预制菜", "45.90", 180, cold_chain=True),
    _s("MEAL-LIGHT-SALT", "轻盐版梅菜扣肉 350g", "预制菜", "42.90", 180, cold_chain=True),
    _s(
        "MEAL-CRAYFISH",
        "十三香小龙虾 1kg",
        "预制菜",
        "89.00",
        180,
        cold_chain=True,
        festival="summer",
    ),
    _s("MEAL-BEEF-STEW", "番茄炖牛腩 500g", "预制菜", "59.90", 180, cold_chain=True),
    # 婴童辅食 — 宝宝辅食快吃完提前3天提醒
    _s(
        "BABY-PUREE",
        "无添加婴儿苹果果泥 6袋",
        "婴童辅食",
        "48.00",
        365,
        cycle_days=10,
        audience="infant",
    ),
    _s(
        "BABY-RICE-CEREAL",
        "有机婴儿高铁米粉 400g",
        "婴童辅食",
        "68.00",
        540,
        cycle_days=25,
        audience="infant",
    ),
    _s("BABY-NOODLE", "婴儿蔬菜碎碎面 300g", "婴童辅食", "35.00", 365, audience="infant"),
    # 休闲零食
    _s("NUTS-DAILY-30", "每日坚果 30袋", "休闲零食", "99.00", 240, cycle_days=30, weight=0.8),
    _s("CHIPS-DEVIL", "魔鬼椒薯片 120g", "休闲零食", "12.90", 180, weight=1.5),
    _s("PROTEIN-BAR", "高蛋白棒 12支", "休闲零食", "69.00", 270, cycle_days=21, audience="fitness"),
    _s("CRACKER-GRAIN", "粗粮苏打饼干 400g", "休闲零食", "22.90", 180, weight=1.2),
    _s("RETRO-SNACK", "怀旧零食大礼包", "休闲零食", "59.00", 180),
    _s("SESAME-BALL", "九蒸九晒黑芝麻丸", "休闲零食", "49.00", 365, audience="health"),
    # 咖啡 — 咖啡豆 → 滤纸
    _s(
        "COFFEE-BEAN-500",
        "云南小粒咖啡豆 500g",
        "咖啡饮品",
        "88.00",
        365,
        cycle_days=21,
        audience="coffee",
    ),
    _s("COFFEE-FILTER", "咖啡滤纸 100片", "咖啡饮品", "15.00", 1080),
    _s("COFFEE-SERVER", "玻璃分享壶 600ml", "咖啡饮品", "79.00", 3650, weight=0.2),
    # 烘焙原料 — 面粉, 黄油 → 酵母
    _s(
        "FLOUR-BREAD-2KG",
        "高筋面包粉 2kg",
        "烘焙原料",
        "32.00",
        365,
        cycle_days=30,
        audience="baker",
    ),
    _s("BUTTER-500", "动物黄油 500g", "烘焙原料", "58.00", 270, cold_chain=True),
    _s("YEAST-100", "耐高糖酵母 100g", "烘焙原料", "9.90", 540),
    _s("BAKING-MOLD", "不粘吐司模具", "烘焙原料", "39.00", 3650, weight=0.3),
    # 节令 — 节气/节日
    _s(
        "ZONGZI-GIFT", "鲜肉蛋黄粽礼盒", "节令食品", "88.00", 30, cold_chain=True, festival="duanwu"
    ),
    _s("MOONCAKE-GIFT", "低糖月饼礼盒", "节令食品", "168.00", 45, festival="zhongqiu"),
    _s(
        "TANGYUAN",
        "黑芝麻汤圆 500g",
        "节令食品",
        "19.90",
        180,
        cold_chain=True,
        festival="yuanxiao",
    ),
    _s("SAUSAGE-CANTON", "广式腊肠 500g", "节令食品", "68.00", 180, festival="winter"),
    _s("QINGTUAN", "艾草青团 6只", "节令食品", "29.90", 15, cold_chain=True, festival="qingming"),
    _s("NIANHUO-BOX", "年货坚果礼盒", "节令食品", "198.00", 240, festival="spring"),
    # 健康
    _s("HONEY-500", "百花土蜂蜜 500g", "滋补健康", "78.00", 720),
    _s("GOJI-250", "宁夏枸杞 250g", "滋补健康", "39.00", 540, audience="health"),
    _s("RED-DATE-500", "新疆和田大枣 500g", "滋补健康", "45.00", 365),
    _s("TEA-BARLEY", "大麦茶 300g", "滋补健康", "25.00", 540),
)

BY_SKU: dict[str, Sku] = {s.sku: s for s in CATALOG}


@dataclass(frozen=True)
class BasketRule:
    antecedents: tuple[str, ...]
    consequent: str
    confidence: float


# Consequents are add-on-only SKUs, so measured confidence equals the plant (see module doc).
BASKET_RULES: tuple[BasketRule, ...] = (
    BasketRule(("SOY-500",), "OYSTER-500", 0.55),
    BasketRule(("COFFEE-BEAN-500",), "COFFEE-FILTER", 0.60),
    BasketRule(("FLOUR-BREAD-2KG",), "BUTTER-500", 0.70),
    BasketRule(("BUTTER-500", "FLOUR-BREAD-2KG"), "YEAST-100", 0.50),
)
ADDONS = frozenset(rule.consequent for rule in BASKET_RULES)

STAPLES: tuple[Sku, ...] = tuple(s for s in CATALOG if s.cycle_days)
IMPULSE: tuple[Sku, ...] = tuple(
    s for s in CATALOG if not s.cycle_days and s.sku not in ADDONS and not s.festival
)
FESTIVE: tuple[Sku, ...] = tuple(s for s in CATALOG if s.festival)

# Festival buying windows (month, first day, last day) in local time.
FESTIVAL_WINDOWS: dict[str, tuple[tuple[int, int, int], ...]] = {
    "spring": ((1, 5, 31),),
    "yuanxiao": ((2, 1, 20),),
    "qingming": ((3, 25, 31), (4, 1, 6)),
    "duanwu": ((5, 20, 31), (6, 1, 20)),
    "summer": ((6, 15, 30), (7, 1, 31), (8, 1, 20)),
    "zhongqiu": ((9, 1, 30),),
    "winter": ((11, 20, 30), (12, 1, 31)),
}

SEASONAL_CATEGORIES = frozenset({"乳品", "生鲜蛋品"})


def season_factor(category: str, month: int) -> float:
    """Multiplier on a staple's interval: fresh food and dairy go faster in summer (0.9 in July)
    and slower in winter (1.1 in January); other categories are flat. Averages 1 over a year."""
    if category not in SEASONAL_CATEGORIES:
        return 1.0
    return 1.0 - 0.1 * math.cos(2 * math.pi * (month - 7) / 12)
