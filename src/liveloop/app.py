"""Composition root: builds the runtime, the FastAPI app, its routers, middleware and workers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from liveloop import __version__, errors
from liveloop.access.api import router as access_router
from liveloop.analytics.api import router as analytics_router
from liveloop.analytics.schedule import Scheduler
from liveloop.channels import api as channels_api
from liveloop.channels import service as channels
from liveloop.clock import Clock
from liveloop.commerce.api import router as coupons_router
from liveloop.config import Settings, get_settings
from liveloop.console import routes as console
from liveloop.guides.api import router as guide_tasks_router
from liveloop.identity.api import router as identity_router
from liveloop.ingest import api as ingest
from liveloop.journeys import service as journeys
from liveloop.journeys.api import router as journeys_router
from liveloop.live.api import router as live_router
from liveloop.metrics import Metrics, MetricsMiddleware
from liveloop.profiles import consumer as profiles_consumer
from liveloop.profiles.api import router as profiles_router
from liveloop.profiles.api import rules_router as tag_rules_router
from liveloop.profiles.service import PROFILES_CONSUMER
from liveloop.runtime import Runtime
from liveloop.segments.api import router as segments_router
from liveloop.store.engine import transaction
from liveloop.store.worker import Task, Worker
from liveloop.system_api import router as system_router

log = logging.getLogger(__name__)


def subscribe_consumers(runtime: Runtime) -> None:
    """Every event-log consumer the process runs (idempotent per runtime)."""
    if PROFILES_CONSUMER not in runtime.consumers:
        profiles_consumer.subscribe(runtime.consumers, runtime.settings.tz)
    journeys.attach(runtime)
    channels.register(runtime.outbox, runtime)
    runtime.add_task(Task("segment-refresh", _refresh_segments, every=timedelta(minutes=5)))
    runtime.add_task(Task("coupon-expiry", _expire_coupons, every=timedelta(minutes=10)))


def _refresh_segments(factory: sessionmaker[Session], clock: Clock) -> int:
    """Saved segments' memberships (and their Entered/Exited events), every few minutes."""
    from liveloop.segments.service import refresh_each

    changes = refresh_each(factory, clock.now())
    return sum(change.entered + change.exited for change in changes.values())


def _expire_coupons(factory: sessionmaker[Session], clock: Clock) -> int:
    from liveloop.commerce.coupons import expire_coupons

    with transaction(factory) as session:
        return expire_coupons(session, clock.now())


def create_app(
    settings: Settings | None = None, *, runtime: Runtime | None = None, clock: Clock | None = None
) -> FastAPI:
    """Build the app. Pass ``runtime`` to share a store with a test; otherwise one is opened
    (and migrated) from ``settings``."""
    settings = settings or (runtime.settings if runtime else get_settings())
    runtime = runtime or Runtime.open(settings, clock)
    subscribe_consumers(runtime)
    worker = Worker(
        runtime.sessions,
        runtime.clock,
        runtime.consumers,
        runtime.outbox,
        settings.worker_poll_seconds,
        runtime.tasks,
    )
    scheduler = Scheduler(runtime)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.run_workers:
            worker.start()
            if settings.analytics_schedule:
                scheduler.start()
        try:
            yield
        finally:
            scheduler.stop()
            worker.stop()
            event_writer.close()

    app = FastAPI(
        title="liveloop",
        version=__version__,
        description="回头客引擎 — capture, OneID, profiles, segments, journeys, live console.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.metrics = Metrics(runtime.sessions)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    errors.install(app)
    app.include_router(system_router)
    app.include_router(access_router)
    app.include_router(profiles_router)
    app.include_router(tag_rules_router)
    app.include_router(identity_router)
    app.include_router(analytics_router)
    app.include_router(live_router)
    app.include_router(segments_router)
    app.include_router(channels_api.router)
    app.include_router(coupons_router)
    app.include_router(guide_tasks_router)
    app.include_router(journeys_router)
    event_writer = ingest.mount(app, runtime)
    console.mount(app, settings)
    return app
