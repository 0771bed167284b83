"""Understanding live comments in Chinese, offline: each comment is normalised (``normalise``),
cut into words by jieba with our food and live-room dictionary (``tokens``), searched for strong
cue phrases by an Aho–Corasick automaton (``automaton``), and read by a linear classifier with
three heads — intent, aspect, sentiment — trained in process from the labelled set the repo
ships (``dataset``, ``classifier``, ``model``; decision 0019). No model is downloaded.

A batch is read with one sparse matrix product, so the stream processor hands over all the
comments of a tick at once."""

from __future__ import annotations

from collections.abc import Sequence

from liveloop.live.contracts import Aspect, Intent, Reading, Sentiment
from liveloop.live.understand.features import features
from liveloop.live.understand.model import trained
from liveloop.live.understand.normalise import normalise


def understand(texts: Sequence[str]) -> list[Reading]:
    """Each comment's reading, in order; ``Reading.text`` is the normalised comment. The same
    text always reads the same; an empty comment reads as chitchat, and the sentiment of a
    question, praise or complaint is the one the labelling guide gives it."""
    if not texts:
        return []
    plain = [normalise(text) for text in texts]
    distinct = list(dict.fromkeys(plain))  # a show repeats itself (扣1, 已拍, 666): read once
    labels = trained().predict([features(text) for text in distinct])
    read = {
        text: _reading(text, Intent(intent), Aspect(aspect), Sentiment(sentiment))
        for text, intent, aspect, sentiment in zip(
            distinct, labels["intent"], labels["aspect"], labels["sentiment"], strict=True
        )
    }
    return [read[text] for text in plain]


# The labelling guide's tone of three intents (data/README.md): a question is neutral, praise
# positive, a complaint negative, whatever the sentiment head says on its own.
_TONE = {
    Intent.QUESTION: Sentiment.NEUTRAL,
    Intent.PRAISE: Sentiment.POSITIVE,
    Intent.COMPLAINT: Sentiment.NEGATIVE,
}


def _reading(text: str, intent: Intent, aspect: Aspect, sentiment: Sentiment) -> Reading:
    if not text:
        return Reading(text, Intent.CHITCHAT, Aspect.NONE, Sentiment.NEUTRAL)
    return Reading(text, intent, aspect, _TONE.get(intent, sentiment))


def warm_understanding() -> None:
    """Train the classifier and load the dictionary now (a process about to read a live show
    calls this at start, so its first comment is not the one that waits)."""
    trained()
