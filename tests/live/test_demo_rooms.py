"""The demo brand's rooms and its next weekly show: 每周三晚8点 主食健康课 in 官方直播间 with
catalog staples at live prices below list, a coupon and a 福袋 prepared; set up once however
often the demo starts."""

from __future__ import annotations

from datetime import datetime

from liveloop.commerce.service import ProductSpec, upsert_product
from liveloop.live import service as lives
from liveloop.sim.catalog import CATALOG
from liveloop.sim.rooms import prepare_next_show
from liveloop.store.engine import transaction


def test_the_demo_has_rooms_and_its_next_weekly_show_ready(runtime):
    now, tz = runtime.clock.now(), runtime.settings.tz
    with transaction(runtime.sessions) as session:
        for s in CATALOG:
            upsert_product(
                session, ProductSpec(s.sku, s.name, s.category, s.price, s.shelf_life_days), now
            )
        show = prepare_next_show(session, now, tz)
    with transaction(runtime.sessions) as session:
        again = prepare_next_show(session, now, tz)
        rooms = {r.code: (r.name, r.platform.value) for r in lives.list_rooms(session)}
        shelf = lives.shelf_of(session, show.id)
        offers = lives.offers_of(session, show.id)
        shows = lives.list_shows(session)
    assert again.id == show.id and len(shows) == 1
    assert rooms == {
        "main": ("官方直播间", "own_h5"),
        "channels": ("视频号直播间", "wechat_channels"),
        "wecom": ("企业微信直播间", "wecom_living"),
    }
    assert show.scheduled_at.astimezone(tz) == datetime(2026, 11, 25, 20, 0, tzinfo=tz)
    assert (show.title, show.series, show.room) == ("每周三晚8点 主食健康课", "主食健康课", "main")
    assert len(shelf) == 6 and all(0 < i.live_price < i.list_price for i in shelf)
    assert [o.kind for o in offers] == ["coupon", "lucky_bag"]
