"""Materials to share (分享素材): invites to the shows coming up (on air now, then soonest
first, read through the live facade) and posters of the products on sale, each with the
leader's own tracked link (``portal.links``); and the public pages those links land on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from liveloop.access.service import Principal
from liveloop.commerce import service as commerce
from liveloop.live import service as lives
from liveloop.portal import links, posters
from liveloop.portal.acting import acting_leader
from liveloop.portal.contracts import LinkKind, UnknownLink

SHOWS_SHOWN = 10
PRODUCTS_A_PAGE = 12
# A show scheduled this long ago and not started yet is still worth an invite.
LATE_START = timedelta(hours=2)


@dataclass(frozen=True)
class LiveInvite:
    show: lives.ShowView
    room_name: str
    on_air: bool
    link: links.LinkView


@dataclass(frozen=True)
class ProductPoster:
    sku: str
    name: str
    category: str
    price: Decimal
    link: links.LinkView


@dataclass(frozen=True)
class Materials:
    invites: tuple[LiveInvite, ...]
    posters: tuple[ProductPoster, ...]
    page: int
    pages: int


def upcoming_shows(session: Session, now: datetime) -> list[lives.ShowView]:
    """Shows on air now, then those scheduled from a little before ``now`` on, soonest first."""
    on_air = lives.list_shows(session, status="live", limit=SHOWS_SHOWN, soonest_first=True)
    coming = lives.list_shows(
        session,
        status="scheduled",
        since=now - LATE_START,
        limit=SHOWS_SHOWN,
        soonest_first=True,
    )
    return [*on_air, *coming][:SHOWS_SHOWN]


def materials_of(session: Session, viewer: Principal, now: datetime, *, page: int = 1) -> Materials:
    """The leader's invites and posters, their links made on first sight (and kept)."""
    leader = acting_leader(session, viewer)
    rooms = {r.code: r.name for r in lives.list_rooms(session)}
    invites = tuple(
        LiveInvite(
            show=show,
            room_name=rooms.get(show.room, show.room),
            on_air=show.status == "live",
            link=links.share_link(
                session, leader=leader.code, kind=LinkKind.LIVE, target=str(show.id), at=now
            ),
        )
        for show in upcoming_shows(session, now)
    )
    products = commerce.list_products(session, active=True, page=page, page_size=PRODUCTS_A_PAGE)
    found = tuple(
        ProductPoster(
            sku=p.sku,
            name=p.name,
            category=p.category,
            price=p.price,
            link=links.share_link(
                session, leader=leader.code, kind=LinkKind.PRODUCT, target=p.sku, at=now
            ),
        )
        for p in products.rows
    )
    pages = max(1, -(-products.total // PRODUCTS_A_PAGE))
    return Materials(invites, found, products.page, pages)


def poster_of(session: Session, viewer: Principal, token: str, *, base_url: str, brand: str) -> str:
    """The SVG poster of one of the leader's product links (another leader's: unknown)."""
    leader = acting_leader(session, viewer)
    link = links.link_of(session, token, leader=leader.code)
    if link.kind != LinkKind.PRODUCT:
        raise UnknownLink("这个链接不是商品海报 (not a product link)")
    product = commerce.product(session, link.target)
    if product is None:
        raise UnknownLink("商品已不存在 (no such product)")
    return posters.product_poster(
        brand=brand,
        name=product.name,
        price=product.price,
        leader_name=leader.name,
        url=base_url.rstrip("/") + link.path,
    )


def landing_show(session: Session, show_id: int) -> lives.ShowView:
    """A show a link may land on: on air or coming up (an ended or cancelled one is gone)."""
    try:
        show = lives.get_show(session, show_id)
    except lives.UnknownShow:
        raise UnknownLink("直播不存在 (no such show)") from None
    if show.status not in ("scheduled", "live"):
        raise UnknownLink("这场直播已结束 (the show is over)")
    return show


def landing_product(session: Session, sku: str) -> commerce.CatalogEntry:
    found = commerce.products_by_sku(session, [sku], active_only=True).get(sku)
    if found is None:
        raise UnknownLink("商品已下架 (the product is not on sale)")
    return found
