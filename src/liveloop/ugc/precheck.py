"""The automatic pre-check a recipe or review meets on submission: offline, no model, no
network. It flags — it never decides: a flagged item waits in the moderation queue like any
other, shown first and with what was found, and a person approves or rejects it.

What it looks for, on the text made plain first (NFKC: full-width digits and letters become
ASCII; spaces, dashes and dots between digits dropped, so ``138 0013 8000`` and the full-width
``１３８-００１３-８０００`` are one number):
- banned words: the advertising law's absolutes and medical claims (最好, 第一, 根治, 降血糖 …),
  traffic-diverting and spam phrases (加微信, 私聊, 代购, 返现 …), a short list of obscenities;
- phone numbers: mainland mobiles (1[3-9] and 9 more digits, +86 or not) and landlines with
  an area code (010-12345678);
- links: http(s)://, www., a bare domain with a common suffix (.com .cn .net …), and WeChat or
  QQ ids announced as such (微信号/vx/wx/威信/QQ followed by an id).
"""

from __future__ import annotations

import re
import unicodedata

from liveloop.errors import redact
from liveloop.ugc.contracts import Flag, PreCheck

BANNED_WORDS = (
    # 《广告法》 absolutes
    "最好",
    "最佳",
    "第一",
    "顶级",
    "国家级",
    "全网最低",
    "史上最",
    "万能",
    # medical claims a food may not make
    "根治",
    "治愈",
    "包治",
    "降血糖",
    "降血压",
    "抗癌",
    "药到病除",
    "神药",
    # traffic diversion and spam
    "加微信",
    "加我微信",
    "加v",
    "私聊",
    "私信我",
    "代购",
    "微商",
    "返现",
    "刷单",
    "兼职",
    "低价出",
    # obscenities
    "傻逼",
    "操你",
    "他妈的",
)
# Words that contain a banned word but are harmless in a kitchen ("最好吃" is an opinion a
# review may hold; "第一次" is a first time, not a ranking).
ALLOWED = ("最好吃", "最好喝", "第一次", "第一口", "第一步", "第一遍", "最佳赏味")

_BETWEEN_DIGITS = re.compile(r"(?<=\d)[\s\-.·_]+(?=\d)")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86)?(1[3-9]\d{9})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})-?(\d{7,8})(?!\d)")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_DOMAIN = re.compile(r"\b[a-z0-9][a-z0-9-]{1,62}\.(?:com|cn|net|org|top|vip|shop|cc|xyz)\b", re.I)
_CHAT_ID = re.compile(r"(?:微信号?|威信|vx|wx|v信|qq|扣扣)\s*[:：]?\s*[a-z0-9_-]{5,20}", re.I)


def plain(text: str) -> str:
    """The text as the checks read it: NFKC, lower case, separators between digits dropped."""
    return _BETWEEN_DIGITS.sub("", unicodedata.normalize("NFKC", text).lower())


def precheck(*texts: str | None) -> PreCheck:
    """What the pre-check finds in ``texts`` (a title and a body, say)."""
    text = plain("\n".join(t for t in texts if t))
    flags: list[Flag] = []
    hits: list[str] = []
    screened = text
    for harmless in ALLOWED:
        screened = screened.replace(harmless, "　")
    words = [w for w in BANNED_WORDS if w in screened]
    if words:
        flags.append(Flag.BANNED_WORD)
        hits += words
    phones = [m.group(1) for m in _MOBILE.finditer(text)]
    phones += [f"{m.group(1)}-{m.group(2)}" for m in _LANDLINE.finditer(text)]
    if phones:
        flags.append(Flag.PHONE)
        hits += [_masked(p) for p in phones]
    links = [m.group(0) for m in (*_URL.finditer(text), *_CHAT_ID.finditer(text))]
    links += [m.group(0) for m in _DOMAIN.finditer(_URL.sub(" ", text))]
    if links:
        flags.append(Flag.LINK)
        hits += links
    return PreCheck(tuple(flags), tuple(dict.fromkeys(hits)))


def _masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def mask_phones(text: str) -> str:
    """``text`` with any phone number in it masked (for a role that may not see phones)."""
    return _LANDLINE.sub(lambda m: _masked(m.group(1) + m.group(2)), redact(text))
