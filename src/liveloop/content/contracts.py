"""What the content library publishes: the kinds of content, its tag vocabulary, and the views
of an item and of a search hit.

Tags come from a fixed vocabulary so a journey can ask for them by name:

- a topic, in Chinese: 产地探访, 营养科普, 烹饪演示, 用户证言 (``Topic``);
- a product, as ``sku:<SKU>`` (``sku_tag("GRAIN-MIX-1KG")``);
- an aspect of a question, as ``aspect:<aspect>`` with live's ``Aspect`` values
  (``aspect_tag(Aspect.HEALTH)`` is ``aspect:health``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from liveloop.live.contracts import Aspect


class ContentKind(StrEnum):
    CLIP = "clip"  # a highlight cut from a show's recording
    RECIPE = "recipe"  # 食谱
    SCRIPT = "script"  # 话术: what a host or guide says about a product


class Topic(StrEnum):
    ORIGIN_VISIT = "产地探访"
    NUTRITION = "营养科普"
    COOKING = "烹饪演示"
    TESTIMONIAL = "用户证言"


SKU_PREFIX = "sku:"
ASPECT_PREFIX = "aspect:"
SKU = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,39}$")
# The aspects a piece of content can be about (``none`` is no aspect).
ASPECTS = frozenset(a.value for a in Aspect if a is not Aspect.NONE)
# Which topic answers a question about which aspect, for ``matching``.
TOPIC_OF_ASPECT: dict[Aspect, Topic] = {
    Aspect.HEALTH: Topic.NUTRITION,
    Aspect.ORIGIN: Topic.ORIGIN_VISIT,
    Aspect.FRESHNESS: Topic.ORIGIN_VISIT,
    Aspect.USAGE: Topic.COOKING,
    Aspect.TASTE: Topic.TESTIMONIAL,
}


def sku_tag(sku: str) -> str:
    return f"{SKU_PREFIX}{sku}"


def aspect_tag(aspect: Aspect | str) -> str:
    return f"{ASPECT_PREFIX}{Aspect(aspect).value}"


def is_known_tag(tag: str) -> bool:
    """Whether ``tag`` is in the vocabulary (a topic, ``sku:<SKU>`` or ``aspect:<aspect>``)."""
    if tag in Topic._value2member_map_:
        return True
    if tag.startswith(SKU_PREFIX):
        return SKU.match(tag.removeprefix(SKU_PREFIX)) is not None
    if tag.startswith(ASPECT_PREFIX):
        return tag.removeprefix(ASPECT_PREFIX) in ASPECTS
    return False


@dataclass(frozen=True, slots=True)
class ClipSource:
    """Where a clip was cut from: a show and its span, in seconds from the recording's start."""

    live_session_id: int
    start_s: float
    end_s: float


@dataclass(frozen=True, slots=True)
class ContentView:
    id: int
    key: str
    kind: ContentKind
    title: str
    body: str
    tags: tuple[str, ...]
    clip: ClipSource | None
    media_path: str | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True, slots=True)
class ContentHit:
    """One search answer: the item as the table holds it now, and how well it matched (higher
    is better; filter-only searches and ``matching`` give comparable scores within one call)."""

    item: ContentView
    score: float
