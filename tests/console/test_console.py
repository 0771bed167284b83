import re

from liveloop.access.service import create_user
from liveloop.store.engine import transaction
from tests.helpers import seed_small_brand

PASSWORD = "s3cret-密码-ok"


def _user(runtime, role="operator"):
    with transaction(runtime.sessions) as session:
        create_user(
            session, "wang", role, runtime.clock.now(), password=PASSWORD, display_name="王运营"
        )


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, password=PASSWORD):
    page = client.get("/console/login")
    return client.post(
        "/console/login",
        data={"username": "wang", "password": password, "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )


def test_pages_need_a_login(client):
    response = client.get("/console", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login"
    fragment = client.get("/console/partials/overview", headers={"HX-Request": "true"})
    assert fragment.status_code == 401
    assert fragment.headers["hx-redirect"] == "/console/login"


def test_login_then_overview_shows_real_counts_in_chinese(client, runtime):
    _user(runtime)
    seed_small_brand(runtime, runtime.clock.now())
    response = login(client)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "ll_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    page = client.get("/console")
    assert page.status_code == 200
    html = page.text
    assert "经营概览" in html and "王运营" in html and "运营" in html
    assert re.search(r'data-testid="stat-customers".*?<span class="value">2</span>', html, re.S)
    assert re.search(r'data-testid="stat-orders".*?<span class="value">2</span>', html, re.S)
    assert "¥89.70" in html
    assert re.search(r'data-testid="stat-lives".*?<span class="value">1</span>', html, re.S)
    assert page.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, runtime):
    _user(runtime)
    response = login(client, password="nope-nope")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert "ll_session" not in response.headers.get("set-cookie", "")


def test_login_without_the_csrf_token_is_refused(client, runtime):
    _user(runtime)
    client.get("/console/login")
    response = client.post("/console/login", data={"username": "wang", "password": PASSWORD})
    assert response.status_code == 403
    assert "CSRF" in response.json()["reason"]


def test_logout_needs_the_session_csrf_token_and_ends_the_session(client, runtime):
    _user(runtime)
    login(client)
    page = client.get("/console").text
    refused = client.post("/console/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/console", follow_redirects=False).status_code == 200
    done = client.post("/console/logout", data={"csrf_token": _csrf(page)}, follow_redirects=False)
    assert done.status_code == 303
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_expired_session_goes_back_to_login(client, runtime):
    _user(runtime)
    login(client)
    runtime.clock.advance(hours=runtime.settings.session_hours + 1)
    assert client.get("/console", follow_redirects=False).headers["location"] == "/console/login"


def test_overview_fragment_refreshes_for_htmx(client, runtime):
    _user(runtime)
    login(client)
    fragment = client.get("/console/partials/overview", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert 'id="gmv-chart"' in fragment.text and "<html" not in fragment.text


def test_vendor_assets_are_served_from_the_npm_install(client):
    assert client.get("/static/console.js").status_code == 200
    for asset in ("htmx.min.js", "echarts.min.js"):
        assert client.get(f"/static/vendor/{asset}").status_code == 200, (
            f"run `make assets` ({asset})"
        )


def test_control_characters_in_the_login_form_are_a_422(client, runtime):
    page = client.get("/console/login")
    response = client.post(
        "/console/login",
        data={"username": "a\x00b", "password": "whatever-123", "csrf_token": _csrf(page.text)},
    )
    assert response.status_code == 422
