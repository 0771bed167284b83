"""Every viewer is a person: a viewer the profiles consumer has not reached yet is looked up by
the identifiers their events carry, so a 金卡 member's arrival is alerted at once, with their
badge; a stranger stays anonymous, and nobody is created or merged by looking."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from liveloop.identity import service as identity
from liveloop.identity.contracts import IdentityType
from liveloop.live.stream.people import KnownViewers
from liveloop.live.stream.processor import RoomProcessor
from liveloop.profiles import service as profiles
from liveloop.profiles.models import Customer
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event, LoggedEvent, NewEvent, append


def rows(runtime, *events):
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session:
        append(
            session,
            [
                NewEvent(
                    name=name,
                    type="track",
                    timestamp=now + timedelta(seconds=i),
                    source="抖音直播",
                    message_id=f"e{i}",
                    user_id=user,
                    anonymous_id=None if user else f"anon-{i}",
                    properties={"room": "main"},
                    context={"traits": {"nickname": f"观众{i}"}},
                )
                for i, (name, user) in enumerate(events)
            ],
            received_at=now,
        )
        query = select(Event).where(Event.source == "抖音直播").order_by(Event.id)
        return [LoggedEvent.of(e) for e in session.scalars(query)]


def test_a_gold_member_is_known_on_arrival_and_a_stranger_is_not_made_a_person(runtime):
    with transaction(runtime.sessions) as session:
        gold = identity.create_customer_with_identities(
            session,
            profiles.NewCustomer(name="王金卡", member_tier="金卡"),
            {IdentityType.MEMBER_NO: "M0001"},
            runtime.clock.now(),
            source="test",
        )
        people_before = session.scalar(select(func.count()).select_from(Customer))
    room = KnownViewers(RoomProcessor("main"), runtime.read_sessions)
    room.apply(rows(runtime, ("Live Joined", "M0001"), ("Live Joined", None)))
    frame = room.tick(runtime.clock.now() + timedelta(seconds=3))

    (welcome,) = [a for a in frame["alerts"] if a["code"] == "person_entered"]
    assert "金卡" in welcome["message"]
    known = {v["viewer"]: v for v in frame["arrivals"]}
    assert known["M0001"]["customer_id"] == gold
    assert known["M0001"]["badge"]["tier"] == "金卡"
    assert room.people == {"M0001": gold, "anon-1": None}
    with transaction(runtime.read_sessions) as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == people_before
