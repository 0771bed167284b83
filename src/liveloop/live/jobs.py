"""Live's background work: the ``live-action`` outbox sender (an action to its room's
connector), the pull of platform shows that ended (``live-platform-pulls``, every minute), the
retention purge (``live-retention``, every 6 hours), each ended show's post-live report (the
``live-reports`` consumer, following the profiles consumer) and the stream feed
(``register_feed``), a thread of the ``live`` kind of work that tails the event log into each
room's frame source and publishes their frames for the host console's SSE."""

from __future__ import annotations

import logging
from datetime import timedelta
from weakref import WeakKeyDictionary

from sqlalchemy.orm import Session, sessionmaker

from liveloop.clock import Clock
from liveloop.live import actions, platform_shows, reports, retention
from liveloop.live.alert_rules import alert_rules_of
from liveloop.live.connectors.base import DeliveryResult, Refused, Registry
from liveloop.live.connectors.own_h5 import OwnH5Connector, WeChatChannelsConnector
from liveloop.live.scripts import scripts_for_room
from liveloop.live.shelf import shelf_of
from liveloop.live.shows import current_show
from liveloop.live.stream.alerts import AlertRules
from liveloop.live.stream.bus import bus_for
from liveloop.live.stream.feed import Feed, FeedThread, FrameSource, SourceFactory
from liveloop.live.stream.llm_answers import AnswerDesk, Answering, ChatAnswerWriter
from liveloop.live.stream.people import Badges, KnownViewers, profile_badges
from liveloop.live.stream.processor import RoomProcessor
from liveloop.live.stream.refresh import Refreshed, RoomSettings
from liveloop.live.understand import warm_understanding
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from liveloop.store.outbox import Envelope, Outbox, PermanentFailure, Sender
from liveloop.store.worker import Task

log = logging.getLogger(__name__)

PULL_EVERY = timedelta(minutes=1)
PURGE_EVERY = timedelta(hours=6)
NO_CONNECTOR = "此平台没有接入连接器：请主播在平台中手动操作"

_registries: WeakKeyDictionary[Outbox, Registry] = WeakKeyDictionary()


def build_connectors(runtime: Runtime) -> Registry:
    """Our own H5 room and 视频号 always; 企业微信直播 when its corp id and secret are set."""
    registry = Registry()
    registry.register(OwnH5Connector())
    registry.register(WeChatChannelsConnector())
    settings = runtime.settings
    if settings.wecom_corp_id and settings.wecom_living_secret:
        from liveloop.live.connectors.wecom_living import (
            WeComLivingClient,
            WeComLivingConnector,
        )

        client = WeComLivingClient(
            settings.wecom_api_base,
            settings.wecom_corp_id,
            settings.wecom_living_secret.get_secret_value(),
        )
        registry.register(WeComLivingConnector(client))
    return registry


def register(
    runtime: Runtime, connectors: Registry | None = None, badges: Badges = profile_badges
) -> Registry:
    """Declare live's work on ``runtime`` (once, unless ``connectors`` replaces the registry
    ``build_connectors`` makes: tests). ``badges`` reads the viewers' badges (the composition
    root adds the RFM group)."""
    register_feed(runtime, processor_sources(runtime, badges), warm=True)
    known = _registries.get(runtime.outbox)
    if connectors is None and known is not None:
        return known
    registry = connectors if connectors is not None else build_connectors(runtime)
    runtime.outbox.register(
        actions.ACTION_KIND, action_sender(runtime.sessions, runtime.clock, registry)
    )

    def pull(factory: sessionmaker[Session], clock: Clock) -> int:
        return platform_shows.pull_due(factory, clock, registry)

    days = runtime.settings.live_retention_days

    def purge(factory: sessionmaker[Session], clock: Clock) -> int:
        with transaction(factory) as session:
            return retention.purge(session, clock.now(), days)

    runtime.tasks[:] = [t for t in runtime.tasks if not t.name.startswith("live-")]
    runtime.add_task(Task("live-platform-pulls", pull, every=PULL_EVERY))
    runtime.add_task(Task("live-retention", purge, every=PURGE_EVERY))
    reports.subscribe(runtime.consumers, shelf_of)
    _registries[runtime.outbox] = registry
    return registry


