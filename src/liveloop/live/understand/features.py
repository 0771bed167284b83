"""What the classifier sees of a normalised comment: its jieba words, its character bigrams
(new words, typos and slang jieba does not know: 好七, 已派), the emoji names in brackets as
single tokens ([好吃], [呲牙]) and the votes of the cue automaton. A comment is a set of these
strings; the same text always gives the same set."""

from __future__ import annotations

import itertools
import re

from liveloop.live.understand.automaton import votes
from liveloop.live.understand.tokens import words

_BRACKETED = re.compile(r"\[[^\[\]]{1,16}\]")
_PUNCTUATION = set(" ,.!~…、。，！~·-_")
_A_NOT_A = re.compile(r"(.)[不没]\1")  # 甜不甜, 有没有, 香不香: a question
_ASKING_END = re.compile(r"(吗|嘛|么|呢|没|不|否|\?)[\s\W]*$")


def features(plain: str) -> set[str]:
    """The feature strings of the normalised comment ``plain``."""
    lowered = plain.lower()
    found: set[str] = {"v:" + vote for vote in votes(lowered)}
    for bracket in _BRACKETED.findall(lowered):
        found.add("e:" + bracket)
    bare = _BRACKETED.sub(" ", lowered)
    found.update("w:" + w for w in words(bare) if w not in _PUNCTUATION)
    chars = [c for c in bare if c not in _PUNCTUATION]
    found.update("b:" + a + b for a, b in itertools.pairwise(chars))
    found.update("u:" + c for c in chars)
    if _A_NOT_A.search(bare):
        found.add("q:a-not-a")
    if _ASKING_END.search(bare):
        found.add("q:asking-end")
    if chars:
        found.add("b:^" + chars[0])
        found.add("b:" + chars[-1] + "$")
    if not found:
        found.add("empty")
    return found
