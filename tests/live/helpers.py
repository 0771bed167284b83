"""A show on air with a product and a coupon template, for the action tests."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from liveloop.commerce.service import (
    ProductSpec,
    TemplateSpec,
    create_template,
    product,
    upsert_product,
)
from liveloop.live import service as lives
from liveloop.live.models import LiveSession, LiveStatus
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction

SKU = "SKU-OAT-1KG"
COUPON = "LIVE10"


def show_on_air(runtime: Runtime, *, room: str = "main", platform: str = "own_h5") -> int:
    """A show in ``room`` that went on air ten minutes ago (piece B's start is not on main
    yet, so the status is set on the row)."""
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session:
        if product(session, SKU) is None:
            upsert_product(
                session, ProductSpec(SKU, "高纤燕麦米 1kg", "grain", Decimal("39.90"), 365), now
            )
            create_template(
                session,
                TemplateSpec(
                    code=COUPON,
                    name="直播专享10元",
                    kind="fixed",
                    amount=Decimal("10"),
                    valid_days=7,
                ),
                now,
            )
        live_id = lives.schedule_live(
            session, room=room, title="主食健康课", host="host01", scheduled_at=now
        )
        show = session.get(LiveSession, live_id)
        show.status, show.platform = LiveStatus.LIVE, platform
        show.started_at = now - timedelta(minutes=10)
    return live_id
