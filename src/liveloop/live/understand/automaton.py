"""Strong cue phrases of the live room, found all at once by an Aho–Corasick automaton
(pyahocorasick), each voting for a label: 求链接 → purchase, 糖尿病 → health, 化冻了 →
complaint and freshness. The votes are features of the classifier, not verdicts: it learns from
the labelled set how much each vote weighs beside the words around it (已拍 in 已拍 太好吃了 is
still a purchase; 好吃吗 is a question, not praise).

Cues are matched on the normalised text (simplified, emoji named in Chinese, lower-case)."""

from __future__ import annotations

from functools import cache
from typing import Any

import ahocorasick

# cue phrase → the votes it casts, as "head=label"
CUES: dict[str, tuple[str, ...]] = {}


def _cues(votes: str, phrases: str) -> None:
    """Each of the whitespace-separated ``phrases`` casts every vote of ``votes``."""
    for phrase in phrases.split():
        cast = CUES.get(phrase, ())
        CUES[phrase] = (*cast, *(vote for vote in votes.split() if vote not in cast))


# intent
_cues(
    "intent=purchase",
    """
    扣1 已拍 拍了 已下单 下单了 已付款 付款了 求链接 上链接 链接呢 几号链接 小黄车 上车 蹲链接
    给我留 我要 囤了 囤货 加购 已回购 已付 已派 已拍 凑单 凑够 支付成功 付好了 拍好了 下单咯
    回购了 怎么下单 怎么买 在哪拍 已上车 来一份 来两 已买 买了
    """,
)
_cues(
    "intent=question",
    """
    吗 ? 多少 怎么 几天 几号 能不能 可不可以 什么时候 哪里 哪 啥 咋 是不是 有没有 几点 几个 多久
    呢 [疑问] 嘛 谁 第几 请问 问一下 能吃 可以吃 适合
    """,
)
_cues(
    "intent=praise sentiment=positive",
    """
    好吃 好喝 真香 太香 绝绝子 yyds 点赞 好评 推荐 满意 划算 值了 太值 放心 [好吃] [拇指向上]
    [强] [火焰] [花痴] 新鲜 很快 好快 支持 不错 赞 良心 给力 好次 好七 棒 靠谱 超值 物超所值
    美丽 管用 没让我失望 好评 爱吃 太好了 [红心] [笑脸] 喜欢 下饭 入味 香浓 软糯 好甜 很甜 超甜
    新日期
    """,
)
_cues(
    "intent=complaint sentiment=negative",
    """
    差评 退款 退货 投诉 太慢 还没发 没收到 坏了 烂了 难吃 太贵 涨价 失望 被骗 垃圾 不回 没人理
    没人管 拍不了 抢不到 没抢到 碎了 破了 漏了 发错 漏发 少发 化冻了 胀袋 发霉 变质 臭
    [怒火中烧] [发怒] [傲慢] 无语 气死 坑 不新鲜 不好吃 太咸 太甜 卡了 不香 不理 踩雷 服了 醉了
    虚高 假的 假货 长毛 苦 太酸 硬邦邦 咬不动 嚼不动 缺货 太差 很差 不行 套路 智商税 上当 凭什么
    怎么还 还不发 还没到 [撇嘴]
    """,
)
_cues(
    "intent=chitchat",
    """
    报到 打卡 来了 晚上好 主播好 哈哈 666 hhh 笑死 主播辛苦 谢谢 福袋 抽我 中奖 加油 [玫瑰]
    [鼓掌] [笑哭了] [呲牙]
    """,
)
# aspect
_cues(
    "aspect=price",
    """
    多少钱 钱 价 优惠 券 满减 折扣 便宜 贵 划算 性价比 秒杀 半价 赠品 差价 积分 块
    """,
)
_cues(
    "aspect=taste",
    """
    好吃 味 口感 甜 咸 辣 香 软 硬 柴 腥 糯
    """,
)
_cues(
    "aspect=health",
    """
    糖尿病 血糖 控糖 糖友 升糖 低gi gi 减脂 减肥 热量 卡路里 孕 哺乳 宝宝 高血压 血压 血脂 尿酸
    痛风 添加 防腐剂 配料 蛋白质 过敏 三高 健康 营养 胖 上火 激素
    """,
)
_cues(
    "aspect=logistics",
    """
    发货 快递 物流 顺丰 包邮 运费 冷链 几天到 送到 自提 漏发 少发 发错 签收 驿站 地址 寄 送货
    """,
)
_cues(
    "aspect=freshness",
    """
    新鲜 保质期 生产日期 新米 陈米 坏了 烂 化冻 化了 胀袋 发霉 霉 变质 臭 虫 过期 临期 日期 哈喇
    蔫
    """,
)
_cues(
    "aspect=packaging",
    """
    包装 礼盒 碎了 破了 漏了 压扁 漏气 克 净含量 小包装 几袋 一箱 规格 分量 缺斤少两 盒子 袋子
    """,
)
_cues(
    "aspect=usage",
    """
    怎么吃 怎么煮 怎么做 做法 泡多久 煮多久 蒸 炖 煮 冲 解冻 加热 即食 搭配 比例 保存 冷藏 冷冻
    微波 空气炸锅 做饭 辅食
    """,
)
_cues(
    "aspect=stock",
    """
    有货 没货 还有吗 库存 补货 售罄 返场 抢 卖完 限购 还剩 上架 缺货 秒没 拍不了
    """,
)
_cues(
    "aspect=origin",
    """
    产地 哪里产 哪产 五常的 东北 进口 国产 有机 认证 溯源 基地 正宗 厂家 代工 散养 草饲 原产
    检测报告
    """,
)


@cache
def _automaton() -> Any:
    automaton = ahocorasick.Automaton()
    for phrase, votes in CUES.items():
        automaton.add_word(phrase, votes)
    automaton.make_automaton()
    return automaton


def votes(plain: str) -> list[str]:
    """Every vote cast by a cue found in ``plain`` (lower-cased), once per cue occurrence."""
    found: list[str] = []
    for _end, cast in _automaton().iter(plain.lower()):
        found.extend(cast)
    return found
