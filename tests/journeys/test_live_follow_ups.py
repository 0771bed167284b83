"""A show's follow-up audiences, as its post-live report finds them, become segments at once,
and the post-live journeys take their people in: the clicked-not-paid get a coupon on what
they looked at, the unanswered and the complainers a guide's task."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from liveloop.commerce.models import Coupon
from liveloop.guides.models import GuideTask
from liveloop.live import service as lives
from liveloop.live.contracts import FollowUp
from liveloop.segments import service as segments
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event
from tests.journeys.test_builtins import messages_of, switch
from tests.journeys.test_follow_ups import products


def show(world, title="主食健康课", days_ago=0):
    now = world.clock.now() - timedelta(days=days_ago)
    with transaction(world.runtime.sessions) as session:
        live = lives.schedule_live(
            session, room="main", title=title, host="小美", scheduled_at=now - timedelta(hours=2)
        )
        lives.close_live(
            session,
            live,
            started_at=now - timedelta(hours=2),
            ended_at=now - timedelta(minutes=1),
            peak_viewers=300,
        )
    return live


def found(world, live, audiences):
    with transaction(world.runtime.sessions) as session:
        return lives.save_audiences(session, live, audiences, world.clock.now())


def follow_up_segments(world):
    with transaction(world.runtime.read_sessions) as session:
        return [s for s in segments.list_segments(session) if s.origin]


def test_each_non_empty_audience_becomes_a_segment_named_for_the_show(world):
    live = show(world)
    a, b, c = world.person("甲"), world.person("乙"), world.person("丙")
    sizes = found(world, live, {FollowUp.BOUGHT: [a], FollowUp.WATCHED_NOT_BOUGHT: [b, c, b]})
    assert sizes[FollowUp.WATCHED_NOT_BOUGHT] == 2 and sizes[FollowUp.COMPLAINED] == 0
    world.run()

    made = {s.origin["follow_up"]: s for s in follow_up_segments(world)}
    assert set(made) == {"bought", "watched_not_bought"}
    watched = made["watched_not_bought"]
    assert watched.name.startswith("主食健康课 ") and watched.name.endswith(f"看了未买 #{live}")
    assert watched.members == 2 and watched.created_by == "system"
    assert watched.rule == {
        "type": "live_audience",
        "audience": "watched_not_bought",
        "live_session_id": live,
    }
    with transaction(world.runtime.read_sessions) as session:
        entered = session.scalars(
            select(Event).where(Event.name == "Segment Entered", Event.customer_id == b)
        ).all()
    (event,) = entered
    assert event.properties["follow_up"] == "watched_not_bought"
    assert event.properties["live_session_id"] == live


def test_a_replayed_report_refreshes_its_segments_instead_of_making_more(world):
    live = show(world)
    a, b = world.person("甲"), world.person("乙")
    found(world, live, {FollowUp.CLICKED_NOT_PAID: [a]})
    world.run()
    found(world, live, {FollowUp.CLICKED_NOT_PAID: [a, b]})  # the report made again
    world.run()
    (segment,) = follow_up_segments(world)
    with transaction(world.runtime.sessions) as session:
        segments.refresh_memberships(session, world.clock.now(), segment.id)
    with transaction(world.runtime.read_sessions) as session:
        assert segments.member_count(session, segment.id) == 2
    assert len(follow_up_segments(world)) == 1


def test_the_rule_reads_a_show_or_the_latest_show_of_a_room(world):
    first, second = show(world, "第一场", days_ago=7), show(world, "第二场")
    a, b = world.person("甲"), world.person("乙")
    found(world, first, {FollowUp.COMPLAINED: [a]})
    found(world, second, {FollowUp.COMPLAINED: [b]})
    now = world.clock.now()
    with transaction(world.runtime.read_sessions) as session:
        by_show = {"type": "live_audience", "audience": "complained", "live_session_id": first}
        assert segments.member_ids(session, by_show, now) == [a]
        latest = {"type": "live_audience", "audience": "complained", "room": "main"}
        assert segments.member_ids(session, latest, now) == [b]
        nobody = {"type": "live_audience", "audience": "complained", "room": "other"}
        assert segments.member_ids(session, nobody, now) == []
        everyone_else = {"not": by_show}
        assert a not in segments.member_ids(session, everyone_else, now)


def test_a_rule_naming_an_unknown_audience_or_both_a_show_and_a_room_is_refused():
    for bad in (
        {"type": "live_audience", "audience": "lurkers"},
        {"type": "live_audience", "audience": "bought", "live_session_id": 1, "room": "main"},
    ):
        try:
            segments.parse_rule(bad)
        except segments.RuleError as exc:
            assert exc.status == 422
        else:
            raise AssertionError(f"{bad} was accepted")


def test_clicked_but_not_paid_get_a_coupon_on_what_they_eyed(world):
    from liveloop.channels import jobs as channels_jobs

    channels_jobs.register(world.runtime)
    products(world, ("RICE-1", "五常大米"), ("OAT-2", "即食燕麦"))
    switch(world, "live-clicked-not-paid")
    live = show(world)
    clicker = world.person("点了没买")
    for sku in ("OAT-2", "RICE-1", "OAT-2"):
        world.event(clicker, "Live Product Clicked", sku=sku, live_session_id=live)
    world.run()
    found(world, live, {FollowUp.CLICKED_NOT_PAID: [clicker]})
    world.run()
    world.runtime.outbox.drain_until_idle(world.runtime.sessions, world.clock)

    with transaction(world.runtime.read_sessions) as session:
        (coupon,) = session.scalars(select(Coupon).where(Coupon.customer_id == clicker))
    assert coupon.skus == ["OAT-2"]
    assert coupon.valid_until - coupon.valid_from == timedelta(hours=12)
    (nudge,) = messages_of(world, clicker)
    assert "即食燕麦" in nudge.body and coupon.code in nudge.body


def test_unanswered_askers_and_complainers_are_handed_to_a_guide(world):
    switch(world, "live-asked-unanswered")
    switch(world, "live-complained")
    live = show(world)
    asker, angry = world.person("问了没人答"), world.person("发货太慢")
    found(world, live, {FollowUp.ASKED_UNANSWERED: [asker], FollowUp.COMPLAINED: [angry]})
    world.run()
    with transaction(world.runtime.read_sessions) as session:
        tasks = {t.customer_id: t for t in session.scalars(select(GuideTask))}
    assert tasks[asker].title == "回复直播间未答的提问：问了没人答"
    assert tasks[angry].kind == "call" and "投诉" in tasks[angry].title
