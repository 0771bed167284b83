"""``liveloop live simulate``: a simulated show replayed through the real signed webhook of a
running server lands in the store event for event, once; a wrong secret, an unreachable server
are clear refusals."""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import Iterator
from datetime import date

import pytest

from liveloop import bootstrap
from liveloop.runtime import Runtime
from liveloop.sim.config import SimConfig
from liveloop.sim.replay import DeliveryRefused, OnAir, Webhook, replay_show
from liveloop.sim.shows import ShowConfig, generate_show
from tests.conftest import make_settings
from tests.helpers import running_server
from tests.ingest.conftest import make_source, stored_events

BRAND = SimConfig(customers=60, seed=3)
SHORT = {"minutes": 20, "viewers": 40, "products": 2, "vips": 1}
NAMES = {
    "viewer_joined": "Live Joined",
    "viewer_left": "Live Left",
    "comment": "Live Comment Posted",
    "like": "Live Liked",
    "share": "Live Shared",
    "product_click": "Live Product Clicked",
    "add_to_cart": "Product Added",
    "order": "Order Completed",
}


@pytest.fixture
def live_runtime(sqlite_url) -> Iterator[Runtime]:
    """A runtime on the real clock: the webhook refuses signatures 5 minutes from its clock."""
    rt = bootstrap.open_runtime(make_settings(sqlite_url))
    yield rt
    rt.close()


@pytest.fixture
def server(live_runtime) -> Iterator[str]:
    with running_server(live_runtime) as url:
        yield url


@pytest.fixture
def platform(live_runtime):
    return make_source(live_runtime, "模拟直播平台", kind="live_platform")


def _simulate(cli, url, platform, *extra: str, secret: str | None = None):
    return cli(
        "live", "simulate", "main", "--speed", "0", "--url", url,
        "--write-key", platform.write_key, "--secret", secret or platform.signing_secret,
        "--seed", "4", "--minutes", "20", "--viewers", "40", "--scale", "60",
        "--brand-seed", "3", *extra,
    )  # fmt: skip


def test_a_show_replayed_at_full_speed_lands_every_event_exactly_once(
    cli, live_runtime, server, platform
):
    result = _simulate(cli, server, platform, "--batch", "50")
    assert result.exit_code == 0, result.output
    brand = SimConfig(customers=60, seed=3, end=_today())
    show = generate_show(ShowConfig(seed=4, brand=brand, viewers=40, minutes=20))
    stored = stored_events(live_runtime)
    expected = {f"live:{platform.source.id}:{e.id}": e for e in show.events}
    assert Counter(e.message_id for e in stored) == Counter(dict.fromkeys(expected, 1))
    for row in stored:
        event = expected[row.message_id]
        assert row.name == NAMES[event.type] and row.properties["room"] == "main"
    orders = [e for e in stored if e.name == "Order Completed"]
    assert len(orders) == show.truth.orders
    assert f"{show.truth.orders} / ¥" in result.output
    vip = show.truth.vips[0].user_id
    assert any(e.user_id == vip and e.name == "Live Joined" for e in stored)

    again = _simulate(cli, server, platform)
    assert again.exit_code == 0, again.output
    assert len(stored_events(live_runtime)) == len(stored)


def test_a_wrong_secret_prints_the_servers_401_reason_and_writes_nothing(
    cli, live_runtime, server, platform
):
    result = _simulate(cli, server, platform, secret="whsec_not-the-secret")
    assert result.exit_code == 2
    assert "401" in result.output and "X-Liveloop-Signature does not match" in result.output
    assert stored_events(live_runtime) == []


def test_an_unreachable_server_is_a_clear_error(cli, platform):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = _simulate(cli, f"http://127.0.0.1:{port}", platform)
    assert result.exit_code == 1
    assert "无法连接服务器" in result.output and "liveloop serve" in result.output


def test_without_a_write_key_and_secret_it_says_where_they_come_from(cli):
    result = cli("live", "simulate", "main")
    assert result.exit_code == 2 and "sources create" in result.output


