"""The demo brand's 内容社区 (``sim.ugc``) on the simulated brand, after an analytics run: the
planted truths come back out of the KOC scores — the host whose invitations converted has the
highest influence and is a recognised KOC (badge in the live room, tag on the profile), the
sharer whose invitees only looked has less, the cook who shares nothing has none but expertise
— and the queue, polls and honours are there; planted once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from liveloop import bootstrap
from liveloop.analytics.service import run_analytics
from liveloop.clock import ManualClock
from liveloop.profiles import service as profiles
from liveloop.sim import ugc as demo_ugc
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event
from liveloop.ugc import events
from liveloop.ugc import service as ugc
from liveloop.ugc.contracts import Flag, Honour, UgcStatus
from tests.conftest import BRAND_NOW, open_copy


@pytest.fixture(scope="module")
def planted(brand_store, tmp_path_factory):
    clock = ManualClock(BRAND_NOW)
    runtime = open_copy(brand_store, tmp_path_factory.mktemp("ugc-demo"), clock)
    tz = runtime.settings.tz
    with transaction(runtime.sessions) as session:
        assert demo_ugc.plant(session, clock.now(), tz)
    with transaction(runtime.sessions) as session:
        assert not demo_ugc.plant(session, clock.now(), tz)  # once
    bootstrap.wire(runtime)
    runtime.consumers.run_until_idle(runtime.sessions, clock)
    summary = run_analytics(runtime, ("koc",), kind="manual")
    yield runtime, summary
    runtime.close()


def _people(session):
    people = sorted(profiles.created_between(session, BRAND_NOW.replace(year=2000), BRAND_NOW))
    return {
        role: profiles.survivor_of(session, people[place])
        for role, place in (
            ("host", demo_ugc.HOST),
            ("sharer", demo_ugc.SHARER),
            ("cook", demo_ugc.COOK),
        )
    }


def test_the_koc_scores_recover_who_brought_people_and_who_knows_the_products(planted):
    runtime, summary = planted
    assert summary.written["koc"] > 0
    with transaction(runtime.read_sessions) as session:
        who = _people(session)
        host, sharer, cook = (ugc.koc_score(session, who[r]) for r in ("host", "sharer", "cook"))
        top = ugc.top_kocs(session, 5)
        recognised = session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.name == events.KOC_RECOGNISED, Event.customer_id == who["host"])
        )
        badges = bootstrap.live_badges(session, [who["host"], who["cook"]])
        tags = profiles.person_facts(session, [who["host"]])[who["host"]].tags
    assert host is not None and sharer is not None and cook is not None
    assert host.counts["converted"] >= demo_ugc.CONVERTED
    assert sharer.counts["referred"] == 5 and sharer.counts.get("converted", 0) == 0
    assert host.influence > sharer.influence > cook.influence == 0
    assert cook.expertise > sharer.expertise
    assert host.recognised and host.score >= 60 and not cook.recognised
    assert top[0].customer_id == who["host"]
    assert recognised == 1
    assert badges[who["host"]].koc and not badges[who["cook"]].koc
    assert "KOC" in tags


def test_the_demo_has_a_queue_polls_and_honours(planted):
    runtime, _ = planted
    with transaction(runtime.read_sessions) as session:
        queue = ugc.moderation_queue(session)
        polls = {p.code: p for p in ugc.list_polls(session)}
        honours = ugc.list_honours(session)
        rejected = ugc.list_items(session, status=UgcStatus.REJECTED)
        who = _people(session)
    assert len(queue) == 5  # three recipes and two reviews wait
    assert queue[0].flags and {Flag.PHONE, Flag.LINK, Flag.BANNED_WORD} <= set(
        queue[0].flags + queue[1].flags
    )
    assert len(rejected) == 1 and rejected[0].reason == "含广告或联系方式"
    flavour = polls[demo_ugc.FLAVOUR_POLL]
    assert flavour.votes == 40 and flavour.leading.label == "红豆薏米"
    assert polls[demo_ugc.PACK_POLL].leading.label == "1L 家庭装"
    by_honour = {h.honour: h for h in honours}
    assert by_honour[Honour.BEST_RECIPE].customer_id == who["host"]
    assert by_honour[Honour.BEST_RECIPE].item_title == "砂锅煲仔饭，锅巴才是灵魂"
    assert by_honour[Honour.STAR_OF_MONTH].customer_id == who["cook"]
