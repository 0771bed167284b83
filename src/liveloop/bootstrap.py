"""The one composition of a process: its runtime and its background work.

Every kind of process is built here — ``liveloop serve`` (``app.create_app``), ``liveloop
worker``, ``liveloop demo`` and the test fixtures:

- ``open_runtime`` connects to the configured store (migrating it first) with a clock;
- ``wire`` asks each domain's ``jobs`` module to declare its consumers, periodic tasks, outbox
  senders and background threads on the runtime — once, however often it is called;
- ``start_work`` runs that work (all of it, or only some kinds) until stopped.

A domain declares its background work in its own ``jobs`` module and nowhere else.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy.orm import Session

from liveloop import errors, schema
from liveloop.analytics import jobs as analytics_jobs
from liveloop.analytics import service as analytics_service
from liveloop.channels import jobs as channels_jobs
from liveloop.clock import Clock
from liveloop.commerce import jobs as commerce_jobs
from liveloop.commission import jobs as commission_jobs
from liveloop.community import jobs as community_jobs
from liveloop.config import Settings
from liveloop.content import jobs as content_jobs
from liveloop.groupbuy import jobs as groupbuy_jobs
from liveloop.guides import service as guides_service
from liveloop.identity import jobs as identity_jobs
from liveloop.identity import service as identity_service
from liveloop.ingest import jobs as ingest_jobs
from liveloop.journeys import jobs as journeys_jobs
from liveloop.live import jobs as live_jobs
from liveloop.live import service as live_service
from liveloop.loyalty import jobs as loyalty_jobs
from liveloop.payments import jobs as payments_jobs
from liveloop.portal import jobs as portal_jobs
from liveloop.presale import jobs as presale_jobs
from liveloop.runtime import Runtime
from liveloop.segments import jobs as segments_jobs
from liveloop.store.consumers import Consumers
from liveloop.store.worker import Worker
from liveloop.subscriptions import jobs as subscriptions_jobs
from liveloop.ugc import service as ugc_service

log = logging.getLogger(__name__)

# Importing these facades hands lower layers what only higher ones know: profiles the 360
# view's readers of identifiers and scores and the counters' record of live attendance, access
# the guide's row scope; named here so every process has them, whatever else it imports.
READERS = (identity_service, analytics_service, live_service, guides_service)

# The kinds of background work a process can run (``liveloop worker --only …``).
CONSUMERS: Final = "consumers"
TASKS: Final = "tasks"
OUTBOX: Final = "outbox"
ANALYTICS: Final = "analytics"
LIVE: Final = "live"  # live's stream feed (the event log into each room's console frames)
WORK_KINDS: Final = (CONSUMERS, TASKS, OUTBOX, ANALYTICS, LIVE)


def open_runtime(
    settings: Settings, clock: Clock | None = None, *, upgrade: bool = True
) -> Runtime:
    """Connect to the configured store, migrating it to the latest schema first; from here on
    the process's log lines carry no personal data (``errors.redact_logs``)."""
    errors.redact_logs()
    runtime = Runtime.connect(settings, clock)
    if upgrade:
        schema.upgrade(runtime.engine)
    return runtime


def wire(runtime: Runtime, *, adapters: Mapping[str, Any] | None = None) -> Runtime:
    """Every domain's background work, declared on ``runtime`` (idempotent). ``adapters``
    replaces the channel adapters built from the settings (tests)."""
    identity_jobs.register(runtime)
    ingest_jobs.register(runtime)
    journeys_jobs.register(runtime)
    channels_jobs.register(runtime, adapters=adapters)
    segments_jobs.register(runtime)
    loyalty_jobs.register(runtime)
    commerce_jobs.register(runtime)
    groupbuy_jobs.register(runtime)
    community_jobs.register(runtime)
    portal_jobs.register(runtime)
    commission_jobs.register(runtime)
    presale_jobs.register(runtime)
    payments_jobs.register(runtime)
    subscriptions_jobs.register(runtime)
    analytics_jobs.register(runtime)
    live_jobs.register(runtime, badges=live_badges)
    content_jobs.register(runtime)
    return runtime


def live_badges(session: Session, customer_ids: Collection[int]) -> dict[int, Any]:
    """The live room's badges: the profile's (tier, KOC, the last order), the RFM group the
    latest analytics run gave (RFM's VIP group is a VIP badge) and the KOC score's recognition
    (``ugc.service.kocs_among``)."""
    groups = analytics_service.rfm_groups_of(session, customer_ids)
    kocs = ugc_service.kocs_among(session, customer_ids)
    return {
        customer: dataclasses.replace(
            badge,
            rfm_group=groups.get(customer),
            vip=badge.vip or groups.get(customer) == "VIP",
            koc=badge.koc or customer in kocs,
        )
        for customer, badge in live_service.profile_badges(session, customer_ids).items()
    }


@dataclass
class Work:
    """The background work of one process: a worker thread (consumers, tasks, outbox) and the
    runtime's background threads (the analytics schedule)."""

    runtime: Runtime
    kinds: frozenset[str]
    worker: Worker
    threads: list[Any] = field(default_factory=list)

    def start(self) -> None:
        self.worker.start()
        for thread in self.threads:
            thread.start()

    def run(self) -> None:
        """Work in this thread until ``stop`` (the background threads run beside it)."""
        for thread in self.threads:
            thread.start()
        try:
            self.worker.run()
        finally:
            self._stop_threads()

    def stop(self, timeout: float = 10.0) -> None:
        self.worker.stop(timeout)
        self._stop_threads(timeout)

    def _stop_threads(self, timeout: float = 10.0) -> None:
        for thread in self.threads:
            thread.stop(timeout)


def start_work(
    runtime: Runtime, kinds: Iterable[str] = WORK_KINDS, *, poll_seconds: float | None = None
) -> Work:
    """The work of ``kinds`` (see ``WORK_KINDS``) over a wired runtime, not yet started. Each
    background thread runs with its kind; the analytics schedule only where the settings allow
    it."""
    chosen = frozenset(kinds)
    unknown = chosen - set(WORK_KINDS)
    if unknown:
        raise ValueError(f"unknown kinds of work: {', '.join(sorted(unknown))}")
    worker = Worker(
        runtime.sessions,
        runtime.clock,
        runtime.consumers if CONSUMERS in chosen else Consumers(),
        runtime.outbox,
        runtime.settings.worker_poll_seconds if poll_seconds is None else poll_seconds,
        runtime.tasks if TASKS in chosen else [],
        drain_outbox=OUTBOX in chosen,
    )
    threads = [
        thread
        for thread in runtime.threads
        if thread.kind in chosen
        and (thread.kind != ANALYTICS or runtime.settings.analytics_schedule)
    ]
    return Work(runtime, chosen, worker, threads)
