"""Prometheus metrics: HTTP traffic per route, plus store gauges read at scrape time."""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liveloop.store.consumers import ConsumerCursor, ConsumerFailure
from liveloop.store.eventlog import last_event_id
from liveloop.store.outbox import OutboxMessage


class Metrics:
    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "liveloop_http_requests",
            "HTTP requests by route template, method and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "liveloop_http_request_seconds",
            "HTTP request latency by route template",
            ["method", "route"],
            registry=self.registry,
        )
        self.registry.register(_StoreCollector(factory))


class _StoreCollector(Collector):
    """Event-log size, consumer lag and outbox backlog, queried when Prometheus scrapes."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.factory() as session:
            head = last_event_id(session)
            lag = GaugeMetricFamily(
                "liveloop_consumer_lag_events", "Events not yet handled", labels=["consumer"]
            )
            for name, position in session.execute(
                select(ConsumerCursor.name, ConsumerCursor.position)
            ):
                lag.add_metric([name], head - position)
            failed = GaugeMetricFamily(
                "liveloop_consumer_failures", "Parked events by status", labels=["status"]
            )
            for status, count in session.execute(
                select(ConsumerFailure.status, func.count()).group_by(ConsumerFailure.status)
            ):
                failed.add_metric([status], count)
            outbox = GaugeMetricFamily(
                "liveloop_outbox_messages", "Outbox messages by status", labels=["status"]
            )
            for status, count in session.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            ):
                outbox.add_metric([status], count)
        yield GaugeMetricFamily("liveloop_event_log_head", "Highest event id", value=head)
        yield lag
        yield failed
        yield outbox


class MetricsMiddleware:
    """Counts requests by route *template* (never the raw path, which would leak ids)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            self.metrics.requests.labels(scope["method"], template, str(status)).inc()
            self.metrics.latency.labels(scope["method"], template).observe(
                time.perf_counter() - started
            )
