"""Who attended which live: a person attends a live once however often they join, a merge gives
the survivor each live either attended once, and a split gives each person their own back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from liveloop import bootstrap
from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.identity.models import Identity, IdentityMerge
from liveloop.identity.service import split
from liveloop.live.models import LiveAttendance
from liveloop.profiles.service import profile_of, survivor_of
from liveloop.store.engine import transaction
from liveloop.store.eventlog import NewEvent, append

MEMBER = {"user_id": "M00000001"}
DOUYIN = {"context": {"externalIds": [{"type": "douyin_id", "id": "dy-777"}]}}

OPERATOR = Principal("user", 1, "operator", Role.OPERATOR)


def joined(rt, who, *lives, name="Live Joined"):
    with transaction(rt.sessions) as session:
        append(
            session,
            [
                NewEvent(
                    name=name,
                    type="track",
                    timestamp=rt.clock.now() + timedelta(minutes=n),
                    source="抖音直播",
                    properties={"room": "main", "live_session_id": live},
                    **who,
                )
                for n, live in enumerate(lives)
            ],
            received_at=rt.clock.now(),
        )
    bootstrap.wire(rt)
    rt.consumers.run_until_idle(rt.sessions, rt.clock)


def holder(rt, kind, value):
    with transaction(rt.read_sessions) as session:
        return session.scalar(
            select(Identity.customer_id).where(Identity.type == kind, Identity.value == value)
        )


def lives_of(rt, customer_id):
    with transaction(rt.read_sessions) as session:
        profile = profile_of(session, customer_id, viewer=OPERATOR)
        rows = session.scalars(
            select(LiveAttendance.live_session_id).where(LiveAttendance.customer_id == customer_id)
        )
        return profile.counters.lives_attended, sorted(rows)


def test_a_merge_counts_a_live_both_attended_once_and_a_split_gives_each_their_own(runtime):
    rt = runtime
    joined(rt, MEMBER, 1, 2, 2)
    joined(rt, DOUYIN, 2, 3)
    member, viewer = holder(rt, "member_no", "M00000001"), holder(rt, "douyin_id", "dy-777")
    assert member != viewer
    assert lives_of(rt, member) == (2, [1, 2])
    assert lives_of(rt, viewer) == (2, [2, 3])

    joined(rt, MEMBER | DOUYIN, 3, name="Live Left")  # one event names both: OneID merges them
    with transaction(rt.read_sessions) as session:
        survivor = survivor_of(session, viewer)
        assert survivor_of(session, member) == survivor
        merge_id = session.scalars(select(IdentityMerge.id)).one()
    merged = viewer if survivor == member else member
    assert lives_of(rt, survivor) == (3, [1, 2, 3])
    assert lives_of(rt, merged)[1] == []

    with transaction(rt.sessions) as session:
        split(session, merge_id, rt.clock.now(), rt.settings.tz)
    assert lives_of(rt, member) == (2, [1, 2])
    assert lives_of(rt, viewer) == (2, [2, 3])
