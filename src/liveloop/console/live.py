"""Console page 直播 (live): the rooms (直播间), the show schedule — on air, upcoming, ended —
and per show its detail: host and 场控, audience rule, the shelf (live price, allocated stock),
the prepared coupons and 福袋, its costs. Operators and admins add rooms, schedule shows and
edit a shelf; operators and the show's host or 场控 put it on air and take it off; analysts
read; a host sees only the rooms of their shows (another room's show is not found)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from liveloop.access.contracts import Role
from liveloop.access.service import ConsoleLogin
from liveloop.commerce import service as commerce
from liveloop.console.auth import ConsoleUser, check_csrf
from liveloop.console.live_report import ASPECT_NAMES
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.live import service as lives
from liveloop.live.contracts import MEMBER_TIERS, LivePlatform, OfferKind
from liveloop.runtime import Runtime
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep

router = APIRouter(include_in_schema=False)

READERS = {Role.ADMIN, Role.OPERATOR, Role.ANALYST, Role.HOST}
EDITORS = {Role.ADMIN, Role.OPERATOR}
ON_AIR = {Role.ADMIN, Role.OPERATOR, Role.HOST}
ShowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Line = Annotated[str, Form(max_length=128, pattern=NO_CONTROL_CHARS)]
OFFER_KINDS = {"coupon": "优惠券", "lucky_bag": "福袋"}
# The alert rules the room list's form sets (the API sets every one).
RULE_FIELDS = {
    "drop_percent": "在线人数一分钟内下降超过(%)",
    "stock_minutes": "预计售罄提前提醒(分钟)",
    "queue_count": "等待问题达到(组)",
    "queue_age_seconds": "问题等待超过(秒)",
    "cooldown_seconds": "同一提醒的冷却时间(秒)",
}
ENDED_SHOWN = 20


def _reader(user: ConsoleLogin) -> None:
    if user.principal.role not in READERS:
        raise HTTPException(403, "直播页面仅对运营、主播/场控、分析师开放")


def _editor(user: ConsoleLogin) -> None:
    if user.principal.role not in EDITORS:
        raise HTTPException(403, "只有运营和管理员可以修改直播安排")


def _templates() -> Any:
    from liveloop.console.routes import templates

    return templates


def _page(
    request: Request,
    user: ConsoleLogin,
    session: Any,
    runtime: Any,
    *,
    error: str | None = None,
    message: str | None = None,
    form: dict[str, str] | None = None,
    script_form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    scope = lives.rooms_of(session, user.principal)
    rooms = lives.list_rooms(session, scope)
    now = runtime.clock.now()
    context = {
        "user": user,
        "page": "live",
        "rooms": rooms,
        "room_names": {r.code: r.name for r in rooms},
        "on_air": lives.list_shows(session, rooms=scope, status="live", limit=50),
        "upcoming": lives.list_shows(
            session, rooms=scope, status="scheduled", limit=50, soonest_first=True
        ),
        "ended": lives.list_shows(session, rooms=scope, status="ended", limit=ENDED_SHOWN),
        "platforms": lives.PLATFORM_NAMES,
        "tiers": MEMBER_TIERS,
        "editor": user.principal.role in EDITORS,
        "error": error,
        "message": message,
        "form": form
        or {
            "at": (now + timedelta(days=1))
            .astimezone(runtime.settings.tz)
            .strftime("%Y-%m-%dT20:00")
        },
        "tz": runtime.settings.tz,
        "scripts": lives.list_scripts(session),
        "room_rules": {r.code: lives.alert_overrides_of(session, r.code) for r in rooms},
        "rule_fields": RULE_FIELDS,
        "aspects": ASPECT_NAMES,
        "script_form": script_form or {},
    }
    return _templates().TemplateResponse(request, "live.html", context, status_code=status)


@router.get("/console/live", response_class=HTMLResponse)
def live_page(
    request: Request, user: ConsoleUser, session: ReadSessionDep, runtime: RuntimeDep
) -> Response:
    _reader(user)
    return _page(request, user, session, runtime)


@router.post("/console/live/rooms", response_class=HTMLResponse)
async def add_room(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
    code: Annotated[str, Form(max_length=64)] = "",
    name: Line = "",
    platform: Annotated[str, Form(max_length=24)] = LivePlatform.OWN_H5.value,
) -> Response:
    _editor(user)
    await check_csrf(request, user.csrf_token)
    try:
        room = lives.create_room(
            session, code=code.strip(), name=name, platform=platform, now=runtime.clock.now()
        )
    except lives.LiveError as exc:
        return _page(request, user, session, runtime, error=str(exc), status=exc.status)
    return _page(
        request, user, session, runtime, message=f"已添加直播间「{room.name}」", status=201
    )


@router.post("/console/live/scripts", response_class=HTMLResponse)
async def set_script(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
    aspect: Annotated[str, Form(max_length=16)] = "",
    sku: Annotated[str, Form(max_length=32)] = "",
    text: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Set a 话术 of the library (for one product when a SKU is given)."""
    _editor(user)
    await check_csrf(request, user.csrf_token)
    form = {"aspect": aspect, "sku": sku, "text": text}
    try:
        script = lives.set_script(
            session,
            aspect=aspect,
            sku=sku or None,
            text=text,
            by=user.principal.name,
            now=runtime.clock.now(),
        )
    except lives.LiveError as exc:
        return _page(
            request, user, session, runtime, error=str(exc), script_form=form, status=exc.status
        )
    what = ASPECT_NAMES.get(script.aspect.value, script.aspect.value)
    target = f"「{script.product or script.sku}」" if script.sku else "所有商品"
    return _page(request, user, session, runtime, message=f"已保存{target}的{what}话术")


