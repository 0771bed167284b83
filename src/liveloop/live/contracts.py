"""What live publishes to other packages: how a live comment is read (its intent, aspect and
sentiment — the labels of the shipped comment set and of the classifier)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    QUESTION = "question"
    PURCHASE = "purchase"
    PRAISE = "praise"
    COMPLAINT = "complaint"
    CHITCHAT = "chitchat"


class Aspect(StrEnum):
    PRICE = "price"
    TASTE = "taste"
    HEALTH = "health"
    LOGISTICS = "logistics"
    FRESHNESS = "freshness"
    PACKAGING = "packaging"
    USAGE = "usage"
    STOCK = "stock"
    ORIGIN = "origin"
    NONE = "none"


class Sentiment(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


@dataclass(frozen=True, slots=True)
class Reading:
    """One comment understood: ``text`` is its normalised form."""

    text: str
    intent: Intent
    aspect: Aspect
    sentiment: Sentiment
