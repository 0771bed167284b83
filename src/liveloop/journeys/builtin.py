"""The built-in journeys an operator switches on: each file in ``builtins/`` holds the journey
and the message and coupon templates it uses. Switching one on creates those templates where
the brand has none of that code yet (the brand's own wording always wins), saves the journey
and activates it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.journeys import definition as d
from liveloop.journeys.models import Journey
from liveloop.journeys.service import JourneyInfo, JourneyNotFound, change_status, save_journey

BUILTIN_FILES = Path(__file__).parent / "builtins"


@dataclass(frozen=True)
class BuiltIn:
    key: str
    name: str
    description: str
    journey: dict[str, Any]
    messages: list[dict[str, Any]]
    coupons: list[dict[str, Any]]


@cache
def builtins() -> dict[str, BuiltIn]:
    found = {}
    for path in sorted(BUILTIN_FILES.glob("*.yaml")):
        document = d.load(path.read_text(encoding="utf-8"))
        journey = d.Journey.model_validate(document["journey"])  # shipped files must be valid
        found[journey.key] = BuiltIn(
            journey.key,
            journey.name,
            journey.description,
            document["journey"],
            document.get("messages") or [],
            document.get("coupons") or [],
        )
    return found


@dataclass(frozen=True)
class BuiltInStatus:
    key: str
    name: str
    description: str
    status: str  # "off" when never switched on, else the journey's status


def list_builtins(session: Session) -> list[BuiltInStatus]:
    statuses = dict(
        session.execute(
            select(Journey.key, Journey.status).where(Journey.key.in_(list(builtins())))
        ).all()
    )
    return [
        BuiltInStatus(b.key, b.name, b.description, statuses.get(b.key, "off"))
        for b in builtins().values()
    ]


def switch_on(
    session: Session, key: str, *, by: str, now: datetime, since: datetime | None = None
) -> JourneyInfo:
    """Create the built-in journey ``key`` (with its templates) if needed and activate it;
    ``since`` lets in people from events since then (default: from now on)."""
    builtin = builtins().get(key)
    if builtin is None:
        raise JourneyNotFound(f"no built-in journey {key}; see GET /v1/journeys/builtins")
    _ensure_message_templates(session, builtin.messages, now)
    _ensure_coupon_templates(session, builtin.coupons, now)
    if session.scalar(select(Journey.id).where(Journey.key == key)) is None:
        save_journey(session, builtin.journey, by=by, now=now, template=key)
    return change_status(session, key, "activate", now, since=since)


def _ensure_message_templates(session: Session, specs: list[dict[str, Any]], now: datetime) -> None:
    from liveloop.channels.service import TemplateSpec, has_template, save_template

    for spec in specs:
        if not has_template(session, spec["code"]):
            save_template(session, TemplateSpec(**spec), now)


def _ensure_coupon_templates(session: Session, specs: list[dict[str, Any]], now: datetime) -> None:
    from liveloop.commerce.service import TemplateSpec, create_template, has_coupon_template

    for spec in specs:
        if not has_coupon_template(session, spec["code"]):
            create_template(session, TemplateSpec.model_validate(spec), now)
