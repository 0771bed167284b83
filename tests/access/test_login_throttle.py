"""Console logins back off per username and per address: a locked key is refused before any
password check (429 with Retry-After, in Chinese), unknown usernames count exactly as wrong
passwords do, and every failure is in the audit trail without the password."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from liveloop.access import throttle
from liveloop.access.events import CONSOLE_LOGIN_FAILED
from liveloop.access.service import create_user
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event

PASSWORD = "s3cret-密码-ok"


@pytest.fixture
def wang(runtime):
    with transaction(runtime.sessions) as session:
        create_user(session, "wang", "operator", runtime.clock.now(), password=PASSWORD)


def attempt(client, username, password):
    page = client.get("/console/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": csrf},
        follow_redirects=False,
    )


def failures(runtime) -> list[dict]:
    with runtime.read_sessions() as session:
        rows = session.scalars(select(Event).where(Event.name == CONSOLE_LOGIN_FAILED))
        return [row.properties for row in rows]


def test_a_locked_username_is_refused_even_with_its_password(client, runtime, wang):
    free = throttle.FREE["user"]
    for _ in range(free):
        assert attempt(client, "wang", "guess").status_code == 401
    assert attempt(client, "wang", "guess").status_code == 401  # this one locks for 1 s
    refused = attempt(client, "wang", PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert "登录失败次数过多" in refused.text
    runtime.clock.advance(seconds=2)
    assert attempt(client, "wang", PASSWORD).status_code == 303
    assert attempt(client, "wang", "guess").status_code == 401  # a good login cleared it


def test_the_lock_doubles_with_each_further_failure(client, runtime, wang):
    for _ in range(throttle.FREE["user"] + 3):  # locks 1 s, 2 s, then 4 s
        attempt(client, "wang", "guess")
        runtime.clock.advance(seconds=5)  # wait out each lock, so every try is checked
    runtime.clock.advance(seconds=-5)
    assert attempt(client, "wang", PASSWORD).headers.get("Retry-After") == "4"


def test_an_unknown_username_counts_as_a_wrong_password(client, runtime, wang):
    for name in ("wang", "nobody"):
        for _ in range(throttle.FREE["user"] + 1):
            assert attempt(client, name, "guess").status_code == 401
    assert attempt(client, "wang", "guess").status_code == 429
    assert attempt(client, "nobody", "guess").status_code == 429


def test_one_address_trying_many_usernames_is_locked(client, runtime, wang):
    for i in range(throttle.FREE["addr"] + 1):
        assert attempt(client, f"user{i}", "guess").status_code == 401
    assert attempt(client, "wang", PASSWORD).status_code == 429


def test_failures_are_audited_without_the_password(client, runtime, wang):
    attempt(client, "wang", "not-the-password-123")
    for _ in range(throttle.FREE["user"]):
        attempt(client, "wang", "guess")
    attempt(client, "wang", PASSWORD)  # refused, locked
    audited = failures(runtime)
    assert len(audited) == throttle.FREE["user"] + 2
    assert audited[0] == {
        "username": "wang",
        "address": "testclient",
        "failures": 1,
        "locked_until": None,
        "refused": False,
    }
    assert audited[-2]["locked_until"] is not None and audited[-1]["refused"] is True
    assert not any("not-the-password" in str(a) or PASSWORD in str(a) for a in audited)


def test_old_failures_are_forgotten(client, runtime, wang):
    for _ in range(throttle.FREE["user"]):
        attempt(client, "wang", "guess")
    runtime.clock.advance(minutes=16)
    assert attempt(client, "wang", "guess").status_code == 401
    assert attempt(client, "wang", PASSWORD).status_code == 303
