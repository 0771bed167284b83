"""``liveloop demo``: the demo brand (禾谷鲜生) built into the store through the real doors —
simulated people, orders and lives, OneID, analytics, the built-in journeys for the last week —
and a login that stays the same across restarts; while the console is served, a simulated show
runs in room ``main`` through the real signed webhook (``start_show``), so the host console moves.

The CLI parses and prints; this module does the work. Progress goes to a ``Stages`` reporter:
Rich's live display on a terminal, plain dated lines when the output is a file or a pipe (a
newcomer's ``make demo > log`` then shows what is happening instead of nothing for minutes).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from sqlalchemy.engine import make_url

from liveloop import bootstrap
from liveloop.access import service as access
from liveloop.access.contracts import Role
from liveloop.almanac import service as almanac
from liveloop.analytics.service import run_analytics
from liveloop.campaigns import service as campaigns
from liveloop.commerce import service as commerce
from liveloop.config import Settings
from liveloop.errors import DomainError
from liveloop.ingest import service as ingest
from liveloop.journeys.service import builtins, switch_on
from liveloop.live import service as lives
from liveloop.profiles.service import count_customers
from liveloop.runtime import Runtime
from liveloop.sim import commission, groupbuys, inventory, leaders, rooms, subscribers, ugc
from liveloop.sim.config import SimConfig
from liveloop.sim.load import LoadReport, load_simulation, load_state
from liveloop.sim.replay import OnAir, Webhook
from liveloop.sim.rooms import prepare_next_show
from liveloop.sim.shows import Show, ShowConfig
from liveloop.store.engine import transaction

DEMO_USER = "demo"
CAMPAIGN, CAMPAIGN_DAY = "dongzhi-dumplings", "冬至"  # the demo's calendar campaign
log = logging.getLogger(__name__)
SHOW_ROOM = "main"
SHOW_STOCK = 500  # each shelf product's live allocation in the running show
SHOW_SOURCE = "演示直播间"  # the live-platform source the demo's running show comes in through
JOURNEYS_SINCE = timedelta(days=7)
STAGES = (
    "模拟品牌数据 (simulating the demo brand)",
    "OneID: 统一身份识别 (resolving events to people)",
    "分析 (analytics: RFM, CLV, repurchase cycles, cohorts …)",
    "旅程 (journeys: welcome, cart, post-live follow-up …)",
)


class DemoRefused(Exception):
    """The store holds data that is not the demo's."""


@dataclass(frozen=True)
class Built:
    """What the build put in the store (``None`` fields when the demo was already there)."""

    people: int
    customers: int
    report: LoadReport | None


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str | None  # None: set at an earlier start and not kept here; reset to see one
    new: bool


