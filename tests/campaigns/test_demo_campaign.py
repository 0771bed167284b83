"""The demo brand schedules the coming 冬至 饺子专场, once, in the first room free that evening."""

from __future__ import annotations

from datetime import UTC, datetime

from liveloop import demo
from liveloop.campaigns import service as campaigns
from liveloop.commerce.service import ProductSpec, upsert_product
from liveloop.live import service as lives
from liveloop.sim.catalog import CATALOG
from liveloop.sim.rooms import ensure_rooms
from liveloop.store.engine import transaction


def _catalog(runtime):
    """The demo brand's products (the weekly show's shelf and the 冬至 shelf come from them)."""
    with transaction(runtime.sessions) as session:
        for sku in CATALOG:
            spec = ProductSpec(
                sku.sku, sku.name, sku.category, sku.price, sku.shelf_life_days, sku.cold_chain
            )
            upsert_product(session, spec, runtime.clock.now())


def _campaigns(runtime):
    with transaction(runtime.read_sessions) as session:
        return campaigns.list_campaigns(session, tz=runtime.settings.tz)


def test_the_demo_schedules_the_coming_dongzhi_once(runtime):
    runtime.clock.current = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    _catalog(runtime)
    demo._next_show(runtime)
    demo._next_show(runtime)  # a restarted demo
    (campaign,) = _campaigns(runtime)
    assert (campaign.name, campaign.year, campaign.show_room) == ("冬至 饺子专场", 2026, "main")
    assert campaign.journey_status == "active"
    with transaction(runtime.read_sessions) as session:
        shelf = [item.name for item in lives.shelf_of(session, campaign.show_id or 0)]
    assert "黑猪五花肉 1kg" in shelf and "山西老陈醋 500ml" in shelf


def test_the_demo_campaign_moves_to_a_free_room_when_main_is_taken(runtime):
    runtime.clock.current = datetime(2027, 12, 1, 6, 0, tzinfo=UTC)
    with transaction(runtime.sessions) as session:
        ensure_rooms(session, runtime.clock.now())
        lives.schedule_show(
            session,
            lives.ShowSpec(
                room="main",
                title="冬至夜话",
                scheduled_at=datetime(2027, 12, 22, 11, 0, tzinfo=UTC),
                planned_minutes=120,
            ),
            runtime.clock.now(),
        )
    demo._calendar_campaign(runtime)
    (campaign,) = _campaigns(runtime)
    assert (campaign.year, campaign.show_room) == (2027, "channels")
