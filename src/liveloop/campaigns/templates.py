"""Campaign templates, shipped as YAML in ``templates/``: the calendar day a campaign is for,
the live show it puts on that day's evening (or some days before), and the journey that
invites the audience — with the message and coupon templates that journey sends.

    key: dongzhi-dumplings
    name: 冬至 饺子专场
    day: 冬至                         # a day of the marketing calendar (almanac)
    show: {title: 冬至 饺子专场, offset_days: 0, at: "19:30", minutes: 90,
           shelf: {words: [饺子, 五花肉, 醋], discount: "0.85", stock: 200}}
    journey: {name: …, offset_days: -3, at: "10:00", audience: {…}, steps: […]}

The journey part is a journey definition without its key and trigger: scheduling the
template for a year makes them (``campaigns.service``). Every shipped file is validated when
first read, journey included, so a broken template fails the tests, not an operator.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from liveloop.almanac.contracts import BUILT_IN_NAMES
from liveloop.journeys.service import parse_definition

FILES = Path(__file__).parent / "templates"
KEY = r"^[a-z][a-z0-9-]{1,50}$"  # leaves room for the year in the journey's key


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ShelfRule(Strict):
    """The brand's active products whose name holds one of ``words`` (in that order of words),
    at ``discount`` of their list price, ``stock`` each, at most ``max_items``."""

    words: tuple[str, ...] = Field(min_length=1, max_length=20)
    discount: Decimal = Field(gt=0, le=1)
    stock: int = Field(default=200, ge=0, le=100_000)
    max_items: int = Field(default=8, ge=1, le=50)


class ShowPlan(Strict):
    title: str = Field(min_length=1, max_length=100)
    series: str | None = Field(default=None, max_length=64)
    offset_days: int = Field(default=0, ge=-60, le=60)
    at: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    minutes: int = Field(default=90, ge=10, le=600)
    shelf: ShelfRule | None = None


class JourneyPlan(Strict):
    name: str = Field(min_length=1, max_length=56)  # the year goes in front
    offset_days: int = Field(default=0, ge=-60, le=60)
    at: str = Field(default="10:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    audience: dict[str, Any]
    goal: dict[str, Any] | None = None
    reentry: dict[str, Any] | None = None
    steps: list[dict[str, Any]] = Field(min_length=1)


class CampaignTemplate(Strict):
    key: str = Field(pattern=KEY)
    name: str = Field(min_length=1, max_length=48)
    day: str
    description: str = Field(default="", max_length=500)
    show: ShowPlan
    journey: JourneyPlan
    messages: list[dict[str, Any]] = Field(default_factory=list)
    coupons: list[dict[str, Any]] = Field(default_factory=list)

    @field_validator("day")
    @classmethod
    def _day(cls, value: str) -> str:
        if value not in BUILT_IN_NAMES:
            raise ValueError(f"模板的日子「{value}」不在日历上 (not a calendar day)")
        return value

    def journey_document(
        self,
        year: int,
        *,
        audience: dict[str, Any] | None,
        segment: str | None,
        offset_days: int | None = None,
        properties: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The journey this template runs in ``year``, for the given audience (default: the
        template's) — a definition ``journeys.service.save_journey`` takes."""
        plan = self.journey
        trigger: dict[str, Any] = {
            "type": "calendar",
            "day": self.day,
            "offset_days": plan.offset_days if offset_days is None else offset_days,
            "at": plan.at,
            "year": year,
            "properties": dict(properties or {}),
        }
        if segment is not None:
            trigger["segment"] = segment
        else:
            trigger["audience"] = audience if audience is not None else plan.audience
        document: dict[str, Any] = {
            "key": journey_key(self.key, year),
            "name": f"{year} {plan.name}",
            "description": self.description,
            "trigger": trigger,
            "steps": plan.steps,
        }
        if plan.goal is not None:
            document["goal"] = plan.goal
        if plan.reentry is not None:
            document["reentry"] = plan.reentry
        return document


def journey_key(template: str, year: int) -> str:
    return f"{template}-{year}"


@cache
def templates() -> dict[str, CampaignTemplate]:
    """The shipped templates by key, in file order."""
    found: dict[str, CampaignTemplate] = {}
    for path in sorted(FILES.glob("*.yaml")):
        template = CampaignTemplate.model_validate(yaml.safe_load(path.read_text("utf-8")))
        # The journey must be one the engine can run (its rules, its steps' graph).
        parse_definition(template.journey_document(2026, audience=None, segment=None))
        found[template.key] = template
    return found