def test_a_paced_replay_sends_the_show_in_order_and_names_the_live_session(
    live_runtime, server, platform
):
    show = generate_show(ShowConfig(seed=9, brand=BRAND, **SHORT))
    webhook = Webhook(server, "main", platform.write_key, platform.signing_secret or "")
    seen = []
    done = replay_show(show, webhook, speed=2_000, live_session_id=5, on_progress=seen.append)
    assert done.sent == len(show.events) and done.orders == show.truth.orders
    assert done.gmv == show.truth.gmv and [p.sent for p in seen] == sorted(p.sent for p in seen)
    stored = stored_events(live_runtime)
    assert len(stored) == len(show.events)
    assert {e.properties["live_session_id"] for e in stored} == {5}
    times = [e.timestamp for e in sorted(stored, key=lambda e: e.message_id)]
    assert times == sorted(times)


def test_an_unknown_room_name_is_refused_with_the_servers_reason(server, platform):
    show = generate_show(ShowConfig(seed=9, brand=BRAND, **SHORT))
    webhook = Webhook(server, "no room!", platform.write_key, platform.signing_secret or "")
    with pytest.raises(DeliveryRefused) as refused:
        replay_show(show, webhook, speed=0)
    assert 400 <= refused.value.status < 500 and refused.value.reason


def test_on_air_keeps_shows_running_back_to_back(live_runtime, server, platform):
    webhook = Webhook(server, "main", platform.write_key, platform.signing_secret or "")
    ended = []
    on_air = OnAir(
        webhook,
        ShowConfig(seed=100, brand=BRAND, **SHORT),
        speed=0,
        on_start=lambda show: show.config.seed,
        on_end=lambda show, live_id: ended.append((show.config.seed, live_id)),
    ).start()
    try:
        import time

        deadline = time.monotonic() + 60
        while len(ended) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        on_air.stop()
    assert ended[:2] == [(100, 100), (101, 101)]
    sessions = {e.properties["live_session_id"] for e in stored_events(live_runtime)}
    assert {100, 101} <= sessions


def _today() -> date:
    from datetime import datetime

    from liveloop.sim.config import SHANGHAI

    return datetime.now(SHANGHAI).date()


def test_the_demo_keeps_a_show_running_each_a_live_session_through_its_own_source(
    live_runtime, server
):
    from liveloop import demo
    from liveloop.live.service import list_lives
    from liveloop.store.engine import transaction

    on_air = demo.start_show(live_runtime, BRAND, server, speed=0)
    try:
        import time

        deadline = time.monotonic() + 60
        while on_air.shows < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        on_air.stop()
    with transaction(live_runtime.read_sessions) as session:
        lives = list_lives(session, limit=10)
    ended = [live for live in lives if live.status == "ended"]
    assert ended and ended[-1].room == "main" and ended[-1].title.startswith("主食健康课")
    stored = stored_events(live_runtime)
    assert {e.properties.get("live_session_id") for e in stored} >= {ended[-1].id}
    # The source is made once and kept for the next start.
    assert demo.show_source(live_runtime) == demo.show_source(live_runtime)
    # The show's accepted deliveries stay out of the access log; a refused one does not.
    import logging

    access = logging.getLogger("uvicorn.access")

    def line(path: str, status: int) -> logging.LogRecord:
        args = ("127.0.0.1:50000", "POST", path, "1.1", status)
        return access.makeRecord(
            access.name, logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d', args, None
        )

    assert not access.filter(line("/v1/live/main/events", 200))
    assert access.filter(line("/v1/live/main/events", 401))
    assert access.filter(line("/v1/track", 200))


def test_the_hosts_messages_arrive_labelled_as_the_hosts(live_runtime, server, platform):
    show = generate_show(ShowConfig(seed=9, brand=BRAND, **SHORT))
    webhook = Webhook(server, "main", platform.write_key, platform.signing_secret or "")
    replay_show(show, webhook, speed=0)
    comments = [e for e in stored_events(live_runtime) if e.name == "Live Comment Posted"]
    host = [e for e in comments if e.properties.get("role") == "host"]
    assert len(host) == show.truth.host_messages
    assert {e.anonymous_id for e in host} == {"host-main"}
    assert all("role" not in e.properties for e in comments if e.anonymous_id != "host-main")
