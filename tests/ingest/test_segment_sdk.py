"""The official Segment Python SDK (segment-analytics-python), unchanged, pointed at a running
liveloop server: its events land in the event log, and re-sending a messageId adds nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from segment.analytics.client import Client
from segment.analytics.request import APIError

from liveloop.app import create_app
from tests.helpers import running_server
from tests.ingest.conftest import make_source, stored_events


@pytest.fixture
def server(store_runtime) -> Iterator[str]:
    with running_server(store_runtime) as url:
        yield url


def test_every_sdk_call_lands_once_even_when_resent(server, store_runtime):
    key = make_source(store_runtime, "python-backend", kind="server").write_key
    sdk = Client(write_key=key, host=server, sync_mode=True, max_retries=0)
    sdk.identify("M00000001", {"phone": "13800138000", "name": "张秀英"}, message_id="sdk-1")
    sdk.track(
        "M00000001", "Order Completed", {"order_id": "SO1", "total": "39.80"}, message_id="sdk-2"
    )
    sdk.page("M00000001", category="live", name="直播预告", message_id="sdk-3")
    sdk.screen(anonymous_id="dev-1", name="商品详情", message_id="sdk-4")
    sdk.group("M00000001", "leader-7", {"name": "王团长"}, message_id="sdk-5")
    sdk.alias("dev-1", "M00000001", message_id="sdk-6")
    # The same messages again, as an SDK retrying after a lost response would send them.
    sdk.track(
        "M00000001", "Order Completed", {"order_id": "SO1", "total": "39.80"}, message_id="sdk-2"
    )
    sdk.identify("M00000001", {"phone": "13800138000"}, message_id="sdk-1")

    events = {e.message_id: e for e in stored_events(store_runtime)}
    assert sorted(events) == [f"sdk-{i}" for i in range(1, 7)]
    assert events["sdk-1"].type == "identify"
    assert events["sdk-1"].properties == {"traits": {"phone": "13800138000", "name": "张秀英"}}
    assert events["sdk-2"].name == "Order Completed"
    assert events["sdk-2"].properties == {"order_id": "SO1", "total": "39.80"}
    assert events["sdk-3"].name == "直播预告"
    assert events["sdk-3"].properties == {"category": "live"}
    assert events["sdk-4"].anonymous_id == "dev-1" and events["sdk-4"].type == "screen"
    assert events["sdk-5"].properties["groupId"] == "leader-7"
    assert events["sdk-6"].properties == {"previousId": "dev-1"}
    assert events["sdk-2"].context["library"]["name"] == "analytics-python"
    assert all(
        e.source == "python-backend" and e.user_id in (None, "M00000001") for e in events.values()
    )


def test_the_sdks_batched_gzip_uploads_land_in_full(server, store_runtime):
    key = make_source(store_runtime, "batch-backend", kind="server").write_key
    sdk = Client(write_key=key, host=server, gzip=True, upload_size=50, max_retries=0)
    for n in range(120):
        sdk.track(
            anonymous_id=f"viewer-{n % 7}",
            event="Live Comment Posted",
            properties={"room": "main", "text": "福袋什么时候开?", "n": n},
        )
    sdk.flush()
    sdk.join()
    events = stored_events(store_runtime)
    assert len(events) == 120
    assert sorted(e.properties["n"] for e in events) == list(range(120))


def test_the_sdk_hears_401_for_a_wrong_write_key(server, store_runtime):
    sdk = Client(write_key="wk_wrong", host=server, sync_mode=True, max_retries=0)
    with pytest.raises(APIError) as refused:
        sdk.track("M1", "Signed Up")
    assert refused.value.status == 401
    assert stored_events(store_runtime) == []


def test_sdk_events_end_up_once_on_the_right_profile(server, store_runtime):
    from fastapi.testclient import TestClient

    from liveloop.access.service import create_api_key
    from liveloop.store.engine import transaction

    key = make_source(store_runtime, "mini-program", kind="mini_program").write_key
    sdk = Client(write_key=key, host=server, sync_mode=True, max_retries=0)
    sdk.identify("M00000001", {"phone": "13800138000"}, anonymous_id="dev-9", message_id="p-1")
    for _ in range(2):  # a retry of the same message
        sdk.track("M00000001", "Product Viewed", {"sku": "RICE-5KG"}, message_id="p-2")
    sdk.track(
        anonymous_id="dev-9", event="Live Joined", properties={"room": "main"}, message_id="p-3"
    )
    # OneID resolution is an event-log consumer; run it as the server's worker would.
    store_runtime.consumers.run_until_idle(store_runtime.sessions, store_runtime.clock)
    with transaction(store_runtime.sessions) as session:
        _, api_key = create_api_key(session, "ops", "operator", store_runtime.clock.now())
    with TestClient(create_app(runtime=store_runtime)) as http:
        profile = http.get(
            "/v1/profiles",
            params={"type": "phone", "value": "13800138000"},
            headers={"Authorization": f"Bearer {api_key}"},
        )
    assert profile.status_code == 200, profile.text
    tracked = [e for e in profile.json()["timeline"] if e["type"] != "domain"]
    # All three messages, the retried one once, on the person the phone identifies.
    assert sorted((e["type"], e["name"] or "") for e in tracked) == [
        ("identify", ""),
        ("track", "Live Joined"),
        ("track", "Product Viewed"),
    ]
    assert {e["source"] for e in tracked} == {"mini-program"}
