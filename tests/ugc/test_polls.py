"""A poll for a new flavour: one vote per person — a replay changes nothing, a second choice
is refused — votes only while open, and the results count what was cast."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from liveloop.store.eventlog import Event
from liveloop.ugc import events
from liveloop.ugc import service as ugc
from liveloop.ugc.contracts import UgcConflict, UgcRefused

OPTIONS = (("red-bean", "红豆薏米"), ("purple-oat", "紫薯燕麦"), ("black-rice", "黑米核桃"))


def _poll(circle, code="CONGEE", **shift):
    now = circle.clock.now()
    spec = ugc.PollSpec(
        code=code,
        title="下一款杂粮粥口味",
        options=OPTIONS,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=shift.get("days", 7)),
    )
    return circle.call(ugc.create_poll, spec, at=now, by="运营小王")


def _vote(circle, name, option, code="CONGEE"):
    return circle.call(
        ugc.vote,
        code,
        customer_id=circle.person(name),
        option=option,
        at=circle.clock.now(),
        source="test",
    )


def test_one_vote_per_person_and_a_replay_changes_nothing(circle):
    _poll(circle)
    assert _vote(circle, "林姐", "red-bean").created
    replay = _vote(circle, "林姐", "red-bean")
    assert not replay.created and replay.option == "red-bean"
    with pytest.raises(UgcConflict, match="只能投一次"):
        _vote(circle, "林姐", "black-rice")
    _vote(circle, "王阿姨", "red-bean")
    _vote(circle, "张三", "black-rice")
    with circle.runtime.read_sessions() as session:
        poll = ugc.get_poll(session, "CONGEE")
        logged = session.scalar(
            select(func.count()).select_from(Event).where(Event.name == events.POLL_VOTED)
        )
    assert [(o.key, o.votes) for o in poll.options] == [
        ("red-bean", 2),
        ("purple-oat", 0),
        ("black-rice", 1),
    ]
    assert poll.votes == 3 and poll.leading.label == "红豆薏米" and logged == 3


def test_a_poll_takes_votes_only_while_open_and_only_for_its_options(circle):
    _poll(circle, days=1)
    with pytest.raises(UgcRefused, match="没有选项"):
        _vote(circle, "林姐", "durian")
    circle.later(days=2)
    with pytest.raises(UgcConflict, match="已结束"):
        _vote(circle, "林姐", "red-bean")
    with pytest.raises(UgcRefused, match="2-10 个选项"):
        circle.call(
            ugc.create_poll,
            ugc.PollSpec(
                "ONE", "只有一个选项", OPTIONS[:1], circle.clock.now(), circle.clock.now()
            ),
            at=circle.clock.now(),
            by="运营小王",
        )
