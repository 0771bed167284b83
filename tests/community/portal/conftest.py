"""Two leaders as the demo has them (a console login each, a pickup point, customers bound
through orders placed with them), yesterday's orders in today's batch (not yet arrived) and
today's in tomorrow's, a room with a show coming up — all through the real services."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from liveloop.access.service import create_user
from liveloop.community import service as community
from liveloop.identity import service as identity
from liveloop.identity.contracts import IdentityType
from liveloop.live import service as lives
from liveloop.profiles.service import NewCustomer
from liveloop.store.engine import transaction
from tests.community.conftest import OIL, RICE, Community, local

PASSWORD = "s3cret-团长-pass"
TODAY = date(2026, 11, 20)
YESTERDAY, TOMORROW = TODAY - timedelta(days=1), TODAY + timedelta(days=1)
PHONES = {"赵六": "13900008001", "钱七": "13900008002", "孙八": "13900008003"}


@dataclass
class Portal:
    town: Community
    leaders: dict[str, community.LeaderView] = field(default_factory=dict)
    today_orders: dict[str, str] = field(default_factory=dict)  # buyer -> order no
    tomorrow_orders: dict[str, str] = field(default_factory=dict)
    show_id: int = 0

    @property
    def runtime(self):
        return self.town.runtime

    def code(self, order_no: str) -> str:
        return self.town.pickup(order_no).code

    def batch(self, day, leader: str) -> community.BatchView:
        return next(b for b in self.town.batches(day) if b.leader == self.leaders[leader].code)

    def oneid(self, buyer: str) -> str:
        from liveloop.profiles import service as profiles

        with transaction(self.runtime.read_sessions) as session:
            return profiles.oneids_of(session, [self.town.people[buyer]])[self.town.people[buyer]]


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login_as(client, username: str) -> str:
    """Log ``username`` in; the CSRF token of their session."""
    client.cookies.clear()
    page = client.get("/console/login")
    answer = client.post(
        "/console/login",
        data={"username": username, "password": PASSWORD, "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    home = client.get("/console/leader")
    return re.search(r'"X-CSRF-Token": "([^"]+)"', home.text).group(1)


def make_portal(town: Community) -> Portal:
    portal = Portal(town)
    now = town.clock.now()
    for key, name, username, point in (
        ("A", "王秀英", "tz_a", "PA"),
        ("B", "李建华", "tz_b", "PB"),
    ):
        portal.leaders[key] = town.leader(name, username=username)
        town.point(point, portal.leaders[key].code)
        with transaction(town.runtime.sessions) as session:
            create_user(session, username, "leader", now, password=PASSWORD, display_name=name)
    with transaction(town.runtime.sessions) as session:
        for buyer, phone in PHONES.items():
            town.people[buyer] = identity.create_customer_with_identities(
                session, NewCustomer(name=buyer), {IdentityType.PHONE: phone}, now, "test"
            )
    for buyer, key, point in (("赵六", "A", "PA"), ("钱七", "A", "PA"), ("孙八", "B", "PB")):
        for day, orders, sku in (
            (YESTERDAY, portal.today_orders, RICE),
            (TODAY, portal.tomorrow_orders, OIL),
        ):
            order_no = town.paid_order(buyer, local(day, 10), sku=sku)
            with transaction(town.runtime.sessions) as session:
                community.bind_from_order(
                    session,
                    customer_id=town.people[buyer],
                    leader=portal.leaders[key].code,
                    order_no=order_no,
                    at=local(day, 10),
                )
            town.to_point(order_no, point)
            orders[buyer] = order_no
    town.build(TODAY)
    town.build(TOMORROW)
    with transaction(town.runtime.sessions) as session:
        lives.create_room(session, code="main", name="禾谷鲜生直播间", platform="own_h5", now=now)
        portal.show_id = lives.schedule_show(
            session,
            lives.ShowSpec(room="main", title="冬至饺子专场", scheduled_at=now + timedelta(days=1)),
            now,
        ).id
    return portal


@pytest.fixture
def portal(town) -> Portal:
    return make_portal(town)
