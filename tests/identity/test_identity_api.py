from sqlalchemy import select

from liveloop.access.service import create_api_key
from liveloop.identity.models import Identity
from liveloop.identity.service import resolve
from liveloop.store.engine import transaction


def _auth(runtime, role="operator"):
    with transaction(runtime.sessions) as session:
        key = create_api_key(session, "ops", role, runtime.clock.now())[1]
    return {"Authorization": f"Bearer {key}"}


def _see(runtime, *ids):
    with transaction(runtime.sessions) as session:
        return resolve(session, ids, runtime.clock.now(), source="test")


def test_operators_list_merges_and_split_a_bad_one(client, runtime):
    auth = _auth(runtime)
    anon = _see(runtime, ("anonymous_id", "a-1")).customer_id
    _see(runtime, ("unionid", "oU1"))
    _see(runtime, ("unionid", "oU1"), ("anonymous_id", "a-1"))
    [merge] = client.get("/v1/identity/merges", headers=auth).json()
    assert merge["moved_identifiers"] == 1 and merge["split_at"] is None
    assert ["anonymous_id", "a-1"] in merge["evidence"]["identifiers"]
    done = client.post(f"/v1/identity/merges/{merge['id']}/split", headers=auth)
    assert done.status_code == 200 and done.json()["restored_oneid"] == merge["merged_oneid"]
    again = client.post(f"/v1/identity/merges/{merge['id']}/split", headers=auth)
    assert again.status_code == 409 and "already split" in again.json()["reason"]
    assert client.post("/v1/identity/merges/999/split", headers=auth).status_code == 404
    with transaction(runtime.read_sessions) as session:
        assert session.scalar(select(Identity.customer_id).where(Identity.value == "a-1")) == anon


def test_blocking_a_test_phone_detaches_it_and_it_names_nobody_after(client, runtime):
    auth = _auth(runtime)
    _see(runtime, ("phone", "13912345678"), ("unionid", "oU2"))
    response = client.post(
        "/v1/identity/blocks", json={"type": "phone", "value": "139 1234 5678"}, headers=auth
    )
    assert response.status_code == 201 and response.json()["value"] == "+8613912345678"
    assert (
        client.post(
            "/v1/identity/blocks", json={"type": "phone", "value": "13912345678"}, headers=auth
        ).status_code
        == 201
    )
    assert _see(runtime, ("phone", "13912345678")).customer_id is None
    bad = client.post("/v1/identity/blocks", json={"type": "fax", "value": "1"}, headers=auth)
    assert bad.status_code == 422


def test_guides_cannot_split_or_block(client, runtime):
    auth = _auth(runtime, role="guide")
    assert client.post("/v1/identity/merges/1/split", headers=auth).status_code == 403
    assert client.get("/v1/identity/merges", headers=auth).status_code == 403