@router.post("/console/live/alert-rules", response_class=HTMLResponse)
async def set_alert_rules(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
    room: Annotated[str, Form(max_length=64)] = "",
    drop_percent: Annotated[str, Form(max_length=8)] = "",
    stock_minutes: Annotated[str, Form(max_length=8)] = "",
    queue_count: Annotated[str, Form(max_length=8)] = "",
    queue_age_seconds: Annotated[str, Form(max_length=8)] = "",
    cooldown_seconds: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Replace a room's alert rules with the numbers filled in (a blank one: the default)."""
    _editor(user)
    await check_csrf(request, user.csrf_token)
    given = {
        "drop_percent": drop_percent,
        "stock_minutes": stock_minutes,
        "queue_count": queue_count,
        "queue_age_seconds": queue_age_seconds,
        "cooldown_seconds": cooldown_seconds,
    }
    try:
        overrides: dict[str, Any] = {}
        for name, value in given.items():
            if value.strip():
                try:
                    number = float(value)
                except ValueError:
                    raise lives.LiveRefused(f"{RULE_FIELDS[name]} 需要是数字") from None
                overrides[name] = int(number) if number.is_integer() else number
        lives.set_alert_rules(session, room, overrides)
    except lives.LiveError as exc:
        return _page(request, user, session, runtime, error=str(exc), status=exc.status)
    return _page(
        request,
        user,
        session,
        runtime,
        message=f"已保存「{lives.room_name(session, room)}」的提醒规则,下一场直播开播时生效",
    )


def _local(value: str, tz: Any) -> datetime:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=tz)
    except ValueError:
        raise lives.LiveRefused("请填写开播时间,如 2026-12-09 20:00") from None


