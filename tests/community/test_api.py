"""Over HTTP: an operator runs onboarding and batches; leader A's key reads and scans only A's
points, batches and customers — B's are 404 to it, and lists leave them out."""

from __future__ import annotations

from datetime import date, timedelta

from liveloop.access.service import create_api_key
from liveloop.community import service as community
from liveloop.profiles import service as profiles
from liveloop.store.engine import transaction
from tests.community.conftest import local

TODAY = date(2026, 11, 20)
TOMORROW = TODAY + timedelta(days=1)


def _keys(town) -> dict[str, dict[str, str]]:
    with transaction(town.runtime.sessions) as session:
        made = {
            name: create_api_key(session, name, role, town.clock.now())[1]
            for name, role in (
                ("op", "operator"),
                ("leader-a", "leader"),
                ("leader-b", "leader"),
                ("analyst", "analyst"),
            )
        }
    return {name: {"Authorization": f"Bearer {key}"} for name, key in made.items()}


POINT = {
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "detail": "文三路 1 号",
    "lat": "30.270000",
    "lon": "120.150000",
    "opening_hours": "09:00-21:00",
    "capacity": 50,
}


def test_onboarding_over_http(town, client):
    keys = _keys(town)
    applied = client.post(
        "/v1/community/leaders",
        json={"name": "王姐", "phone": "13800138000", "username": "leader-a"},
        headers=keys["op"],
    )
    assert applied.status_code == 201 and applied.json()["status"] == "applied"
    code = applied.json()["code"]
    assert code == "L0001"
    refused = client.post(f"/v1/community/leaders/{code}/reject", json={}, headers=keys["op"])
    assert refused.status_code == 422 and "原因" in refused.json()["reason"]
    early = client.post(
        "/v1/community/pickup-points",
        json={"code": "P1", "leader": code, "name": "一号", **POINT},
        headers=keys["op"],
    )
    assert early.status_code == 409
    ok = client.post(f"/v1/community/leaders/{code}/approve", json={}, headers=keys["op"])
    assert ok.json()["status"] == "approved" and ok.json()["decided_by"] == "op"
    bad_hours = client.post(
        "/v1/community/pickup-points",
        json={
            "code": "P1",
            "leader": code,
            "name": "一号",
            **POINT,
            "opening_hours": "21:00-09:00",
        },
        headers=keys["op"],
    )
    assert bad_hours.status_code == 422
    bad_lat = client.post(
        "/v1/community/pickup-points",
        json={"code": "P1", "leader": code, "name": "一号", **POINT, "lat": "91"},
        headers=keys["op"],
    )
    assert bad_lat.status_code == 422
    opened = client.post(
        "/v1/community/pickup-points",
        json={"code": "P1", "leader": code, "name": "一号", **POINT},
        headers=keys["op"],
    )
    assert opened.status_code == 201
    # The analyst sees the leader's phone masked; the operator whole.
    assert client.get("/v1/community/leaders", headers=keys["analyst"]).json()[0]["phone"] == (
        "+86138****8000"
    )
    assert client.get("/v1/community/leaders", headers=keys["op"]).json()[0]["phone"] == (
        "+8613800138000"
    )


def test_leader_a_cannot_read_or_scan_leader_bs_points_batches_or_customers(town, client):
    keys = _keys(town)
    a = town.leader("王姐", username="leader-a")
    b = town.leader("李哥", username="leader-b")
    town.point("PA", a.code)
    town.point("PB", b.code)
    orders = {}
    for point, leader, buyer in (("PA", a, "张三"), ("PB", b, "李四")):
        order_no = town.paid_order(buyer, local(TODAY, 10))
        town.to_point(order_no, point)
        orders[point] = order_no
        with transaction(town.runtime.sessions) as session:
            community.bind_from_order(
                session,
                customer_id=town.person(buyer),
                leader=leader.code,
                order_no=order_no,
                at=town.clock.now(),
            )
    town.build(TOMORROW)
    batch = {v.point: v.batch_id for v in town.batches(TOMORROW)}
    with transaction(town.runtime.read_sessions) as session:
        oneid = profiles.oneids_of(session, [town.person("张三"), town.person("李四")])
    a_key = keys["leader-a"]

    points = client.get("/v1/community/pickup-points", headers=a_key).json()
    assert [p["code"] for p in points] == ["PA"]
    assert client.get("/v1/community/pickup-points/PB", headers=a_key).status_code == 404
    assert [
        x["point"]
        for x in client.get(f"/v1/community/batches?date={TOMORROW}", headers=a_key).json()
    ] == ["PA"]
    assert client.get(f"/v1/community/batches/{batch['PB']}", headers=a_key).status_code == 404
    packing = client.get(f"/v1/community/batches/{batch['PA']}", headers=a_key)
    assert packing.status_code == 200
    assert "张三" not in packing.text and "张*" in packing.text  # masked for a leader
    customers = client.get("/v1/community/bindings", headers=a_key).json()
    assert [c["oneid"] for c in customers] == [oneid[town.person("张三")]]
    assert (
        client.get(
            f"/v1/community/bindings/{oneid[town.person('李四')]}", headers=a_key
        ).status_code
        == 404
    )
    assert client.get(f"/v1/community/leaders/{b.code}", headers=a_key).status_code == 404
    assert [x["code"] for x in client.get("/v1/community/leaders", headers=a_key).json()] == [
        a.code
    ]
    assert (
        client.get(f"/v1/community/orders/{orders['PB']}/pickup", headers=a_key).status_code == 404
    )
    # Scans: B's batch and B's customer's code are not A's to scan.
    town.clock.current = local(TOMORROW, 9)
    arrival = client.post(
        "/v1/community/scans/arrival", json={"batch_id": batch["PB"]}, headers=a_key
    )
    assert arrival.status_code == 404
    mine = client.post("/v1/community/scans/arrival", json={"batch_id": batch["PA"]}, headers=a_key)
    assert mine.status_code == 200 and mine.json()["status"] == "arrived"
    town.arrive(batch["PB"])
    b_code = town.pickup(orders["PB"]).code
    assert (
        client.post("/v1/community/scans/pickup", json={"code": b_code}, headers=a_key).status_code
        == 404
    )
    a_code = town.pickup(orders["PA"]).code
    assert (
        client.post("/v1/community/scans/pickup", json={"code": a_code}, headers=a_key).json()[
            "changed"
        ]
        is True
    )
    # A leader key linked to no leader sees nothing at all.
    with transaction(town.runtime.sessions) as session:
        stray = create_api_key(session, "nobody", "leader", town.clock.now())[1]
    headers = {"Authorization": f"Bearer {stray}"}
    assert client.get("/v1/community/pickup-points", headers=headers).json() == []
    assert client.get("/v1/community/bindings", headers=headers).json() == []
    # The operator sees both.
    assert len(client.get("/v1/community/pickup-points", headers=keys["op"]).json()) == 2


def test_assigning_an_order_to_a_point_over_http(town, client):
    keys = _keys(town)
    a = town.leader("王姐")
    town.point("PA", a.code)
    order_no = town.paid_order("张三", local(TODAY, 10))
    answer = client.put(
        f"/v1/community/orders/{order_no}/pickup", json={"point": "PA"}, headers=keys["op"]
    )
    assert answer.status_code == 200 and len(answer.json()["code"]) == 7
    missing = client.put(
        "/v1/community/orders/NOPE/pickup", json={"point": "PA"}, headers=keys["op"]
    )
    assert missing.status_code == 404
    built = client.post(
        "/v1/community/batches/build", json={"delivery_date": str(TOMORROW)}, headers=keys["op"]
    )
    assert built.json()["added"] == 1
