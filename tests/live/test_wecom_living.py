"""企业微信直播: after a show ends its watch statistics are pulled from WeCom (a local server
speaking its API) into the event log as Live Joined / Live Left rows that OneID takes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from liveloop import bootstrap
from liveloop.live import jobs as live_jobs
from liveloop.live import service as lives
from liveloop.live.connectors.base import Platform, Refused, Registry, RetryLater, ShowRef
from liveloop.live.connectors.own_h5 import OwnH5Connector
from liveloop.live.connectors.wecom_living import WeComLivingClient, WeComLivingConnector
from liveloop.profiles.models import ProfileCounters
from liveloop.profiles.service import NewCustomer, create_customer, set_traits
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event
from tests.live.servers import ENDED, FakeWeComLiving, Living, serve

START = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # 每周三晚8点 (Asia/Shanghai)


@pytest.fixture
def wecom() -> Iterator[tuple[FakeWeComLiving, str]]:
    fake = FakeWeComLiving(page_size=2)
    fake.livings["lv-1"] = Living(
        theme="主食健康课",
        living_start=int(START.timestamp()),
        living_duration=3600,
        members=[{"userid": "guide01", "watch_time": 1200, "is_comment": 0, "is_mic": 0}],
        external=[
            {"external_userid": "wmZhang001", "type": 1, "name": "张姐", "watch_time": 1800},
            {"external_userid": "wmLi002", "type": 1, "name": "李", "watch_time": 300},
            {"external_userid": "wmWang003", "type": 2, "name": "王", "watch_time": 9000},
        ],
    )
    with serve(fake) as address:
        yield fake, f"http://{address}"


def connect(base: str, secret: str = "living-secret") -> WeComLivingConnector:  # noqa: S107
    return WeComLivingConnector(WeComLivingClient(base, "ww-live", secret))


def registered(runtime: Runtime, connector: WeComLivingConnector) -> Registry:
    registry = Registry()
    registry.register(OwnH5Connector())
    registry.register(connector)
    bootstrap.wire(runtime)
    return live_jobs.register(runtime, connectors=registry)


def show_on_wecom(runtime: Runtime, living_id: str = "lv-1") -> int:
    with transaction(runtime.sessions) as session:
        live_id = lives.schedule_live(
            session, room="wecom-main", title="主食健康课", host="host01", scheduled_at=START
        )
        lives.link_platform_show(
            session,
            live_session_id=live_id,
            platform=Platform.WECOM_LIVING,
            platform_show_id=living_id,
            now=runtime.clock.now(),
        )
    return live_id


def crm_customer(runtime: Runtime, external_userid: str) -> int:
    with transaction(runtime.sessions) as session:
        customer_id = create_customer(
            session, NewCustomer(name="张秀英"), runtime.clock.now(), "crm"
        )
        set_traits(
            session, customer_id, {"wecom_external_userid": external_userid}, runtime.clock.now()
        )
    return customer_id


def pulled_rows(runtime: Runtime) -> list[Event]:
    with runtime.sessions() as session:
        return list(
            session.scalars(
                select(Event).where(Event.name.in_(["Live Joined", "Live Left"])).order_by(Event.id)
            )
        )


def pull(runtime: Runtime) -> int:
    return sum(
        t.run(runtime.sessions, runtime.clock)
        for t in runtime.tasks
        if t.name == "live-platform-pulls"
    )


def test_an_ended_show_is_pulled_into_joined_and_left_rows_per_viewer(runtime, wecom):
    fake, base = wecom
    registered(runtime, connect(base))
    live_id = show_on_wecom(runtime)
    zhang = crm_customer(runtime, "wmZhang001")

    assert pull(runtime) == 1
    rows = pulled_rows(runtime)
    assert len(rows) == 8  # four viewers (one member, three customers), joined + left each
    left = {r.anonymous_id: r for r in rows if r.name == "Live Left"}
    assert left["wecom-external:wmZhang001"].properties["watch_seconds"] == 1800
    assert left["wecom-external:wmZhang001"].properties["live_session_id"] == live_id
    assert left["wecom-external:wmZhang001"].properties["room"] == "wecom-main"
    # Left after the watch time, never after the show's end.
    assert left["wecom-external:wmLi002"].timestamp == START + timedelta(seconds=300)
    assert left["wecom-external:wmWang003"].timestamp == START + timedelta(seconds=3600)
    assert left["wecom-member:guide01"].context["externalIds"][0]["type"] == "wecom_userid"
    external = left["wecom-external:wmZhang001"].context["externalIds"]
    assert external == [{"type": "external_userid", "id": "wmZhang001", "collection": "wecom"}]
    # The CRM customer holding the external_userid is the person on their rows.
    assert {r.customer_id for r in rows if r.anonymous_id == "wecom-external:wmZhang001"} == {zhang}

    runtime.consumers.run_until_idle(runtime.sessions, runtime.clock)  # profiles: watch time
    with runtime.sessions() as session:
        assert session.get(ProfileCounters, zhang).watch_seconds == 1800
        link = lives.platform_show_of(session, live_id)
    assert link.state == "pulled" and link.viewers == 4 and link.info["viewer_num"] == 4
    # Paged: four viewers two a page.
    assert [p for p, _ in fake.calls].count("/cgi-bin/living/get_watch_stat") == 2


def test_pulling_a_show_again_writes_nothing_twice(runtime, wecom):
    _fake, base = wecom
    registered(runtime, connect(base))
    live_id = show_on_wecom(runtime)
    pull(runtime)
    first = [r.message_id for r in pulled_rows(runtime)]

    with transaction(runtime.sessions) as session:
        lives.repull(session, live_id, runtime.clock.now())
    assert pull(runtime) == 1
    assert [r.message_id for r in pulled_rows(runtime)] == first


def test_a_show_still_on_air_is_asked_again_later(runtime, wecom, clock):
    fake, base = wecom
    fake.livings["lv-1"].status = 1  # 直播中
    registered(runtime, connect(base))
    live_id = show_on_wecom(runtime)
    assert pull(runtime) == 0
    assert pulled_rows(runtime) == []

    fake.livings["lv-1"].status = ENDED
    clock.advance(minutes=1)
    assert pull(runtime) == 0  # not due yet
    clock.advance(minutes=5)
    assert pull(runtime) == 1
    with runtime.sessions() as session:
        assert lives.platform_show_of(session, live_id).state == "pulled"


def test_a_token_that_expires_mid_pull_is_fetched_again_and_the_pull_completes(wecom):
    fake, base = wecom
    fake.token_calls = 2  # each token answers two calls, then WeCom says 42001
    connector = connect(base)
    pulled = connector.pull(ShowRef(1, "wecom-main", "lv-1"))
    assert len(pulled.events) == 8
    assert connector.client.token_fetches == 2


def test_an_expired_token_is_refreshed_once(wecom):
    fake, base = wecom
    connector = connect(base)
    connector.client.living_info("lv-1")
    fake.expire_tokens()
    assert connector.client.living_info("lv-1")["theme"] == "主食健康课"
    assert connector.client.token_fetches == 2


def test_the_rate_limit_is_retried_later_not_failed(runtime, wecom, clock):
    fake, base = wecom
    fake.rate_limited = 1
    with pytest.raises(RetryLater):
        connect(base).pull(ShowRef(1, "wecom-main", "lv-1"))

    fake.rate_limited = 1
    registered(runtime, connect(base))
    live_id = show_on_wecom(runtime)
    assert pull(runtime) == 0
    with runtime.sessions() as session:
        link = lives.platform_show_of(session, live_id)
    assert link.state == "waiting" and link.attempts == 1 and "45009" in (link.last_error or "")
    clock.advance(seconds=61)
    assert pull(runtime) == 1


def test_a_wrong_secret_fails_the_pull_for_good_with_a_chinese_reason(runtime, wecom, clock):
    _fake, base = wecom
    with pytest.raises(Refused) as refused:
        connect(base, secret="wrong").pull(ShowRef(1, "wecom-main", "lv-1"))
    assert refused.value.code == 40001

    registered(runtime, connect(base, secret="wrong"))
    live_id = show_on_wecom(runtime)
    assert pull(runtime) == 0
    clock.advance(hours=1)
    assert pull(runtime) == 0  # not tried again
    with runtime.sessions() as session:
        link = lives.platform_show_of(session, live_id)
    assert link.state == "failed"
    assert "Secret 不正确" in link.last_error and "40001" in link.last_error
    assert pulled_rows(runtime) == []


def test_an_unknown_living_id_is_refused_with_its_code(wecom):
    _, base = wecom
    with pytest.raises(Refused) as refused:
        connect(base).pull(ShowRef(1, "wecom-main", "no-such-show"))
    assert refused.value.code == 40058 and "40058" in refused.value.reason


def test_a_hosts_shows_are_listed(wecom):
    _, base = wecom
    ids, cursor = connect(base).client.user_living_ids("host01")
    assert ids == ["lv-1"] and cursor == ""


def test_wecom_living_takes_no_actions_from_outside(wecom):
    _, base = wecom
    from liveloop.live.connectors.base import ActionDelivery

    result = connect(base).deliver(ActionDelivery(1, "wecom-main", 1, "push_coupon", "C1", {}, "k"))
    assert not result.delivered and "企业微信" in (result.note or "")


def test_a_show_on_a_platform_without_credentials_waits_an_hour_with_the_reason(runtime, clock):
    bootstrap.wire(runtime)
    live_jobs.register(runtime, connectors=Registry())
    live_id = show_on_wecom(runtime)
    assert pull(runtime) == 0
    clock.advance(minutes=30)
    assert pull(runtime) == 0
    with runtime.sessions() as session:
        link = lives.platform_show_of(session, live_id)
    assert link.state == "waiting" and link.attempts == 0 and "Secret" in link.last_error