def action_sender(factory: sessionmaker[Session], clock: Clock, registry: Registry) -> Sender:
    """The ``live-action`` sender: the action to its room's connector, outside any
    transaction; the answer recorded after. A refusal is final (its reason kept on the
    action); anything else the outbox retries."""

    def send(envelope: Envelope) -> None:
        action_id = int(envelope.payload["action_id"])
        with transaction(factory) as session:
            found = actions.delivery_of(session, action_id)
        if found is None:
            raise PermanentFailure(f"live action {action_id} is not there")
        delivery, platform, status = found
        if status != "pending":
            return  # settled by an earlier attempt
        connector = registry.get(platform)
        result: DeliveryResult | str
        try:
            result = (
                connector.deliver(delivery)
                if connector is not None
                else DeliveryResult(delivered=False, note=NO_CONNECTOR)
            )
        except Refused as exc:
            with transaction(factory) as session:
                actions.record_delivery(session, action_id, exc.reason, clock.now())
            raise
        with transaction(factory) as session:
            actions.record_delivery(session, action_id, result, clock.now())

    return send


def processor_sources(runtime: Runtime, badges: Badges = profile_badges) -> SourceFactory:
    """The stream processor for each room the feed meets (made afresh at each ``Live
    Started``), with the room's alert rules, the shelf of its show on air and the operator's
    话术 library — read again every 15 s, so edits during a show reach it
    (``live.stream.refresh``) — its viewers looked up as people with their badges
    (``live.stream.people``), and, when an LLM endpoint is configured, its questions' answers
    written by it (``live.stream.llm_answers``)."""
    desk = answer_desk(runtime)

    def make(room: str) -> FrameSource:
        def read() -> RoomSettings:
            with runtime.read_sessions() as session:
                show = current_show(session, room)
                return RoomSettings(
                    rules=alert_rules_of(session, room),
                    shelf=shelf_of(session, show.id) if show is not None else [],
                    scripts=scripts_for_room(session),
                )

        try:
            first = read()
        except Exception:  # the default rules and no shelf beat no processor
            log.warning("live feed: room %s's settings could not be read", room, exc_info=True)
            first = RoomSettings()
        processor = RoomProcessor(room, rules=first.rules or AlertRules())
        known = KnownViewers(processor, runtime.read_sessions, badges)
        source = Refreshed(known, processor, read)
        source.refresh()
        return source if desk is None else Answering(room, source, processor, desk)

    return make


def answer_desk(runtime: Runtime) -> AnswerDesk | None:
    """The process's LLM answer desk when an endpoint is configured (declared once)."""
    settings = runtime.settings
    if settings.live_answer_llm_url is None or settings.live_answer_llm_model is None:
        return None
    for known in runtime.threads:
        if isinstance(known, AnswerDesk):
            return known
    key = settings.live_answer_llm_key
    desk = AnswerDesk(
        ChatAnswerWriter(
            settings.live_answer_llm_url,
            settings.live_answer_llm_model,
            key.get_secret_value() if key else None,
        )
    )
    runtime.add_thread(desk)
    return desk


def register_feed(
    runtime: Runtime,
    sources: SourceFactory,
    *,
    tick_seconds: float = 0.25,
    lease_seconds: float = 5.0,
    horizon: timedelta = timedelta(hours=6),
    warm: bool = False,
) -> FeedThread:
    """Declare the feed on ``runtime`` (once: a second call keeps the first). ``sources`` makes
    a room's frame source (``processor_sources``; tests pass ``live.stream.feed.Tally``)."""
    for known in runtime.threads:
        if isinstance(known, FeedThread):
            return known
    bus = bus_for(runtime)

    def make_feed() -> Feed:
        if warm:  # the comment reader trains once, before the first show's comments wait on it
            warm_understanding()
        return Feed(runtime.read_sessions, runtime.clock, bus, sources, horizon=horizon)

    thread = FeedThread(make_feed, bus, tick_seconds=tick_seconds, lease_seconds=lease_seconds)
    runtime.add_thread(thread)
    return thread
