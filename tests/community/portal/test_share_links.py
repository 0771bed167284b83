"""A leader's tracked link: opening it logs exactly one ``Invite Link Opened`` (with the
leader's code and the target) for the visitor and redirects to the target's page; when that
visitor is identified later and pays, they are bound to the leader (cause ``invite``) once,
under the operator's rule."""

from __future__ import annotations

from sqlalchemy import func, select

from liveloop.community import service as community
from liveloop.identity import service as identity
from liveloop.portal import service as portal_service
from liveloop.portal.events import INVITE_LINK_OPENED
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event, NewEvent, append
from tests.community.portal.conftest import login_as

NEW_PHONE = "13900009999"


def _invite_link(client) -> str:
    page = client.get("/console/leader/materials")
    invites = page.text.split('data-testid="invites"', 1)[1]
    return invites.split('value="', 1)[1].split('"', 1)[0].split("testserver", 1)[1]


def _opens(runtime) -> list[Event]:
    with transaction(runtime.read_sessions) as session:
        rows = session.scalars(select(Event).where(Event.name == INVITE_LINK_OPENED)).all()
        session.expunge_all()
        return list(rows)


def _drain(runtime) -> None:
    runtime.consumers.run_until_idle(runtime.sessions, runtime.clock)


def test_opening_a_link_logs_one_event_and_redirects_to_the_show(portal, client):
    login_as(client, "tz_a")
    path = _invite_link(client)
    client.cookies.clear()
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 302
    assert (
        answer.headers["location"] == f"/h5/live/{portal.show_id}?from={portal.leaders['A'].code}"
    )
    visitor = answer.cookies.get("ajs_anonymous_id")
    assert visitor
    [opened] = _opens(portal.runtime)
    assert opened.type == "track" and opened.anonymous_id == visitor
    assert opened.properties == {
        "link": path.removeprefix("/s/"),
        "leader": portal.leaders["A"].code,
        "kind": "live",
        "target": str(portal.show_id),
    }
    # The same visitor again (the cookie sent back): one more open, the same anonymousId.
    client.cookies.set("ajs_anonymous_id", f'"{visitor}"')
    client.get(path, follow_redirects=False)
    assert [e.anonymous_id for e in _opens(portal.runtime)] == [visitor, visitor]
    assert client.get("/s/nosuchtoken", follow_redirects=False).status_code == 404
    assert len(_opens(portal.runtime)) == 2


def test_a_visitor_identified_later_who_pays_is_bound_to_the_leader_once(portal, client):
    runtime, town = portal.runtime, portal.town
    login_as(client, "tz_b")
    b_path = _invite_link(client)
    login_as(client, "tz_a")
    a_path = _invite_link(client)
    client.cookies.clear()
    # The visitor opens A's link, then B's (first touch: A keeps them).
    visitor = client.get(a_path, follow_redirects=False).cookies["ajs_anonymous_id"]
    client.cookies.set("ajs_anonymous_id", visitor)
    client.get(b_path, follow_redirects=False)
    _drain(runtime)
    now = town.clock.now()
    with transaction(runtime.sessions) as session:  # later, the SDK names them by phone
        append(
            session,
            [
                NewEvent(
                    name=None,
                    type="identify",
                    timestamp=now,
                    source="test",
                    anonymous_id=visitor,
                    properties={"traits": {"phone": NEW_PHONE, "name": "周九"}},
                )
            ],
            received_at=now,
        )
    _drain(runtime)
    with transaction(runtime.read_sessions) as session:
        buyer = identity.find_person(session, None, None, {"traits": {"phone": NEW_PHONE}})
        assert buyer is not None and community.binding_of(session, buyer) is None
    town.people["周九"] = buyer
    order_no = town.paid_order("周九", now)  # pays (no leader on the order)
    _drain(runtime)
    with transaction(runtime.read_sessions) as session:
        bound = community.binding_of(session, buyer)
        history = community.history_of(session, buyer)
    assert bound is not None and bound.leader == portal.leaders["A"].code
    assert bound.cause == "invite"
    assert [(h.leader, h.outcome, h.cause) for h in history] == [
        (portal.leaders["A"].code, "bound", "invite"),
        (portal.leaders["B"].code, "kept", "invite"),
    ]
    # The order's event again (a replay): judged before, nothing new.
    with transaction(runtime.sessions) as session:
        event = session.scalars(
            select(Event).where(Event.name == "Order Completed", Event.customer_id == buyer)
        ).one()
        from liveloop.store.eventlog import LoggedEvent

        assert portal_service.bind_invited_buyer(session, LoggedEvent.of(event)) == 0
        count = session.scalar(
            select(func.count()).select_from(Event).where(Event.name == "Leader Bound")
        )
    assert count == 3 + 1  # the fixture's three customers and this one
    login_as(client, "tz_a")
    mine = client.get("/console/leader/customers")
    assert "周*" in mine.text and order_no


def test_an_open_older_than_the_window_binds_nobody(portal, client):
    runtime, town = portal.runtime, portal.town
    login_as(client, "tz_a")
    path = _invite_link(client)
    client.cookies.clear()
    visitor = client.get(path, follow_redirects=False).cookies["ajs_anonymous_id"]
    town.clock.advance(days=8)
    now = town.clock.now()
    with transaction(runtime.sessions) as session:
        append(
            session,
            [
                NewEvent(
                    name=None,
                    type="identify",
                    timestamp=now,
                    source="test",
                    anonymous_id=visitor,
                    properties={"traits": {"phone": NEW_PHONE}},
                )
            ],
            received_at=now,
        )
    _drain(runtime)
    with transaction(runtime.read_sessions) as session:
        buyer = identity.find_person(session, None, None, {"traits": {"phone": NEW_PHONE}})
    town.people["late"] = buyer
    town.paid_order("late", now)
    _drain(runtime)
    with transaction(runtime.read_sessions) as session:
        assert community.binding_of(session, buyer) is None
