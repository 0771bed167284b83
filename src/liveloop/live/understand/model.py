"""The classifier trained from the shipped set's ``train`` split, once per process on first
use (about a second) and then kept: no artefact to fall out of step with the data, nothing
downloaded (decision 0019). ``trained()`` is what ``understand`` reads."""

from __future__ import annotations

import threading

from liveloop.live.contracts import Aspect, Intent, Sentiment
from liveloop.live.understand import dataset
from liveloop.live.understand.classifier import Classifier
from liveloop.live.understand.features import features
from liveloop.live.understand.normalise import normalise

HEADS = {
    "intent": tuple(c.value for c in Intent),
    "aspect": tuple(c.value for c in Aspect),
    "sentiment": tuple(c.value for c in Sentiment),
}

_lock = threading.Lock()
_trained: Classifier | None = None


def train(rows: list[dataset.Labelled]) -> Classifier:
    """A classifier fitted on ``rows`` (deterministic: same rows, same weights)."""
    return Classifier.fit(
        [features(normalise(row.text)) for row in rows],
        {
            "intent": [row.intent.value for row in rows],
            "aspect": [row.aspect.value for row in rows],
            "sentiment": [row.sentiment.value for row in rows],
        },
        HEADS,
    )


def trained() -> Classifier:
    """The process's classifier, fitted on the train split the first time it is asked for
    (threads asking at once wait for one fit)."""
    global _trained
    if _trained is None:
        with _lock:
            if _trained is None:
                _trained = train(dataset.split("train"))
    return _trained
