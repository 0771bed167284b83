"""A live comment made plain before it is understood, so 這個米好吃嗎？？？ and 这个米好吃吗? read
alike: compatibility forms folded (full-width letters, digits and punctuation to their plain
forms), traditional characters to simplified (OpenCC's t2s), each emoji to its Chinese name in
brackets (😋 → [好吃], it carries meaning), runs of one character or emoji cut to two (好好好好吃
→ 好好吃, 哈哈哈哈 → 哈哈, ??? → ??, 👍👍👍 → [拇指向上][拇指向上]), and spaces collapsed. The
plain form is at most ``MAX_CHARS`` long, emoji names included (a flood of emoji grows when
named, so it is cut again after)."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import emoji
import opencc

_RUN = re.compile(r"(.)\1{2,}")
_EMOJI_RUN = re.compile(r"(\[[^\[\]]+\])\1{2,}")
_SPACES = re.compile(r"\s+")
MAX_CHARS = 2_000  # the webhook's limit on a comment


@cache
def _simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """The plain form of ``text`` (see the module docstring)."""
    plain = unicodedata.normalize("NFKC", text[:MAX_CHARS])
    plain = _simplified().convert(plain)
    plain = emoji.demojize(plain, language="zh", delimiters=("[", "]"))
    plain = _EMOJI_RUN.sub(r"\1\1", _RUN.sub(r"\1\1", plain))
    return _SPACES.sub(" ", plain).strip()[:MAX_CHARS]
