"""Words of a normalised live comment, by jieba with our own dictionary of food and live-room
words (已拍, 几号链接, 胀袋, 低GI, 黑芝麻丸 …), so a cue stays one token instead of being cut
into characters. The tokenizer is built once per process, quietly (jieba logs its dictionary
loading at DEBUG to stderr; that is turned down), and offline: jieba's dictionary ships inside
the package and its prefix cache is written to the temp directory, never fetched."""

from __future__ import annotations

import logging
import warnings
from functools import cache
from importlib import resources
from typing import Any

USER_DICTIONARY = "userdict.txt"


@cache
def _tokenizer() -> Any:
    with warnings.catch_warnings():
        # jieba imports pkg_resources when it can, which newer setuptools deprecate
        warnings.simplefilter("ignore")
        import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    dictionary = resources.files(__package__).joinpath("data", USER_DICTIONARY)
    with dictionary.open("rb") as words:
        tokenizer.load_userdict(words)
    return tokenizer


def words(plain: str) -> list[str]:
    """jieba's words of ``plain`` (precise mode, no HMM: new words come in as characters, which
    the character bigrams cover), lower-cased, spaces dropped."""
    return [w for w in _tokenizer().lcut(plain.lower(), HMM=False) if not w.isspace()]


def warm() -> None:
    """Load the dictionary now, so the first comment does not pay for it."""
    _tokenizer()
