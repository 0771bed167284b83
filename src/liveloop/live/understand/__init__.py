"""Understanding live comments in Chinese, offline: normalised, then read for intent, aspect
and sentiment (``understand``). This first cut reads by a few cue words; the classifier trained
on the shipped comment set replaces it (issue 12)."""

from __future__ import annotations

from collections.abc import Sequence

from liveloop.live.contracts import Aspect, Intent, Reading, Sentiment
from liveloop.live.understand.normalise import normalise


def understand(texts: Sequence[str]) -> list[Reading]:
    """Each comment's reading, in order."""
    return [_read(normalise(text)) for text in texts]


def _read(text: str) -> Reading:
    if any(cue in text for cue in ("吗", "?", "？", "怎么", "多少", "能不能", "什么")):
        intent, sentiment = Intent.QUESTION, Sentiment.NEUTRAL
    elif any(cue in text for cue in ("差", "退", "坏", "慢", "投诉")):
        intent, sentiment = Intent.COMPLAINT, Sentiment.NEGATIVE
    elif any(cue in text for cue in ("拍了", "下单", "买了", "要", "抢")):
        intent, sentiment = Intent.PURCHASE, Sentiment.POSITIVE
    elif any(cue in text for cue in ("好吃", "赞", "喜欢", "好")):
        intent, sentiment = Intent.PRAISE, Sentiment.POSITIVE
    else:
        intent, sentiment = Intent.CHITCHAT, Sentiment.NEUTRAL
    aspect = next((a for cue, a in _ASPECT_CUES if cue in text), Aspect.NONE)
    return Reading(text, intent, aspect, sentiment)


_ASPECT_CUES = (
    ("多少钱", Aspect.PRICE),
    ("价", Aspect.PRICE),
    ("味", Aspect.TASTE),
    ("糖", Aspect.HEALTH),
    ("发货", Aspect.LOGISTICS),
    ("新鲜", Aspect.FRESHNESS),
    ("包装", Aspect.PACKAGING),
    ("怎么", Aspect.USAGE),
    ("库存", Aspect.STOCK),
    ("产地", Aspect.ORIGIN),
)
