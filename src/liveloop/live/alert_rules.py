"""Each room's alert rules: the operator's overrides of ``AlertRules``' defaults, kept as JSON on
the room (``live_rooms.alert_rules``) and handed to the room's stream processor when it is made
and within 15 s of an edit (``live.jobs.processor_sources``, ``live.stream.refresh``).

Invariants: only the overrides are kept (a default changed in code reaches every room that did
not override it); every value is checked against sane bounds (``AlertRulesIn``) and an unknown
name is refused with the reason, so a stored override always makes a valid ``AlertRules``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.live.contracts import MEMBER_TIERS
from liveloop.live.errors import LiveRefused, UnknownRoom
from liveloop.live.models import LiveRoom
from liveloop.live.stream.alerts import AlertRules

Tier = Literal[MEMBER_TIERS]  # type: ignore[valid-type]
Seconds = Annotated[int, Field(ge=1, le=3600)]

# What each rule is called in the console (and in a refusal's reason).
RULE_NAMES: dict[str, str] = {
    "welcome_vip": "VIP 进场提醒",
    "welcome_tiers": "进场提醒的会员等级",
    "welcome_koc": "KOC 进场提醒",
    "arrival_fresh_seconds": "进场提醒时效(秒)",
    "drop_percent": "在线人数一分钟内下降超过(%)",
    "drop_min_online": "在线人数下降提醒的最少在线人数",
    "heat_factor": "商品热度飙升倍数",
    "heat_min": "商品热度飙升的最少点击加购数",
    "stock_minutes": "预计售罄提前提醒(分钟)",
    "stock_velocity_seconds": "下单速度的统计时长(秒)",
    "complaint_floor": "投诉激增的每分钟最少条数",
    "complaint_factor": "投诉激增倍数",
    "queue_age_seconds": "问题等待超过(秒)",
    "queue_count": "等待问题达到(组)",
    "cooldown_seconds": "同一提醒的冷却时间(秒)",
}


class AlertRulesIn(BaseModel):
    """Overrides of ``AlertRules``: every field optional, each within sane bounds, nothing
    else."""

    model_config = ConfigDict(extra="forbid")

    welcome_vip: bool | None = None
    welcome_tiers: Annotated[list[Tier], Field(max_length=len(MEMBER_TIERS))] | None = None
    welcome_koc: bool | None = None
    arrival_fresh_seconds: Annotated[int, Field(ge=1, le=600)] | None = None
    drop_percent: Annotated[float, Field(ge=1, le=100)] | None = None
    drop_min_online: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    heat_factor: Annotated[float, Field(ge=1, le=100)] | None = None
    heat_min: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    stock_minutes: Annotated[float, Field(ge=1, le=120)] | None = None
    stock_velocity_seconds: Annotated[int, Field(ge=30, le=1800)] | None = None
    complaint_floor: Annotated[int, Field(ge=1, le=100_000)] | None = None
    complaint_factor: Annotated[float, Field(ge=1, le=100)] | None = None
    queue_age_seconds: Seconds | None = None
    queue_count: Annotated[int, Field(ge=1, le=1000)] | None = None
    cooldown_seconds: Seconds | None = None


def _reason(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        if error["type"] == "extra_forbidden":
            parts.append(f"没有提醒规则 {name} (unknown rule {name})")
        else:
            shown = RULE_NAMES.get(name, name)
            parts.append(f"{shown} 的值不可用 ({name}: {error['msg']})")
    return "；".join(parts)


def check_overrides(overrides: Mapping[str, Any] | AlertRulesIn) -> dict[str, Any]:
    """The overrides as they are kept (only the names given, JSON values), or ``LiveRefused``."""
    if isinstance(overrides, AlertRulesIn):
        model = overrides
    else:
        if not isinstance(overrides, Mapping):
            raise LiveRefused("提醒规则需要是一个对象 (alert rules are an object)")
        try:
            model = AlertRulesIn.model_validate(dict(overrides))
        except ValidationError as exc:
            raise LiveRefused(_reason(exc)) from None
    kept = model.model_dump(exclude_none=True)
    if "welcome_tiers" in kept:
        kept["welcome_tiers"] = sorted(set(kept["welcome_tiers"]), key=MEMBER_TIERS.index)
    return kept


def rules_from(overrides: Mapping[str, Any] | None) -> AlertRules:
    """``AlertRules`` with the kept overrides applied (an unreadable one is left out)."""
    known = {f.name for f in dataclasses.fields(AlertRules)}
    values = {k: v for k, v in (overrides or {}).items() if k in known}
    if "welcome_tiers" in values:
        values["welcome_tiers"] = frozenset(values["welcome_tiers"])
    try:
        return AlertRules(**values)
    except TypeError:
        return AlertRules()


def alert_rules_dict(rules: AlertRules) -> dict[str, Any]:
    """The rules as JSON (tiers in tier order)."""
    out = dataclasses.asdict(rules)
    out["welcome_tiers"] = sorted(rules.welcome_tiers, key=_tier_order)
    return out


def _tier_order(tier: str) -> int:
    return MEMBER_TIERS.index(tier) if tier in MEMBER_TIERS else len(MEMBER_TIERS)


def _room(session: Session, room: str, rooms: frozenset[str] | None) -> LiveRoom:
    row = session.scalars(select(LiveRoom).where(LiveRoom.code == room)).one_or_none()
    if row is None or (rooms is not None and room not in rooms):
        raise UnknownRoom(f"没有直播间 {room} (no room {room})")
    return row


def set_alert_rules(
    session: Session,
    room: str,
    overrides: Mapping[str, Any] | AlertRulesIn,
    rooms: frozenset[str] | None = None,
) -> AlertRules:
    """Replace the room's overrides (``{}`` goes back to the defaults); the room's processor
    takes them within 15 s, mid-show too. Returns the rules in force."""
    row = _room(session, room, rooms)
    kept = check_overrides(overrides)
    row.alert_rules = kept
    session.flush()
    return rules_from(kept)


def alert_overrides_of(
    session: Session, room: str, rooms: frozenset[str] | None = None
) -> dict[str, Any]:
    """What the operator set for the room (only the overrides)."""
    return dict(_room(session, room, rooms).alert_rules or {})


def alert_rules_of(session: Session, room: str, rooms: frozenset[str] | None = None) -> AlertRules:
    """The room's rules in force: the defaults with its overrides. A room nobody made (a
    webhook's first events) has the defaults."""
    row = session.scalars(select(LiveRoom).where(LiveRoom.code == room)).one_or_none()
    if row is None:
        if rooms is not None:
            raise UnknownRoom(f"没有直播间 {room} (no room {room})")
        return AlertRules()
    if rooms is not None and room not in rooms:
        raise UnknownRoom(f"没有直播间 {room} (no room {room})")
    return rules_from(row.alert_rules)
