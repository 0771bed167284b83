"""The FastAPI app: its routers, middleware and the background work its lifespan runs (built by
``liveloop.bootstrap``)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from liveloop import __version__, bootstrap, errors
from liveloop.almanac.api import router as calendar_router
from liveloop.analytics.api import router as analytics_router
from liveloop.campaigns.api import router as campaigns_router
from liveloop.channels import api as channels_api
from liveloop.clock import Clock
from liveloop.commerce.api import orders_router, products_router
from liveloop.commerce.api import router as coupons_router
from liveloop.commission.api import router as commission_router
from liveloop.community.api import router as community_router
from liveloop.config import Settings, get_settings
from liveloop.console import routes as console
from liveloop.content.api import router as content_router
from liveloop.groupbuy.api import router as groupbuy_router
from liveloop.guides.api import router as guide_tasks_router
from liveloop.identity.api import router as identity_router
from liveloop.ingest import api as ingest
from liveloop.inventory.api import router as inventory_router
from liveloop.journeys.api import router as journeys_router
from liveloop.live.api import actions_router as live_actions_router
from liveloop.live.api import rooms_router as live_rooms_router
from liveloop.live.api import router as live_router
from liveloop.live.api import scripts_router as live_scripts_router
from liveloop.live.api import shows_router as live_shows_router
from liveloop.live.api import stream_router as live_stream_router
from liveloop.live.api import webhook_router as live_webhook_router
from liveloop.loyalty.api import router as loyalty_router
from liveloop.metrics import Metrics, MetricsMiddleware
from liveloop.payments.api import router as payments_router
from liveloop.portal.api import router as portal_router
from liveloop.presale.api import router as presale_router
from liveloop.profiles.api import router as profiles_router
from liveloop.profiles.api import rules_router as tag_rules_router
from liveloop.runtime import Runtime
from liveloop.segments.api import router as segments_router
from liveloop.subscriptions.api import memberships_router
from liveloop.subscriptions.api import router as subscriptions_router
from liveloop.system_api import router as system_router
from liveloop.ugc.api import router as ugc_router
from liveloop.web.api_keys import router as access_router
from liveloop.web.openapi import declare_errors

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None, *, runtime: Runtime | None = None, clock: Clock | None = None
) -> FastAPI:
    """Build the app. Pass ``runtime`` to share a store with a test; otherwise one is opened
    (and migrated) from ``settings``."""
    settings = settings or (runtime.settings if runtime else get_settings())
    runtime = bootstrap.wire(runtime or bootstrap.open_runtime(settings, clock))
    work = bootstrap.start_work(runtime)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.run_workers:
            work.start()
        try:
            yield
        finally:
            if settings.run_workers:
                work.stop()
            event_writer.close()

    app = FastAPI(
        title="liveloop",
        version=__version__,
        description="回头客引擎 — capture, OneID, profiles, segments, journeys, live console.",
        lifespan=lifespan,
        docs_url=None,  # served below from the npm package, so /docs works offline
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.state.metrics = Metrics(runtime.sessions)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    errors.install(app)
    declare_errors(app)
    app.include_router(system_router)
    app.include_router(access_router)
    app.include_router(profiles_router)
    app.include_router(tag_rules_router)
    app.include_router(identity_router)
    app.include_router(analytics_router)
    app.include_router(live_router)
    app.include_router(live_actions_router)
    app.include_router(live_shows_router)
    app.include_router(live_rooms_router)
    app.include_router(live_scripts_router)
    app.include_router(live_stream_router)
    app.include_router(content_router)
    app.include_router(segments_router)
    app.include_router(channels_api.router)
    app.include_router(coupons_router)
    app.include_router(groupbuy_router)
    app.include_router(inventory_router)
    app.include_router(community_router)
    app.include_router(commission_router)
    app.include_router(ugc_router)
    app.include_router(portal_router)
    app.include_router(presale_router)
    app.include_router(orders_router)
    app.include_router(loyalty_router)
    app.include_router(subscriptions_router)
    app.include_router(memberships_router)
    app.include_router(payments_router)
    app.include_router(products_router)
    app.include_router(guide_tasks_router)
    app.include_router(journeys_router)
    app.include_router(calendar_router)
    app.include_router(campaigns_router)
    event_writer = ingest.mount(app, runtime)
    app.include_router(live_webhook_router)
    console.mount(app, settings)
    _mount_docs(app)
    return app


SWAGGER_UI = "/static/vendor/swagger-ui"


def _mount_docs(app: FastAPI) -> None:
    """Swagger UI for the OpenAPI document, its script and style from swagger-ui-dist (installed
    through package.json like the console's libraries), never from a CDN."""

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — API",
            swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
        )
