"""The demo brand's live rooms and its next weekly show, set up through live's facade.

Rooms: 官方直播间 (our own H5/小程序 room, where the simulated lives aired), 视频号直播间 and
企业微信直播间 (its connector names the anchor; the secret stays in a setting). The next
每周三晚8点 主食健康课 is scheduled in 官方直播间 with a shelf of the catalog's staples at live
prices (below list), a 满99减10 coupon and a 福袋 prepared. Idempotent: run on every demo start,
it adds what is missing and leaves what is there, so a restarted demo has its next show.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.live import service as lives
from liveloop.live.contracts import LivePlatform, OfferKind

ROOMS: tuple[tuple[str, str, LivePlatform, dict[str, str], str | None], ...] = (
    ("main", "官方直播间", LivePlatform.OWN_H5, {}, None),
    ("channels", "视频号直播间", LivePlatform.WECHAT_CHANNELS, {"finder_id": "sph-hegu"}, None),
    (
        "wecom",
        "企业微信直播间",
        LivePlatform.WECOM_LIVING,
        {"anchor_userid": "XiaoHe"},
        "LIVELOOP_WECOM_LIVING_SECRET",
    ),
)
WEEKLY_TITLE = "每周三晚8点 主食健康课"
SERIES = "主食健康课"
SHELF = (  # sku, live price (list price in the catalog), allocated stock
    ("RICE-JING-5KG", Decimal("79.90"), 300),  # 89.90
    ("GRAIN-MIX-1KG", Decimal("32.90"), 200),  # 39.90
    ("OAT-1KG", Decimal("39.90"), 200),  # 45.80
    ("BUCKWHEAT-NOODLE", Decimal("29.90"), 150),  # 36.00
    ("MILLET-1KG", Decimal("24.90"), 150),  # 29.90
    ("SALT-LOW", Decimal("7.90"), 300),  # 9.90
)
COUPON = commerce.TemplateSpec(
    code="LIVE-STAPLE-10",
    name="直播专享 满99减10",
    kind="fixed",
    amount=Decimal("10.00"),
    threshold=Decimal("99.00"),
    valid_hours=48,
    per_person_limit=1,
    total_limit=2000,
)
OFFERS = (
    lives.OfferSpec(
        kind=OfferKind.COUPON,
        title="直播专享 满99减10",
        quantity=500,
        coupon_template=COUPON.code,
    ),
    lives.OfferSpec(
        kind=OfferKind.LUCKY_BAG,
        title="主食健康课福袋",
        quantity=10,
        prize_sku="OAT-1KG",
        conditions=lives.OfferConditions(comment_keyword="主食健康", watch_minutes=5),
    ),
)


def ensure_rooms(session: Session, now: datetime) -> None:
    have = {room.code for room in lives.list_rooms(session)}
    for code, name, platform, connector, secret_ref in ROOMS:
        if code not in have:
            lives.create_room(
                session,
                code=code,
                name=name,
                platform=platform,
                now=now,
                connector=connector,
                secret_ref=secret_ref,
            )


def ensure_offers(session: Session, now: datetime) -> None:
    """The coupon template the shows' prepared offers hand out."""
    if not commerce.has_coupon_template(session, COUPON.code):
        commerce.create_template(session, COUPON, now)


def next_wednesday_evening(now: datetime, tz: ZoneInfo) -> datetime:
    """The next Wednesday 20:00 in the brand's zone that is still ahead of ``now``."""
    local = now.astimezone(tz)
    day = local.date() + timedelta(days=(2 - local.weekday()) % 7)
    starts = datetime(day.year, day.month, day.day, 20, 0, tzinfo=tz)
    return starts if starts > now else starts + timedelta(days=7)


def prepare_next_show(session: Session, now: datetime, tz: ZoneInfo) -> lives.ShowView:
    """The next weekly show in 官方直播间, scheduled with its shelf and offers if missing."""
    ensure_rooms(session, now)
    starts = next_wednesday_evening(now, tz)
    for show in lives.list_shows(
        session, room="main", since=starts, until=starts + timedelta(minutes=1)
    ):
        if show.status != "cancelled":
            return show
    ensure_offers(session, now)
    show = lives.schedule_show(
        session,
        lives.ShowSpec(
            room="main",
            title=WEEKLY_TITLE,
            series=SERIES,
            scheduled_at=starts,
            host="小禾",
            controllers=("阿鲜",),
            planned_minutes=90,
            audience=lives.AudienceRule(early_entry_tier="银卡", early_minutes=15),
        ),
        now,
    )
    known = commerce.products_by_sku(session, [sku for sku, _, _ in SHELF], active_only=True)
    lives.set_shelf(
        session,
        show.id,
        [lives.ShelfItemSpec(sku, price, stock) for sku, price, stock in SHELF if sku in known],
    )
    lives.set_offers(session, show.id, list(OFFERS), now)
    lives.set_costs(session, show.id, {"主播费": Decimal("800.00"), "投流": Decimal("500.00")})
    return show