def _whole(value: str, what: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 7:
        raise lives.LiveRefused(f"{what}需要是整数")
    return int(value)


@router.post("/console/live", response_class=HTMLResponse)
async def schedule(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
    room: Annotated[str, Form(max_length=64)] = "",
    title: Line = "",
    series: Line = "",
    at: Annotated[str, Form(max_length=32)] = "",
    minutes: Annotated[str, Form(max_length=8)] = "",
    host: Annotated[str, Form(max_length=64, pattern=NO_CONTROL_CHARS)] = "",
    controllers: Line = "",
    members_only: Annotated[str, Form(max_length=8)] = "",
    early_tier: Annotated[str, Form(max_length=8)] = "",
    early_minutes: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    _editor(user)
    await check_csrf(request, user.csrf_token)
    form = {
        "room": room,
        "title": title,
        "series": series,
        "at": at,
        "minutes": minutes,
        "host": host,
        "controllers": controllers,
        "early_tier": early_tier,
        "early_minutes": early_minutes,
        "members_only": members_only,
    }
    try:
        early = _whole(early_minutes, "提前入场分钟数") or 0
        spec = lives.ShowSpec(
            room=room,
            title=title,
            series=series.strip() or None,
            scheduled_at=_local(at, runtime.settings.tz),
            host=host.strip() or None,
            controllers=tuple(c for c in controllers.replace(",", " ").split() if c),
            planned_minutes=_whole(minutes, "计划时长"),
            audience=lives.AudienceRule(
                members_only=members_only == "on",
                early_entry_tier=early_tier or None,
                early_minutes=early if early_tier else 0,
            ),
        )
        show = lives.schedule_show(session, spec, runtime.clock.now())
    except lives.LiveError as exc:
        return _page(request, user, session, runtime, error=str(exc), form=form, status=exc.status)
    return RedirectResponse(f"/console/live/{show.id}", status_code=303)


def _show_page(
    request: Request,
    user: ConsoleLogin,
    session: Any,
    runtime: Any,
    live_id: int,
    *,
    error: str | None = None,
    message: str | None = None,
    status: int = 200,
) -> Response:
    scope = lives.rooms_of(session, user.principal)
    try:
        show = lives.get_show(session, live_id, scope)
    except lives.UnknownShow:
        raise HTTPException(404, "没有这场直播") from None
    shelf = lives.shelf_of(session, show.id)
    offers = lives.offers_of(session, show.id)
    context = {
        "user": user,
        "page": "live",
        "show": show,
        "room_name": lives.room_name(session, show.room),
        "shelf": shelf,
        "blank_rows": range(max(3, 8 - len(shelf))),
        "offers": offers,
        "offer_kinds": OFFER_KINDS,
        "offer_rows": range(max(2, 4 - len(offers))),
        "coupon_templates": [t for t in commerce.list_templates(session) if t.active],
        "status_names": lives.STATUS_NAMES,
        "editor": user.principal.role in EDITORS and show.status in ("scheduled", "live"),
        "airs": user.principal.role in ON_AIR,
        "cost_total": sum(show.costs.values(), Decimal("0")),
        "error": error,
        "message": message,
        "tz": runtime.settings.tz,
    }
    return _templates().TemplateResponse(request, "live_show.html", context, status_code=status)


@router.get("/console/live/{live_id}", response_class=HTMLResponse)
def show_page(
    request: Request,
    live_id: ShowId,
    user: ConsoleUser,
    session: ReadSessionDep,
    runtime: RuntimeDep,
) -> Response:
    _reader(user)
    return _show_page(request, user, session, runtime, live_id)


def _shelf_items(
    skus: list[str], prices: list[str], stocks: list[str], shown: list[str]
) -> list[lives.ShelfItemSpec]:
    items = []
    for n, sku in enumerate(skus):
        sku = sku.strip()
        price = prices[n].strip() if n < len(prices) else ""
        stock = stocks[n].strip() if n < len(stocks) else ""
        if not sku and not price and not stock:
            continue  # an empty row of the form
        if not sku:
            raise lives.LiveRefused(f"第 {n + 1} 行缺少商品 SKU")
        try:
            amount = Decimal(price)
        except InvalidOperation:
            raise lives.LiveRefused(f"{sku} 的直播价需要是金额,如 39.90") from None
        if not stock.isdigit() or len(stock) > 8:
            raise lives.LiveRefused(f"{sku} 的直播库存需要是 0 或正整数")
        on = shown[n] != "off" if n < len(shown) else True
        items.append(lives.ShelfItemSpec(sku, amount, int(stock), on))
    return items


@router.post("/console/live/{live_id}/shelf", response_class=HTMLResponse)
async def edit_shelf(
    request: Request,
    live_id: ShowId,
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
    sku: Annotated[list[str], Form(max_length=100)] = [],  # noqa: B006 - FastAPI's form default
    live_price: Annotated[list[str], Form(max_length=100)] = [],  # noqa: B006
    stock: Annotated[list[str], Form(max_length=100)] = [],  # noqa: B006
    on_shelf: Annotated[list[str], Form(max_length=100)] = [],  # noqa: B006
) -> Response:
    def write(scope: frozenset[str] | None) -> None:
        lives.set_shelf(session, live_id, _shelf_items(sku, live_price, stock, on_shelf), scope)

    return await _edit(request, user, session, runtime, live_id, write)


async def _edit(
    request: Request,
    user: ConsoleLogin,
    session: Session,
    runtime: Runtime,
    live_id: int,
    write: Callable[[frozenset[str] | None], None],
) -> Response:
    """An editor's form on the show page: ``write`` with the rooms they see, then back to the
    page, or the page again with the refusal's reason."""
    _editor(user)
    await check_csrf(request, user.csrf_token)
    try:
        write(lives.rooms_of(session, user.principal))
    except lives.UnknownShow:
        raise HTTPException(404, "没有这场直播") from None
    except lives.LiveError as exc:
        return _show_page(
            request, user, session, runtime, live_id, error=str(exc), status=exc.status
        )
    return RedirectResponse(f"/console/live/{live_id}", status_code=303)


def _offer_kind(value: str) -> OfferKind:
    try:
        return OfferKind(value or OfferKind.COUPON)
    except ValueError:
        raise lives.LiveRefused("权益类型只能是优惠券或福袋") from None


def _offer_specs(
    kinds: list[str],
    titles: list[str],
    templates: list[str],
    prizes: list[str],
    quantities: list[str],
    keywords: list[str],
    minutes: list[str],
) -> list[lives.OfferSpec]:
    def at(values: list[str], n: int) -> str:
        return values[n].strip() if n < len(values) else ""

    offers = []
    for n, title in enumerate(titles):
        title = title.strip()
        template, prize, quantity = at(templates, n), at(prizes, n), at(quantities, n)
        keyword, watch = at(keywords, n), at(minutes, n)
        if not any((title, template, prize, quantity, keyword, watch)):
            continue  # an empty row of the form
        if not title:
            raise lives.LiveRefused(f"第 {n + 1} 个权益缺少名称")
        if not quantity.isdigit() or len(quantity) > 8:
            raise lives.LiveRefused(f"「{title}」的数量需要是正整数")
        if watch and (not watch.isdigit() or len(watch) > 4):
            raise lives.LiveRefused(f"「{title}」的观看分钟数需要是正整数")
        offers.append(
            lives.OfferSpec(
                kind=_offer_kind(at(kinds, n)),
                title=title,
                quantity=int(quantity),
                coupon_template=template or None,
                prize_sku=prize or None,
                conditions=lives.OfferConditions(
                    comment_keyword=keyword or None, watch_minutes=int(watch) if watch else None
                ),
            )
        )
    return offers


@router.post("/console/live/{live_id}/offers", response_class=HTMLResponse)
async def edit_offers(
    request: Request,
    live_id: ShowId,
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
    kind: Annotated[list[str], Form(max_length=100)] = [],  # noqa: B006 - FastAPI's form default
    title: Annotated[list[str], Form(max_length=100)] = [],  # noqa: B006
    coupon_template: Annotated[list[str], Form(max_length=100)] = [],  # noqa: B006
    prize_sku: Annotated[list[str], Form(max_length=100)] = [],  # noqa: B006
    quantity: Annotated[list[str], Form(max_length=100)] = [],  # noqa: B006
    comment_keyword: Annotated[list[str], Form(max_length=100)] = [],  # noqa: B006
    watch_minutes: Annotated[list[str], Form(max_length=100)] = [],  # noqa: B006
) -> Response:
    def write(scope: frozenset[str] | None) -> None:
        offers = _offer_specs(
            kind, title, coupon_template, prize_sku, quantity, comment_keyword, watch_minutes
        )
        lives.set_offers(session, live_id, offers, runtime.clock.now(), scope)

    return await _edit(request, user, session, runtime, live_id, write)


@router.post("/console/live/{live_id}/start", response_class=HTMLResponse)
async def start(
    request: Request, live_id: ShowId, user: ConsoleUser, session: SessionDep, runtime: RuntimeDep
) -> Response:
    return await _move(request, live_id, user, session, runtime, lives.start_show)


@router.post("/console/live/{live_id}/end", response_class=HTMLResponse)
async def end(
    request: Request, live_id: ShowId, user: ConsoleUser, session: SessionDep, runtime: RuntimeDep
) -> Response:
    return await _move(request, live_id, user, session, runtime, lives.end_show)


# start_show or end_show: (session, show id, now, the caller's rooms) → the show.
Move = Callable[[Session, int, datetime, frozenset[str] | None], lives.ShowView]


async def _move(
    request: Request,
    live_id: int,
    user: ConsoleLogin,
    session: Session,
    runtime: Runtime,
    step: Move,
) -> Response:
    if user.principal.role not in ON_AIR:
        raise HTTPException(403, "只有运营和本场主播/场控可以开播或下播")
    await check_csrf(request, user.csrf_token)
    scope = lives.rooms_of(session, user.principal)
    try:
        step(session, live_id, runtime.clock.now(), scope)
    except lives.UnknownShow:
        raise HTTPException(404, "没有这场直播") from None
    except lives.LiveError as exc:
        return _show_page(
            request, user, session, runtime, live_id, error=str(exc), status=exc.status
        )
    return RedirectResponse(f"/console/live/{live_id}", status_code=303)
