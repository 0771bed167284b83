"""Campaigns facade: the shipped templates, scheduling one for a year, the campaigns there are.

    schedule_campaign(session, "dongzhi-dumplings", 2026, room="main", now=now, by="ops", tz=tz)

Scheduling a template for a year, in the caller's transaction:

1. the campaign's row, first — ``(template, year)`` is unique, so a second call (or a racing
   one) finds it and changes nothing (``created`` is False);
2. the live show on the calendar day (or ``offset_days`` from it) at the template's time, in
   the operator's room, through ``live.service.schedule_show`` (which refuses a past time or a
   room already taken then), its shelf the brand's products that match the template's words at
   the template's discount;
3. the journey (``journeys.service``): a calendar trigger on the day for that year only, the
   show's title, time and end in its context for the messages, switched on;
4. ``Campaign Scheduled``.

Any refusal rolls all of it back: there is never a campaign without its show and journey.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveloop.almanac import service as almanac
from liveloop.campaigns import events
from liveloop.campaigns.models import Campaign
from liveloop.campaigns.templates import CampaignTemplate, templates
from liveloop.commerce import service as commerce
from liveloop.errors import DomainError
from liveloop.journeys import service as journeys
from liveloop.live import service as lives

CENT = Decimal("0.01")
WEEKDAYS = "一二三四五六日"


class CampaignError(DomainError):
    """A campaign command refused as given."""


class UnknownTemplate(CampaignError):
    status = 404


class CampaignRefused(CampaignError):
    status = 422


@dataclass(frozen=True)
class TemplateView:
    key: str
    name: str
    day: str
    description: str
    show_title: str
    show_offset_days: int
    show_at: str
    journey_offset_days: int
    journey_at: str


@dataclass(frozen=True)
class CampaignView:
    id: int
    template: str
    name: str
    year: int
    day_name: str
    day: date
    show_id: int | None
    show_title: str | None
    show_room: str | None
    show_at: datetime | None
    show_status: str | None
    journey_key: str | None
    journey_status: str | None
    invite_at: datetime | None  # when the journey lets its audience in
    created_by: str
    created_at: datetime
    created: bool = False  # this call scheduled it (False: it was there already)


def list_templates() -> list[TemplateView]:
    return [
        TemplateView(
            t.key,
            t.name,
            t.day,
            t.description,
            t.show.title,
            t.show.offset_days,
            t.show.at,
            t.journey.offset_days,
            t.journey.at,
        )
        for t in templates().values()
    ]


def _template(key: str) -> CampaignTemplate:
    template = templates().get(key)
    if template is None:
        raise UnknownTemplate(f"没有活动模板 {key} (no campaign template {key})")
    return template


def _calendar_day(session: Session, template: CampaignTemplate, year: int, tz: ZoneInfo) -> date:
    try:
        days = almanac.days_between(
            session, date(year, 1, 1), date(year, 12, 31), tz=tz, names={template.day}
        )
    except (almanac.CalendarError, ValueError) as exc:
        raise CampaignRefused(str(exc)) from None
    if not days:
        raise CampaignRefused(f"{year} 年没有{template.day} (no {template.day} in {year})")
    return days[0].date


def _wall(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _show_time(at: datetime, tz: ZoneInfo) -> str:
    local = at.astimezone(tz)
    return f"{local.month}月{local.day}日(周{WEEKDAYS[local.weekday()]}) {local:%H:%M}"


def _shelf(session: Session, template: CampaignTemplate) -> list[lives.ShelfItemSpec]:
    """The brand's active products that match the template's words, first word first."""
    rule = template.show.shelf
    if rule is None:
        return []
    products = commerce.catalog(session)
    active = commerce.products_by_sku(session, [p.sku for p in products], active_only=True)
    chosen: list[lives.ShelfItemSpec] = []
    seen: set[str] = set()
    for word in rule.words:
        for product in products:
            if product.sku in seen or product.sku not in active or word not in product.name:
                continue
            price = (product.price * rule.discount).quantize(CENT, rounding=ROUND_HALF_UP)
            if price <= 0:
                continue
            seen.add(product.sku)
            chosen.append(lives.ShelfItemSpec(product.sku, min(price, product.price), rule.stock))
    return chosen[: rule.max_items]


def _invite_offset(
    template: CampaignTemplate, day: date, show_at: datetime, now: datetime, tz: ZoneInfo
) -> int:
    """The journey's offset from the day: the template's, or — when that moment has already
    gone (a campaign scheduled late) — the first slot still ahead, if it is before the show."""
    wall = _wall(template.journey.at)
    offset = template.journey.offset_days
    if datetime.combine(day + timedelta(days=offset), wall, tz) > now:
        return offset
    local = now.astimezone(tz)
    first = local.date() if local.time() < wall else local.date() + timedelta(days=1)
    if datetime.combine(first, wall, tz) >= show_at:
        raise CampaignRefused(
            "离开播太近,来不及邀约了;换一个年份或调整模板 (too late to invite before the show)"
        )
    return (first - day).days


def schedule_campaign(
    session: Session,
    template_key: str,
    year: int,
    *,
    room: str,
    now: datetime,
    by: str,
    tz: ZoneInfo,
    audience: dict[str, Any] | None = None,
    segment: str | None = None,
    host: str | None = None,
) -> CampaignView:
    """Schedule ``template_key`` for ``year`` (see the module's docstring); idempotent per
    (template, year). ``audience`` (a segment rule) or ``segment`` (a saved segment's name)
    replaces the template's audience."""
    template = _template(template_key)
    existing = _find(session, template.key, year)
    if existing is not None:
        return _view(session, existing, tz)
    day = _calendar_day(session, template, year, tz)
    row = Campaign(
        template=template.key,
        year=year,
        name=template.name,
        day_name=template.day,
        day=day,
        created_by=by,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # scheduled meanwhile by someone else: theirs stands
        found = _find(session, template.key, year)
        if found is None:
            raise
        return _view(session, found, tz)

    plan = template.show
    show_at = datetime.combine(day + timedelta(days=plan.offset_days), _wall(plan.at), tz)
    title = plan.title if str(year) in plan.title else f"{year} {plan.title}"
    show = lives.schedule_show(
        session,
        lives.ShowSpec(
            room=room,
            title=title,
            scheduled_at=show_at,
            series=plan.series,
            host=host,
            planned_minutes=plan.minutes,
        ),
        now,
    )
    shelf = _shelf(session, template)
    if shelf:
        lives.set_shelf(session, show.id, shelf)

    _ensure_templates(session, template, now)
    offset = _invite_offset(template, day, show_at, now, tz)
    document = template.journey_document(
        year,
        audience=audience,
        segment=segment,
        offset_days=offset,
        properties={
            "campaign": template.name,
            "live_session_id": show.id,
            "show_title": show.title,
            "show_time": _show_time(show.scheduled_at, tz),
            "live_starts_at": show.scheduled_at.isoformat(),
            "live_ends_at": show.planned_end_at.isoformat(),
        },
    )
    info = journeys.save_journey(
        session, document, by=by, now=now, template=f"campaign:{template.key}"
    )
    journeys.change_status(session, info.key, "activate", now)

    row.show_id, row.show_at, row.journey_key = show.id, show.scheduled_at, info.key
    session.flush()
    events.campaign_scheduled(
        session,
        at=now,
        campaign_id=row.id,
        template=template.key,
        year=year,
        day_name=template.day,
        day=day,
        live_session_id=show.id,
        journey_key=info.key,
        by=by,
    )
    view = _view(session, row, tz)
    return CampaignView(**{**vars(view), "created": True})


def _ensure_templates(session: Session, template: CampaignTemplate, now: datetime) -> None:
    """The messages and coupons the journey sends, where the brand has none of that code yet
    (the brand's own wording wins), as switching on a built-in journey does."""
    from liveloop.channels import service as channels

    for spec in template.messages:
        if not channels.has_template(session, spec["code"]):
            channels.save_template(session, channels.TemplateSpec(**spec), now)
    for spec in template.coupons:
        if not commerce.has_coupon_template(session, spec["code"]):
            commerce.create_template(session, commerce.TemplateSpec.model_validate(spec), now)


def _find(session: Session, template: str, year: int) -> Campaign | None:
    return session.scalars(
        select(Campaign).where(Campaign.template == template, Campaign.year == year)
    ).one_or_none()


def _view(session: Session, row: Campaign, tz: ZoneInfo) -> CampaignView:
    show = None
    if row.show_id is not None:
        try:
            show = lives.get_show(session, row.show_id)
        except lives.UnknownShow:
            show = None
    journey_status = invite_at = None
    if row.journey_key is not None:
        try:
            journey_status = journeys.get_journey(session, row.journey_key).status
            trigger = journeys.journey_definition(session, row.journey_key)["trigger"]
            invite_day = row.day + timedelta(days=int(trigger.get("offset_days", 0)))
            invite_at = datetime.combine(invite_day, _wall(str(trigger.get("at", "10:00"))), tz)
        except journeys.JourneyNotFound:
            journey_status = None
    return CampaignView(
        id=row.id,
        template=row.template,
        name=row.name,
        year=row.year,
        day_name=row.day_name,
        day=row.day,
        show_id=row.show_id,
        show_title=show.title if show else None,
        show_room=show.room if show else None,
        show_at=show.scheduled_at if show else row.show_at,
        show_status=show.status if show else None,
        journey_key=row.journey_key,
        journey_status=journey_status,
        invite_at=invite_at,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def list_campaigns(
    session: Session, *, tz: ZoneInfo, since: date | None = None, until: date | None = None
) -> list[CampaignView]:
    """Campaigns by their calendar day (``since`` ≤ day ≤ ``until``), soonest first."""
    query = select(Campaign).order_by(Campaign.day, Campaign.id)
    if since is not None:
        query = query.where(Campaign.day >= since)
    if until is not None:
        query = query.where(Campaign.day <= until)
    return [_view(session, row, tz) for row in session.scalars(query)]


def scheduled_years(session: Session) -> dict[str, set[int]]:
    """The years each template is scheduled for."""
    found: dict[str, set[int]] = {}
    for template, year in session.execute(select(Campaign.template, Campaign.year)):
        found.setdefault(template, set()).add(year)
    return found