class Stages:
    """Reports the build's stages: a live display on a terminal, plain lines elsewhere."""

    def __init__(self, console: Console, total: int = len(STAGES)) -> None:
        self.console, self.total, self.number = console, total, 0
        self.plain = not console.is_terminal

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.number += 1
        started = time.perf_counter()
        if self.plain:
            self._line(f"{name} …")
            yield
        else:
            with self.console.status(name):
                yield
        self._line(f"{name} done in {time.perf_counter() - started:.1f} s")

    @contextmanager
    def counted(self, name: str, total: int) -> Iterator[Callable[[int], None]]:
        """A stage that counts to ``total``; yields the callback to report ``done``."""
        if self.plain:
            step = max(1, total // 10)
            shown = [0]

            def report(done: int) -> None:  # a line each tenth of the way
                if done - shown[0] >= step or done == total:
                    shown[0] = done
                    self._line(f"{name} {done}/{total}")

            with self.stage(name):
                yield report
                return
        self.number += 1
        started = time.perf_counter()
        with Progress(console=self.console, transient=True) as progress:
            task = progress.add_task(name, total=total)
            yield lambda done: progress.update(task, completed=done)
        self._line(f"{name} done in {time.perf_counter() - started:.1f} s")

    def _line(self, text: str) -> None:
        self.console.print(f"[{self.number}/{self.total}] {text}", highlight=False)


def build(runtime: Runtime, config: SimConfig, stages: Stages) -> Built:
    """Load the demo brand unless it is there already; refuses a store holding other data."""
    with transaction(runtime.read_sessions) as session:
        state = load_state(session)
    if state == "other":
        raise DemoRefused("this store holds data that is not the demo's; use an empty store")
    if state == "done":
        _next_show(runtime)
        with transaction(runtime.read_sessions) as session:
            return Built(config.customers, count_customers(session), None)
    with stages.counted(STAGES[0], config.customers) as progress:
        report = load_simulation(runtime.sessions, config, runtime.clock.now(), progress=progress)
    with transaction(runtime.sessions) as session:
        # The built-in journeys, switched on for the last week of the simulation: people those
        # days' events let in are followed up as the worker catches up.
        now = runtime.clock.now()
        leaders.plant(session, now, runtime.settings.tz)  # 团长, 自提点, T+1 batches
        commission.plant(session, now, runtime.settings.tz, runtime.settings.after_sales_days)
        ugc.plant(session, now, runtime.settings.tz)  # 内容社区; KOC scores by the analytics run
        for key in builtins():
            switch_on(session, key, by=DEMO_USER, now=now, since=now - JOURNEYS_SINCE)
    bootstrap.wire(runtime)  # the payment gateway the buyers below pay through
    groupbuys.plant(runtime, now)  # 拼团 and 预售, paid; closed and refunded by the tasks below
    with transaction(runtime.sessions) as session:
        # 周期购 and 醋文化会员 with a little history, for the console's 订阅 page.
        subscribers.plant(session, runtime.clock.now(), runtime.settings.tz)
        inventory.plant(session, runtime.clock.now(), runtime.settings.tz)  # 仓库 and lots
    with stages.stage(STAGES[1]):
        bootstrap.wire(runtime)
        runtime.consumers.run_until_idle(runtime.sessions, runtime.clock)
    with stages.stage(STAGES[2]):
        run_analytics(runtime, kind="full")
    with stages.stage(STAGES[3]):
        runtime.run_tasks_until_idle()
        runtime.outbox.drain_until_idle(runtime.sessions, runtime.clock)
    _next_show(runtime)
    with transaction(runtime.read_sessions) as session:
        customers = count_customers(session)
    return Built(config.customers, customers, report)


def _next_show(runtime: Runtime) -> None:
    """The rooms and the next weekly show (每周三晚8点 主食健康课) with its shelf and offers,
    and the coming 冬至's campaign (营销日历)."""
    with transaction(runtime.sessions) as session:
        prepare_next_show(session, runtime.clock.now(), runtime.settings.tz)
    _calendar_campaign(runtime)


def _calendar_campaign(runtime: Runtime) -> None:
    """The coming 冬至 饺子专场 (its show and its journey), scheduled once per year: in the
    first room free that evening; skipped with a line in the log when none is, or when it is
    too late for this year's (the show's time is past)."""
    tz, now = runtime.settings.tz, runtime.clock.now()
    with transaction(runtime.read_sessions) as session:
        today = now.astimezone(tz).date()
        coming = almanac.next_day(session, CAMPAIGN_DAY, today - timedelta(days=1), tz=tz)
    if coming is None:
        return
    for room in rooms.ROOMS:
        try:
            with transaction(runtime.sessions) as session:
                campaigns.schedule_campaign(
                    session,
                    CAMPAIGN,
                    coming.date.year,
                    room=room[0],
                    now=now,
                    by=DEMO_USER,
                    tz=tz,
                    host="小禾",
                )
            return
        except lives.LiveConflict:
            continue  # that room has a show then: try the next
        except DomainError as exc:
            log.info("demo: the %s campaign is not scheduled: %s", CAMPAIGN, exc)
            return
    log.info("demo: no room is free for the %s campaign", CAMPAIGN)


def login_file(settings: Settings) -> Path:
    """Where the demo keeps its login between starts: beside the SQLite file, or in the
    working directory for a server store. Readable by its owner only."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).with_suffix(".demo-login")
    return Path.cwd() / ".liveloop-demo-login"


def login(runtime: Runtime, *, reset: bool = False) -> DemoLogin:
    """The demo operator's login: created on the first start and kept (the same password is
    printed on every start while the login file holds it); ``reset`` sets a new one. The first
    leader's login (``tuanzhang1``, 团长工作台) shares its password."""
    found = _operator_login(runtime, reset=reset)
    if found.password:
        with transaction(runtime.sessions) as session:
            leaders.leader_login(session, runtime.clock.now(), found.password)
    return found


