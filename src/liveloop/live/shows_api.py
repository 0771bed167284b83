"""Rooms and shows over HTTP (``live.api`` hands the app these routers): ``/v1/live-rooms``
(list, create) and ``/v1/live-sessions`` (a live session is a show: list with filters, one
with its shelf and offers, schedule, change, start, end, cancel, its shelf, its offers).

Operators (and admins) edit; analysts read; a host reads the rooms of the shows they host or
control (场控), and starts and ends those shows — another room's show is "not found" to them
(404), never "forbidden", so its existence is not shown either.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.live import service as lives
from liveloop.live import webhook
from liveloop.live.contracts import MEMBER_TIERS, LivePlatform, OfferKind
from liveloop.live.models import LiveStatus
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

rooms_router = APIRouter(prefix="/v1/live-rooms", tags=["live"])
shows_router = APIRouter(prefix="/v1/live-sessions", tags=["live"])

Reader = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.HOST, Role.ANALYST))]
Editor = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
OnAir = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.HOST))]
ShowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Text64 = Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)]
Username = Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)]
RoomCode = Annotated[str, Field(pattern=webhook.ROOM)]
Tier = Literal[MEMBER_TIERS]  # type: ignore[valid-type]
SettingValue = Annotated[str, Field(min_length=1, max_length=128, pattern=NO_CONTROL_CHARS)]
SettingName = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]


class RoomIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: RoomCode
    name: Text64
    platform: LivePlatform
    connector: dict[SettingName, SettingValue] = Field(default_factory=dict, max_length=10)
    secret_ref: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,63}$")] | None = None


class RoomOut(BaseModel):
    code: str
    name: str
    platform: LivePlatform
    connector: dict[str, str]
    secret_ref: str | None
    created_at: datetime | None


class Audience(BaseModel):
    model_config = ConfigDict(extra="forbid")
    members_only: bool = False
    early_entry_tier: Tier | None = None
    early_minutes: Annotated[int, Field(ge=0, le=180)] = 0


class ShowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    room: RoomCode
    title: Annotated[str, Field(min_length=1, max_length=128, pattern=NO_CONTROL_CHARS)]
    scheduled_at: AwareDatetime
    series: Text64 | None = None
    host: Username | None = None
    controllers: Annotated[list[Username], Field(max_length=20)] = []
    planned_minutes: Annotated[int, Field(ge=1, le=1440)] | None = None
    audience: Audience = Audience()


class ShowPatch(BaseModel):
    """Only the fields sent change; ``null`` clears series, host or planned_minutes; an
    ``audience`` sent replaces the whole rule."""

    model_config = ConfigDict(extra="forbid")
    title: Annotated[str, Field(min_length=1, max_length=128, pattern=NO_CONTROL_CHARS)] = ""
    scheduled_at: AwareDatetime | None = None
    series: Text64 | None = None
    host: Username | None = None
    controllers: Annotated[list[Username], Field(max_length=20)] = []
    planned_minutes: Annotated[int, Field(ge=1, le=1440)] | None = None
    audience: Audience | None = None


class ShowOut(BaseModel):
    id: int
    room: str
    title: str
    series: str | None
    host: str | None
    controllers: list[str]
    platform: str
    status: str
    scheduled_at: datetime
    planned_minutes: int | None
    planned_end_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    peak_viewers: int
    audience: Audience
    costs: dict[str, Decimal]


class ShelfItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: Annotated[str, Field(min_length=1, max_length=32, pattern=NO_CONTROL_CHARS)]
    live_price: Annotated[Decimal, Field(gt=0, le=Decimal("1000000"), decimal_places=2)]
    stock: Annotated[int, Field(ge=0, le=10_000_000)]
    on_shelf: bool = True


class ShelfIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: Annotated[list[ShelfItemIn], Field(max_length=100)]


class ShelfItemOut(BaseModel):
    sku: str
    name: str
    list_price: Decimal
    live_price: Decimal
    stock: int
    position: int
    on_shelf: bool


class Conditions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment_keyword: (
        Annotated[str, Field(min_length=1, max_length=20, pattern=NO_CONTROL_CHARS)] | None
    ) = None
    watch_minutes: Annotated[int, Field(ge=1, le=600)] | None = None


class OfferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: OfferKind
    title: Text64
    quantity: Annotated[int, Field(ge=1, le=1_000_000)]
    coupon_template: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    prize_sku: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    conditions: Conditions = Conditions()


class OffersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    offers: Annotated[list[OfferIn], Field(max_length=50)]


class OfferOut(BaseModel):
    id: int
    kind: OfferKind
    title: str
    quantity: int
    coupon_template: str | None
    coupon_name: str | None
    prize_sku: str | None
    prize_name: str | None
    conditions: dict[str, Any]
    position: int


class ShowDetail(ShowOut):
    room_name: str
    shelf: list[ShelfItemOut]
    offers: list[OfferOut]


def _show(show: lives.ShowView) -> ShowOut:
    return ShowOut.model_validate(_fields(show))


def _fields(show: lives.ShowView) -> dict[str, Any]:
    return {
        **{name: getattr(show, name) for name in ShowOut.model_fields if name != "audience"},
        "controllers": list(show.controllers),
        "costs": dict(show.costs),
        "audience": Audience.model_validate(show.audience, from_attributes=True),
    }


def _detail(session: Session, show: lives.ShowView) -> ShowDetail:
    return ShowDetail.model_validate(
        {
            **_fields(show),
            "room_name": lives.room_name(session, show.room),
            "shelf": [
                ShelfItemOut.model_validate(i, from_attributes=True)
                for i in lives.shelf_of(session, show.id)
            ],
            "offers": [
                OfferOut.model_validate({**vars(o), "conditions": dict(o.conditions)})
                for o in lives.offers_of(session, show.id)
            ],
        }
    )


def _room(room: lives.RoomView) -> RoomOut:
    return RoomOut.model_validate({**vars(room), "connector": dict(room.connector)})


@rooms_router.get("")
def rooms(session: ReadSessionDep, principal: Reader) -> list[RoomOut]:
    """The rooms the caller may see, in the order they were made."""
    return [_room(r) for r in lives.list_rooms(session, lives.rooms_of(session, principal))]


@rooms_router.post("", status_code=201)
def create_room(body: RoomIn, session: SessionDep, runtime: RuntimeDep, _: Editor) -> RoomOut:
    """Create a room; its code is the room of the webhook path. Only non-secret connector
    settings are kept; a secret is named by ``secret_ref`` (the setting that holds it)."""
    return _room(
        lives.create_room(
            session,
            code=body.code,
            name=body.name,
            platform=body.platform,
            now=runtime.clock.now(),
            connector=body.connector,
            secret_ref=body.secret_ref,
        )
    )


@shows_router.get("")
def shows(
    session: ReadSessionDep,
    principal: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    room: Annotated[str | None, Query(pattern=webhook.ROOM)] = None,
    status: LiveStatus | None = None,
    since: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    until: Annotated[AwareDatetime | None, Query(alias="to")] = None,
) -> list[ShowOut]:
    """Shows in the caller's rooms, newest first (``before`` pages on by id); ``from`` ≤
    scheduled_at < ``to``."""
    found = lives.list_shows(
        session,
        rooms=lives.rooms_of(session, principal),
        room=room,
        status=status,
        since=since,
        until=until,
        limit=limit,
        before=before,
    )
    return [_show(s) for s in found]


@shows_router.post("", status_code=201)
def schedule(body: ShowIn, session: SessionDep, runtime: RuntimeDep, _: Editor) -> ShowDetail:
    """Schedule a show in an existing room (404 for an unknown room)."""
    spec = lives.ShowSpec(
        room=body.room,
        title=body.title,
        scheduled_at=body.scheduled_at,
        series=body.series,
        host=body.host,
        controllers=tuple(body.controllers),
        planned_minutes=body.planned_minutes,
        audience=lives.AudienceRule(**body.audience.model_dump()),
    )
    return _detail(session, lives.schedule_show(session, spec, runtime.clock.now()))


@shows_router.get("/{live_id}")
def show(live_id: ShowId, session: ReadSessionDep, principal: Reader) -> ShowDetail:
    """One show with its shelf and prepared offers."""
    return _detail(session, lives.get_show(session, live_id, lives.rooms_of(session, principal)))


@shows_router.patch("/{live_id}")
def change(
    live_id: ShowId, body: ShowPatch, session: SessionDep, runtime: RuntimeDep, _: Editor
) -> ShowDetail:
    changes: dict[str, Any] = {name: getattr(body, name) for name in body.model_fields_set}
    if "audience" in changes:
        rule = body.audience or Audience()
        changes["audience"] = lives.AudienceRule(**rule.model_dump())
    if "controllers" in changes:
        changes["controllers"] = tuple(body.controllers)
    return _detail(session, lives.update_show(session, live_id, changes, runtime.clock.now()))


@shows_router.post("/{live_id}/start")
def start(live_id: ShowId, session: SessionDep, runtime: RuntimeDep, principal: OnAir) -> ShowOut:
    """Put the show on air (409 unless it is scheduled and its room is free)."""
    scope = lives.rooms_of(session, principal)
    return _show(lives.start_show(session, live_id, runtime.clock.now(), scope))


@shows_router.post("/{live_id}/end")
def end(live_id: ShowId, session: SessionDep, runtime: RuntimeDep, principal: OnAir) -> ShowOut:
    """Take the show off air (409 unless it is on air)."""
    scope = lives.rooms_of(session, principal)
    return _show(lives.end_show(session, live_id, runtime.clock.now(), scope))


@shows_router.post("/{live_id}/cancel")
def cancel(live_id: ShowId, session: SessionDep, _: Editor) -> ShowOut:
    """Cancel a show that has not aired (409 otherwise)."""
    return _show(lives.cancel_show(session, live_id))


@shows_router.put("/{live_id}/shelf")
def set_shelf(live_id: ShowId, body: ShelfIn, session: SessionDep, _: Editor) -> list[ShelfItemOut]:
    """Replace the show's shelf (the items' order is the shelf's)."""
    items = [lives.ShelfItemSpec(i.sku, i.live_price, i.stock, i.on_shelf) for i in body.items]
    return [
        ShelfItemOut.model_validate(i, from_attributes=True)
        for i in lives.set_shelf(session, live_id, items)
    ]


@shows_router.put("/{live_id}/offers")
def set_offers(
    live_id: ShowId, body: OffersIn, session: SessionDep, runtime: RuntimeDep, _: Editor
) -> list[OfferOut]:
    """Replace the show's prepared coupons and 福袋."""
    specs = [
        lives.OfferSpec(
            kind=o.kind,
            title=o.title,
            quantity=o.quantity,
            coupon_template=o.coupon_template,
            prize_sku=o.prize_sku,
            conditions=lives.OfferConditions(**o.conditions.model_dump()),
        )
        for o in body.offers
    ]
    return [
        OfferOut.model_validate({**vars(o), "conditions": dict(o.conditions)})
        for o in lives.set_offers(session, live_id, specs, runtime.clock.now())
    ]
