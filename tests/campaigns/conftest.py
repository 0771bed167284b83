"""A brand with a live room, a few products and the journeys engine, for campaign tests."""

from __future__ import annotations

from decimal import Decimal

import pytest

from liveloop.commerce.service import ProductSpec, upsert_product
from liveloop.live import service as lives
from liveloop.store.engine import transaction
from tests.journeys.conftest import World, build_world

PRODUCTS = (
    ProductSpec("PORK-BELLY", "黑猪五花肉 1kg", "生鲜蛋品", Decimal("88.00"), 180, True),
    ProductSpec("VINEGAR-500", "山西老陈醋 500ml", "调味品", Decimal("15.90"), 720, False),
    ProductSpec("MILK-1", "鲜牛奶 1L", "乳品", Decimal("29.90"), 7, True),
)


def seed_brand(world: World) -> World:
    now = world.clock.now()
    with transaction(world.runtime.sessions) as session:
        for spec in PRODUCTS:
            upsert_product(session, spec, now)
        lives.create_room(session, code="main", name="官方直播间", platform="own_h5", now=now)
    return world


@pytest.fixture
def brand(runtime) -> World:
    return seed_brand(build_world(runtime))


@pytest.fixture
def store_brand(store_runtime) -> World:
    return seed_brand(build_world(store_runtime))
