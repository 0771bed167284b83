"""What the rooms, shows and shelf tests share: a little catalog with a coupon template, the
brand's room, a show scheduled the next evening, and API keys by role."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from liveloop.access.contracts import Role
from liveloop.access.service import create_api_key
from liveloop.commerce.service import ProductSpec, TemplateSpec, create_template, upsert_product
from liveloop.live import service as lives
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction

RICE = ProductSpec("RICE-5KG", "五常大米 5kg", "主食", Decimal("59.90"), 365)
NOODLE = ProductSpec("NOODLE-1KG", "荞麦面 1kg", "主食", Decimal("29.90"), 365)
OATS = ProductSpec("OATS-1KG", "燕麦片 1kg", "早餐", Decimal("39.90"), 365)


def seed_catalog(runtime: Runtime) -> None:
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session:
        for spec in (RICE, NOODLE, OATS):
            upsert_product(session, spec, now)
        create_template(
            session,
            TemplateSpec(
                code="LIVE10",
                name="直播间满99减10",
                kind="fixed",
                amount=Decimal("10"),
                threshold=Decimal("99"),
                valid_days=7,
                total_limit=500,
            ),
            now,
        )
        create_template(
            session,
            TemplateSpec(
                code="OFF",
                name="停用券",
                kind="fixed",
                amount=Decimal("5"),
                valid_days=7,
                active=False,
            ),
            now,
        )


def seed_room(runtime: Runtime, code: str = "main", name: str = "官方直播间") -> None:
    with transaction(runtime.sessions) as session:
        lives.create_room(session, code=code, name=name, platform="own_h5", now=runtime.clock.now())


def schedule(
    runtime: Runtime,
    *,
    room: str = "main",
    in_hours: float = 8,
    host: str | None = "xiaohe",
    controllers: tuple[str, ...] = (),
    title: str = "主食健康课",
) -> lives.ShowView:
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session:
        return lives.schedule_show(
            session,
            lives.ShowSpec(
                room=room,
                title=title,
                series="主食健康课",
                scheduled_at=now + timedelta(hours=in_hours),
                host=host,
                controllers=controllers,
                planned_minutes=90,
            ),
            now,
        )


def keys(runtime: Runtime, *names: tuple[str, Role]) -> dict[str, dict[str, str]]:
    """Bearer headers by key name; a host's key is named after their username."""
    headers = {}
    with transaction(runtime.sessions) as session:
        for name, role in names:
            _, key = create_api_key(session, name, role, runtime.clock.now())
            headers[name] = {"Authorization": f"Bearer {key}"}
    return headers


def at(runtime: Runtime, hours: float) -> datetime:
    return runtime.clock.now() + timedelta(hours=hours)
