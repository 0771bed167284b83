"""Sources: the service, `liveloop sources …` and the console page 数据源."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from liveloop import bootstrap
from liveloop.access.service import create_user
from liveloop.ingest.service import (
    SourceError,
    SourceKind,
    create_source,
    disable_source,
    list_sources,
    source_for_key,
)
from liveloop.store.engine import transaction
from tests.conftest import make_settings
from tests.ingest.conftest import basic, stored_events

PASSWORD = "s3cret-密码-ok"


# ------------------------------------------------------------------ service


def test_a_write_key_resolves_to_its_source_until_disabled(store_runtime):
    now = store_runtime.clock.now()
    with transaction(store_runtime.sessions) as session:
        created = create_source(session, "门店POS", now, kind="pos", rate_limit_per_s=50)
    assert created.write_key.startswith("wk_") and created.signing_secret is None
    assert created.write_key not in repr(created)
    with transaction(store_runtime.read_sessions) as session:
        found = source_for_key(session, created.write_key)
        assert found is not None and found.name == "门店POS" and found.kind is SourceKind.POS
        assert found.rate_limit_per_s == 50
        assert source_for_key(session, created.write_key + "x") is None
    with transaction(store_runtime.sessions) as session:
        disable_source(session, "门店POS", now)
        again = disable_source(session, "门店POS", now)
    assert not again.active
    with transaction(store_runtime.read_sessions) as session:
        assert source_for_key(session, created.write_key) is None
        assert [s.name for s in list_sources(session)] == ["门店POS"]


def test_the_store_keeps_only_the_hash_of_a_write_key(runtime):
    with transaction(runtime.sessions) as session:
        created = create_source(session, "h5", runtime.clock.now(), kind="h5_live")
    with runtime.engine.connect() as connection:
        dump = "\n".join(str(r) for r in connection.execute(text("SELECT * FROM sources")))
    assert created.write_key not in dump
    assert created.write_key[:10] in dump  # the prefix, to tell keys apart


def test_only_live_platforms_get_a_signing_secret(runtime):
    with transaction(runtime.sessions) as session:
        live = create_source(session, "抖音", runtime.clock.now(), kind="live_platform")
    assert live.signing_secret and live.signing_secret.startswith("whsec_")
    assert live.source.signing_secret == live.signing_secret
    assert live.signing_secret not in repr(live.source)


@pytest.mark.parametrize(
    ("name", "kwargs", "reason"),
    [
        ("", {}, "1-64"),
        ("a/b", {}, "without '/'"),
        ("x" * 65, {}, "1-64"),
        ("ok", {"kind": "carrier-pigeon"}, "unknown source kind"),
        ("ok", {"rate_limit_per_s": 0}, "rate limit"),
    ],
)
def test_bad_sources_are_refused_with_a_reason(runtime, name, kwargs, reason):
    with pytest.raises(SourceError, match=reason), transaction(runtime.sessions) as session:
        create_source(session, name, runtime.clock.now(), **kwargs)


def test_two_sources_may_not_share_a_name(runtime):
    with transaction(runtime.sessions) as session:
        create_source(session, "小程序", runtime.clock.now())
    with (
        pytest.raises(SourceError, match="already exists"),
        transaction(runtime.sessions) as session,
    ):
        create_source(session, "小程序", runtime.clock.now())


# ------------------------------------------------------------------ CLI


def test_sources_create_prints_a_write_key_that_the_api_accepts(cli, sqlite_url, clock):
    from fastapi.testclient import TestClient

    from liveloop.app import create_app

    result = cli("sources", "create", "mini-shop", "--kind", "mini_program", "--rate", "500")
    assert result.exit_code == 0, result.output
    key = re.search(r"write key: (\S+)", result.output).group(1)
    assert "signing secret" not in result.output
    runtime = bootstrap.open_runtime(make_settings(sqlite_url), clock)
    try:
        with TestClient(create_app(runtime=runtime)) as client:
            response = client.post(
                "/v1/track", json={"userId": "M1", "event": "Signed Up"}, headers=basic(key)
            )
        assert response.status_code == 200
        [event] = stored_events(runtime)
        assert event.source == "mini-shop"
    finally:
        runtime.close()
    listing = cli("sources", "list")
    assert "mini-shop" in listing.output and "mini_program" in listing.output
    assert key not in listing.output


def test_sources_create_prints_a_live_platforms_signing_secret(cli):
    result = cli("sources", "create", "douyin", "--kind", "live_platform")
    assert result.exit_code == 0, result.output
    assert re.search(r"write key: wk_\S+", result.output)
    assert re.search(r"signing secret: whsec_\S+", result.output)


def test_sources_create_refuses_bad_input_with_the_choices(cli):
    result = cli("sources", "create", "x", "--kind", "fax")
    assert result.exit_code == 2
    assert "unknown source kind 'fax'" in result.output and "live_platform" in result.output
    cli("sources", "create", "dup")
    again = cli("sources", "create", "dup")
    assert again.exit_code == 2 and "already exists" in again.output


def test_sources_disable_stops_the_key(cli, sqlite_url, clock):
    key = re.search(r"write key: (\S+)", cli("sources", "create", "pos").output).group(1)
    assert cli("sources", "disable", "pos").exit_code == 0
    runtime = bootstrap.open_runtime(make_settings(sqlite_url), clock)
    try:
        with transaction(runtime.read_sessions) as session:
            assert source_for_key(session, key) is None
    finally:
        runtime.close()
    assert "disabled" in cli("sources", "list").output
    assert cli("sources", "disable", "nope").exit_code == 2


# ------------------------------------------------------------------ console


def _login(client, runtime, role="operator"):
    with transaction(runtime.sessions) as session:
        create_user(session, "wang", role, runtime.clock.now(), password=PASSWORD)
    page = client.get("/console/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post(
        "/console/login",
        data={"username": "wang", "password": PASSWORD, "csrf_token": csrf},
        follow_redirects=False,
    )


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_an_operator_creates_a_source_in_the_console_and_sees_the_key_once(client, runtime):
    _login(client, runtime)
    page = client.get("/console/sources")
    assert page.status_code == 200
    assert "数据源" in page.text and "还没有数据源" in page.text
    created = client.post(
        "/console/sources",
        data={
            "name": "抖音直播间",
            "kind": "live_platform",
            "rate": "2000",
            "csrf_token": _csrf(page.text),
        },
    )
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    key = re.search(r'data-testid="write-key">(wk_[^<]+)<', created.text).group(1)
    secret = re.search(r'data-testid="signing-secret">(whsec_[^<]+)<', created.text).group(1)
    with transaction(runtime.read_sessions) as session:
        found = source_for_key(session, key)
    assert found is not None and found.signing_secret == secret
    listing = client.get("/console/sources").text
    assert "抖音直播间" in listing and "直播平台" in listing and "2,000" in listing
    assert key not in listing and secret not in listing  # shown once only


def test_console_source_errors_are_shown_on_the_page(client, runtime):
    _login(client, runtime)
    csrf = _csrf(client.get("/console/sources").text)
    client.post("/console/sources", data={"name": "pos", "csrf_token": csrf})
    again = client.post("/console/sources", data={"name": "pos", "csrf_token": csrf})
    assert again.status_code == 400 and "already exists" in again.text
    bad_rate = client.post("/console/sources", data={"name": "x", "rate": "-1", "csrf_token": csrf})
    assert bad_rate.status_code == 400 and "速率必须是正整数" in bad_rate.text


def test_creating_a_source_needs_the_csrf_token(client, runtime):
    _login(client, runtime)
    response = client.post("/console/sources", data={"name": "forged", "csrf_token": "nope"})
    assert response.status_code == 403
    with transaction(runtime.read_sessions) as session:
        assert list_sources(session) == []


def test_hosts_may_not_manage_sources(client, runtime):
    _login(client, runtime, role="host")
    assert client.get("/console/sources").status_code == 403
    assert "数据源" not in client.get("/console").text  # no link in the menu either


def test_the_sources_page_needs_a_login(client):
    response = client.get("/console/sources", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/console/login"
