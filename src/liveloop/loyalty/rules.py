"""The operator's rules: how points are earned, worth and expire (``PointsRules``), and the
tiers' thresholds, grading window and benefits (``TierRules``). Each is one document in
``loyalty_settings``, validated here before it is stored; a store without one uses the default.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.orm import Session

from liveloop import spec
from liveloop.loyalty import events
from liveloop.loyalty.contracts import BASIC, GOLD, SILVER, TIERS, Benefits
from liveloop.loyalty.errors import RulesRefused
from liveloop.loyalty.ledger import RULES_SEEN
from liveloop.loyalty.models import LoyaltySetting

# The events an interaction rule may reward: the live spec's and the UGC an SDK reports.
REWARDABLE = (
    spec.LIVE_COMMENT_POSTED,
    spec.LIVE_SHARED,
    spec.LIVE_LIKED,
    spec.LIVE_JOINED,
    spec.LIVE_REMINDER_SET,
    spec.GROUP_JOINED,
    events.REVIEW_POSTED,
    events.RECIPE_SHARED,
)
POINTS_KEY, TIERS_KEY = "points", "tiers"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InteractionRule(Strict):
    points: int = Field(ge=1, le=10_000)
    daily_cap: int = Field(ge=1, le=10_000, description="at most this many points a day")


class PointsRules(Strict):
    earn_per_yuan: Decimal = Field(
        default=Decimal("1"), ge=0, le=100, decimal_places=2, description="points per yuan paid"
    )
    points_per_yuan: int = Field(
        default=100, ge=1, le=100_000, description="points worth ¥1 at checkout"
    )
    expire_after_months: int = Field(
        default=12, ge=1, le=120, description="earned points end at the N-th month's end"
    )
    interactions: dict[str, InteractionRule] = Field(
        default_factory=lambda: {
            spec.LIVE_COMMENT_POSTED: InteractionRule(points=1, daily_cap=5),
            spec.LIVE_SHARED: InteractionRule(points=5, daily_cap=10),
            events.REVIEW_POSTED: InteractionRule(points=20, daily_cap=40),
            events.RECIPE_SHARED: InteractionRule(points=10, daily_cap=20),
        }
    )

    @model_validator(mode="after")
    def _known_events(self) -> PointsRules:
        unknown = sorted(set(self.interactions) - set(REWARDABLE))
        if unknown:
            allowed = "、".join(REWARDABLE)
            raise ValueError(f"不能奖励积分的事件 {unknown},可选:{allowed}")
        return self


class TierRule(Strict):
    name: str
    threshold: Annotated[Decimal, Field(ge=0, le=10_000_000, decimal_places=2)]
    birthday_coupon: str | None = Field(default=None, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    early_entry_minutes: int = Field(default=0, ge=0, le=24 * 60)
    nutrition_advisor: bool = False

    def benefits(self) -> Benefits:
        return Benefits(self.birthday_coupon, self.early_entry_minutes, self.nutrition_advisor)


class TierRules(Strict):
    window_months: int = Field(default=12, ge=1, le=60, description="the grading window")
    tiers: list[TierRule] = Field(
        default_factory=lambda: [
            TierRule(name=BASIC, threshold=Decimal("0")),
            TierRule(
                name=SILVER,
                threshold=Decimal("1000"),
                birthday_coupon="birthday_30",
                early_entry_minutes=10,
            ),
            TierRule(
                name=GOLD,
                threshold=Decimal("5000"),
                birthday_coupon="birthday_50",
                early_entry_minutes=30,
                nutrition_advisor=True,
            ),
        ]
    )

    @model_validator(mode="after")
    def _three_rising(self) -> TierRules:
        names = tuple(t.name for t in self.tiers)
        if names != TIERS:
            raise ValueError(f"等级须依次为 {'、'.join(TIERS)}")
        if self.tiers[0].threshold != 0:
            raise ValueError(f"{BASIC}的门槛须为 0")
        thresholds = [t.threshold for t in self.tiers]
        if any(low >= high for low, high in itertools.pairwise(thresholds)):
            raise ValueError("成长值门槛须逐级升高")
        return self

    def rule(self, tier: str) -> TierRule:
        for rule in self.tiers:
            if rule.name == tier:
                return rule
        return self.tiers[0]

    def grade(self, growth: Decimal) -> str:
        """The highest tier whose threshold ``growth`` reaches."""
        reached = [t.name for t in self.tiers if growth >= t.threshold]
        return reached[-1] if reached else self.tiers[0].name


def _load(session: Session, key: str) -> dict[str, Any] | None:
    row = session.get(LoyaltySetting, key)
    return dict(row.document) if row is not None else None


def _seen(session: Session) -> dict[str, Any]:
    """The rules this session has read (a consumer's batch reads them once; dropped on any
    rollback, ``ledger._forget``)."""
    seen: dict[str, Any] = session.info.setdefault(RULES_SEEN, {})
    return seen


def points_rules(session: Session) -> PointsRules:
    seen = _seen(session)
    if POINTS_KEY not in seen:
        found = _load(session, POINTS_KEY)
        seen[POINTS_KEY] = PointsRules.model_validate(found) if found is not None else PointsRules()
    rules: PointsRules = seen[POINTS_KEY]
    return rules


def tier_rules(session: Session) -> TierRules:
    seen = _seen(session)
    if TIERS_KEY not in seen:
        found = _load(session, TIERS_KEY)
        seen[TIERS_KEY] = TierRules.model_validate(found) if found is not None else TierRules()
    rules: TierRules = seen[TIERS_KEY]
    return rules


def _save(session: Session, key: str, document: dict[str, Any], at: datetime, by: str) -> None:
    row = session.get(LoyaltySetting, key)
    if row is None:
        session.add(LoyaltySetting(key=key, document=document, updated_at=at, updated_by=by))
    else:
        row.document, row.updated_at, row.updated_by = document, at, by
    session.flush()


def set_points_rules(session: Session, rules: PointsRules, at: datetime, by: str) -> PointsRules:
    _save(session, POINTS_KEY, rules.model_dump(mode="json"), at, by)
    _seen(session)[POINTS_KEY] = rules
    return rules


def set_tier_rules(session: Session, rules: TierRules, at: datetime, by: str) -> TierRules:
    """Store new thresholds: they apply from the next growth (an upgrade) and the next window's
    end (a downgrade); nobody is regraded now."""
    _save(session, TIERS_KEY, rules.model_dump(mode="json"), at, by)
    _seen(session)[TIERS_KEY] = rules
    return rules


def parse_points_rules(document: dict[str, Any]) -> PointsRules:
    try:
        return PointsRules.model_validate(document)
    except ValueError as exc:
        raise RulesRefused(str(exc)) from None