def _operator_login(runtime: Runtime, *, reset: bool) -> DemoLogin:
    path = login_file(runtime.settings)
    kept = path.read_text(encoding="utf-8").strip() if path.exists() else None
    with transaction(runtime.sessions) as session:
        if not access.user_exists(session, DEMO_USER):
            password = access.new_password()
            access.create_user(
                session,
                DEMO_USER,
                Role.ADMIN,
                runtime.clock.now(),
                password=password,
                display_name="演示运营",
            )
            _keep(path, password)
            return DemoLogin(DEMO_USER, password, new=True)
        if reset:
            password = access.new_password()
            access.set_password(session, DEMO_USER, password)
            _keep(path, password)
            return DemoLogin(DEMO_USER, password, new=True)
        if kept and access.authenticate(session, DEMO_USER, kept) is not None:
            return DemoLogin(DEMO_USER, kept, new=False)
    return DemoLogin(DEMO_USER, None, new=False)


def _keep(path: Path, password: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(password + "\n")


def start_show(runtime: Runtime, config: SimConfig, url: str, *, speed: float = 1.0) -> OnAir:
    """Keep a simulated show running in room ``main`` of the server at ``url`` (started, or
    about to start, in this process): two-hour shows back to back, each a new seed, watched by
    the demo brand's people (``config``), sent through the real signed webhook; each show is a
    live session, scheduled when it starts and closed when it ends."""
    write_key, secret = show_source(runtime)
    show = ShowConfig(seed=int(time.time()) // 60, room=SHOW_ROOM, brand=config)

    def on_start(show: Show) -> int:
        now = runtime.clock.now()
        with transaction(runtime.sessions) as session:
            rooms.ensure_rooms(session, now)
            rooms.ensure_offers(session, now)
            on_air = lives.schedule_show(
                session,
                lives.ShowSpec(
                    room=SHOW_ROOM,
                    title="主食健康课 · 演示直播",
                    series=rooms.SERIES,
                    scheduled_at=now,
                    host="小禾",
                    controllers=("阿鲜",),
                    planned_minutes=show.seconds // 60,
                ),
                now,
            )
            known = commerce.products_by_sku(session, [p.sku for p in show.truth.shelf])
            shelf = [
                lives.ShelfItemSpec(p.sku, min(p.price, known[p.sku].price), SHOW_STOCK)
                for p in show.truth.shelf
                if p.sku in known
            ]
            lives.set_shelf(session, on_air.id, shelf)
            prizes = commerce.products_by_sku(
                session, [o.prize_sku for o in rooms.OFFERS if o.prize_sku], active_only=True
            )
            offers = [o for o in rooms.OFFERS if o.prize_sku is None or o.prize_sku in prizes]
            lives.set_offers(session, on_air.id, offers, now)
            lives.start_show(session, on_air.id, now)
        return on_air.id

    def on_end(show: Show, live_id: int | None) -> None:
        if live_id is None:
            return
        with transaction(runtime.sessions) as session:
            lives.end_show(session, live_id, runtime.clock.now())

    webhook = Webhook(url, SHOW_ROOM, write_key, secret)
    logging.getLogger("uvicorn.access").addFilter(_QuietShow(webhook.endpoint))
    return OnAir(webhook, show, speed=speed, on_start=on_start, on_end=on_end).start()


class _QuietShow(logging.Filter):
    """Keeps the running show's accepted deliveries (one a second) out of the access log, so
    the demo's terminal stays readable; a refused one is still logged."""

    def __init__(self, endpoint: str) -> None:
        super().__init__()
        self.path = "/" + endpoint.split("/", 3)[-1]

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and args[2] == self.path:
            return not (isinstance(args[4], int) and args[4] < 400)
        return True


def show_source(runtime: Runtime) -> tuple[str, str]:
    """The write key and signing secret of the demo show's live-platform source: created on the
    first start, kept beside the demo login (readable by its owner only) for later starts."""
    path = login_file(runtime.settings).with_suffix(".demo-show")
    kept = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    with transaction(runtime.sessions) as session:
        found = ingest.source_for_key(session, kept.get("write_key", ""))
        if found is not None and found.signing_secret == kept.get("signing_secret"):
            return kept["write_key"], kept["signing_secret"]
        taken = {source.name for source in ingest.list_sources(session)}
        name = next(
            n
            for n in (SHOW_SOURCE, *(f"{SHOW_SOURCE} {i}" for i in range(2, 1000)))
            if n not in taken
        )
        created = ingest.create_source(
            session, name, runtime.clock.now(), kind=ingest.SourceKind.LIVE_PLATFORM
        )
    secret = created.signing_secret or ""
    _keep(path, json.dumps({"write_key": created.write_key, "signing_secret": secret}))
    return created.write_key, secret
