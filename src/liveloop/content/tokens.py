"""Chinese text as search terms: folded (NFKC, traditional → simplified, lower case), cut by
jieba in search mode (糖尿病人 also gives 糖尿病 and 病人, so a short query finds a long word),
with punctuation and a few particles dropped.

The index stores these terms joined by spaces in a whitespace-tokenised field, and a query is
cut the same way and looked up term by term — a user's text never reaches tantivy's query
parser, so ``AND (`` or a stray ``"`` is only text. The jieba tokenizer is this module's own
(not jieba's global one, which live's comment understanding tunes with its own words).
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from functools import cache

import jieba
import opencc

MAX_QUERY_CHARS = 200  # a search box's worth; the API refuses longer queries
MAX_QUERY_TERMS = 32

# Words of the trade jieba's dictionary cuts apart (升糖 would go to 升 + 糖).
WORDS = (
    "低gi",
    "升糖",
    "控糖",
    "杂粮饭",
    "杂粮",
    "粗粮",
    "产地",
    "基地",
    "原产",
    "回购",
    "好评",
    "丝苗米",
    "稻花香",
    "籼米",
    "粳米",
    "荞麦面",
    "燕麦片",
    "鸡胸肉",
    "牛腩",
    "五花肉",
    "蚝油",
    "酱油",
    "零添加",
    "福袋",
    "话术",
)
# Particles and pronouns that match everything and mean little in a search.
_PARTICLES = "的了吗呢吧啊呀哦是在有和与及也都就还又很我你他她它这那个些"
STOPWORDS = frozenset([*_PARTICLES, "我们", "你们"])
# A query word also looks for these (weighted lower than the word itself).
RELATED: dict[str, tuple[str, ...]] = {
    "糖尿病": ("控糖", "低gi", "升糖"),
    "糖尿病人": ("控糖", "低gi", "升糖"),
    "控糖": ("低gi", "升糖"),
    "血糖": ("控糖", "低gi", "升糖"),
    "宝宝": ("儿童", "孩子"),
    "孩子": ("儿童", "宝宝"),
    "怎么做": ("做法",),
    "做法": ("烹饪",),
}

_lock = threading.Lock()


@cache
def _simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@cache
def _jieba() -> jieba.Tokenizer:
    with _lock:
        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for word in WORDS:
            tokenizer.add_word(word, freq=200_000)
        return tokenizer


def fold(text: str) -> str:
    """``text`` in the one form both the index and a query are cut from."""
    return _simplified().convert(unicodedata.normalize("NFKC", text)).lower()


def _is_term(token: str) -> bool:
    return (
        any(unicodedata.category(ch)[0] in "LN" for ch in token)
        and token not in STOPWORDS
        and not any(ch.isspace() for ch in token)
    )


def terms(text: str) -> list[str]:
    """The search terms of ``text`` in order, repeats kept (they weigh in BM25)."""
    if not text:
        return []
    return [t for t in _jieba().lcut_for_search(fold(text)) if _is_term(t)]


def indexed(text: str) -> str:
    """``text`` as the index stores it: its terms joined by spaces."""
    return " ".join(terms(text))


def query_terms(query: str) -> tuple[list[str], list[str]]:
    """A query's own terms (unique, first ``MAX_QUERY_TERMS``) and the related words they
    bring in (``RELATED``), not repeating the terms."""
    own: list[str] = list(dict.fromkeys(terms(query[:MAX_QUERY_CHARS])))[:MAX_QUERY_TERMS]
    related = [r for t in own for r in RELATED.get(t, ()) if r not in own]
    return own, list(dict.fromkeys(related))
