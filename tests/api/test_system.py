import re
from decimal import Decimal

from liveloop.access.service import create_api_key, revoke_api_key
from liveloop.store.engine import transaction
from tests.helpers import seed_small_brand


def _key(runtime, role="analyst"):
    with transaction(runtime.sessions) as session:
        return create_api_key(session, "etl", role, runtime.clock.now())[1]


def test_healthz_and_readyz_report_a_migrated_store(client):
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "store": "sqlite"}


def test_overview_api_counts_what_the_store_holds(client, runtime):
    planted = seed_small_brand(runtime, runtime.clock.now())
    response = client.get("/v1/overview", headers={"Authorization": f"Bearer {_key(runtime)}"})
    assert response.status_code == 200
    body = response.json()
    assert body["customers"] == planted["customers"]
    assert body["orders_30d"] == planted["orders_30d"]
    assert Decimal(body["gmv_30d"]) == planted["gmv_30d"]
    assert body["lives_held"] == planted["lives"]
    assert len(body["daily_gmv"]) == 31
    assert sum(Decimal(v) for _, v in body["daily_gmv"]) == planted["gmv_30d"]


def test_missing_wrong_and_revoked_keys_get_401_with_a_reason(client, runtime):
    assert client.get("/v1/me").json()["reason"].startswith("missing Authorization")
    wrong = client.get("/v1/me", headers={"Authorization": "Bearer ll_nope"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"
    basic = client.get("/v1/me", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401 and "Bearer" in basic.json()["reason"]
    key = _key(runtime)
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {key}"}).json()["name"] == "etl"
    with transaction(runtime.sessions) as session:
        revoke_api_key(session, 1, runtime.clock.now())
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_a_role_without_rights_gets_403(client, runtime):
    key = _key(runtime, role="host")
    response = client.get("/v1/overview", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 403
    assert "host" in response.json()["reason"]


def test_api_keys_are_stored_only_as_hashes(runtime):
    key = _key(runtime)
    with runtime.engine.connect() as connection:
        dump = "\n".join(str(row) for row in connection.exec_driver_sql("SELECT * FROM api_keys"))
    assert key not in dump


def test_unknown_route_is_a_json_404(client):
    response = client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_metrics_count_requests_by_route_template(client):
    client.get("/healthz")
    text = client.get("/metrics").text
    assert 'liveloop_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert "liveloop_event_log_head" in text


def test_openapi_docs_are_served_offline_from_local_assets(client):
    assert "/v1/overview" in client.get("/openapi.json").json()["paths"]
    page = client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r"""(?:src|href)=["']?([^"' >]+)""", page.text)
    assets += re.findall(r"""url: ?['"]([^'"]+)['"]""", page.text)
    assert assets, page.text
    for url in assets:
        assert url.startswith("/"), f"/docs loads {url} from another host"
        assert client.get(url).status_code == 200, url


def _admin(runtime):
    return {"Authorization": f"Bearer {_key(runtime, role='admin')}"}


def test_admin_creates_lists_and_revokes_api_keys(client, runtime):
    headers = _admin(runtime)
    created = client.post(
        "/v1/api-keys", json={"name": "erp-sync", "role": "integrator"}, headers=headers
    )
    assert created.status_code == 201
    key = created.json()["key"]
    assert (
        client.get("/v1/me", headers={"Authorization": f"Bearer {key}"}).json()["role"]
        == "integrator"
    )
    listed = client.get("/v1/api-keys", headers=headers).json()
    assert [k["name"] for k in listed] == ["etl", "erp-sync"]
    assert all("key" not in k for k in listed)
    assert client.delete(f"/v1/api-keys/{created.json()['id']}", headers=headers).status_code == 204
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    assert client.delete("/v1/api-keys/999", headers=headers).status_code == 404


def test_malformed_json_is_a_400_with_the_parse_error(client, runtime):
    response = client.post(
        "/v1/api-keys",
        content=b'{"name": "x", "role": ',
        headers={**_admin(runtime), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"
    assert "not valid JSON" in response.json()["reason"]


def test_missing_and_wrong_fields_are_a_422_naming_each_field(client, runtime):
    response = client.post("/v1/api-keys", json={"role": "wizard"}, headers=_admin(runtime))
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["details"]}
    assert fields == {"name", "role"}
    assert "name" in response.json()["reason"]


def test_non_admin_cannot_create_keys(client, runtime):
    response = client.post(
        "/v1/api-keys",
        json={"name": "x", "role": "admin"},
        headers={"Authorization": f"Bearer {_key(runtime)}"},
    )
    assert response.status_code == 403


def test_out_of_range_ids_and_control_characters_are_4xx_not_500(client, runtime):
    headers = _admin(runtime)
    assert (
        client.delete("/v1/api-keys/1000000000000000000000000000000", headers=headers).status_code
        == 422
    )
    assert client.delete("/v1/api-keys/0", headers=headers).status_code == 422
    bad = client.post("/v1/api-keys", json={"name": "a\x00b", "role": "analyst"}, headers=headers)
    assert bad.status_code == 422


def test_key_use_is_recorded_but_not_on_every_request(client, runtime):
    from liveloop.access.models import ApiKey

    key = _key(runtime)
    headers = {"Authorization": f"Bearer {key}"}
    client.get("/v1/me", headers=headers)
    with transaction(runtime.sessions) as session:
        first = session.get(ApiKey, 1).last_used_at
    assert first == runtime.clock.now()
    runtime.clock.advance(minutes=1)
    client.get("/v1/me", headers=headers)
    with transaction(runtime.sessions) as session:
        assert session.get(ApiKey, 1).last_used_at == first
    runtime.clock.advance(minutes=10)
    client.get("/v1/me", headers=headers)
    with transaction(runtime.sessions) as session:
        assert session.get(ApiKey, 1).last_used_at == runtime.clock.now()
