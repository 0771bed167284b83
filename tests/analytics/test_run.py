"""``liveloop analytics run`` end to end: a simulated brand in the store, the snapshot refreshed
from it, every job computed, results written back and served (profiles, scores, reports)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from liveloop.access.service import create_api_key
from liveloop.analytics.jobs.plan import UnknownJob, registry
from liveloop.analytics.models import AnalyticsRun, CustomerScore, RfmGroupRule
from liveloop.analytics.service import run_analytics
from liveloop.analytics.snapshot import Snapshot
from liveloop.app import create_app
from liveloop.commerce.service import (
    OrderLine,
    ProductSpec,
    record_order,
    refund_order,
    upsert_product,
)
from liveloop.profiles.models import Customer
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from tests.conftest import open_copy


def _auth(runtime, role="operator"):
    with transaction(runtime.sessions) as session:
        key = create_api_key(session, "analytics", role, runtime.clock.now())[1]
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def brand(brand_store, tmp_path, clock) -> Iterator[Runtime]:
    runtime = open_copy(brand_store, tmp_path, clock)
    yield runtime
    runtime.close()


@pytest.fixture
def client(brand) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=brand), raise_server_exceptions=False) as http:
        yield http


def _scores(runtime) -> list[CustomerScore]:
    with runtime.read_sessions() as session:
        return list(session.scalars(select(CustomerScore)))


def test_a_full_run_writes_every_job_back_and_profiles_show_it(brand, client):
    summary = run_analytics(brand, kind="full")
    assert summary.jobs == list(registry())
    with brand.read_sessions() as session:
        people = session.scalar(select(func.count()).where(Customer.merged_into_id.is_(None)))
        run = session.get(AnalyticsRun, summary.run_id)
    assert run.status == "succeeded" and run.finished_at is not None
    scores = _scores(brand)
    assert len(scores) == people
    buyers = [s for s in scores if s.frequency]
    assert buyers and all(s.rfm_group and s.lifecycle_stage for s in buyers)
    for score in scores:
        for value in (score.p_alive, score.purchases_30d, score.purchases_90d):
            assert value is None or math.isfinite(value)
    assert all(s.rfm_group is None for s in scores if not s.frequency)
    assert {s.lifecycle_stage for s in scores} <= {
        "认知",
        "考虑",
        "首购",
        "复购",
        "忠诚",
        "流失预警",
    }
    assert "bgnbd" in run.diagnostics["clv"] and "holdout" in run.diagnostics["clv"]

    best = max(buyers, key=lambda s: s.monetary or Decimal(0))
    with brand.read_sessions() as session:
        oneid = session.get(Customer, best.customer_id).oneid
    profile = client.get(f"/v1/profiles/{oneid}", headers=_auth(brand)).json()
    assert profile["scores"]["rfm_group"] == best.rfm_group
    assert profile["scores"]["run_id"] == summary.run_id


def test_the_scores_endpoint_filters_pages_and_exports(brand, client):
    run_analytics(brand, ("rfm",))
    auth = _auth(brand, "analyst")
    everyone = client.get("/v1/analytics/scores", headers=auth, params={"page_size": 1000})
    assert everyone.status_code == 200
    groups = {row["rfm_group"] for row in everyone.json()["rows"]} - {None}
    group = sorted(groups)[0]
    some = client.get("/v1/analytics/scores", headers=auth, params={"rfm_group": group}).json()
    assert some["total"] == sum(r["rfm_group"] == group for r in everyone.json()["rows"])
    assert all(row["rfm_group"] == group for row in some["rows"])
    page2 = client.get(
        "/v1/analytics/scores", headers=auth, params={"page": 2, "page_size": 10}
    ).json()
    assert page2["rows"] == everyone.json()["rows"][10:20]
    exported = client.get("/v1/analytics/scores", headers=auth, params={"format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert len(rows) == everyone.json()["total"]
    bad = client.get("/v1/analytics/scores", headers=auth, params={"colour": "red"})
    assert bad.status_code == 400 and "colour" in bad.json()["reason"]
    bad = client.get("/v1/analytics/scores", headers=auth, params={"rfm_r": "five"})
    assert bad.status_code == 400


def test_reports_are_served_paged_filtered_and_as_excel(brand, client):
    run_analytics(brand)
    auth = _auth(brand, "analyst")
    reports = set()
    with brand.read_sessions() as session:
        from liveloop.analytics.models import AnalyticsReport

        reports = set(session.scalars(select(AnalyticsReport.report).distinct()))
    assert reports, "report jobs wrote nothing"
    for name in reports:
        page = client.get(f"/v1/analytics/reports/{name}", headers=auth)
        assert page.status_code == 200, page.text
        assert page.json()["total"] >= 1
        book = client.get(f"/v1/analytics/reports/{name}", headers=auth, params={"format": "xlsx"})
        sheet = load_workbook(io.BytesIO(book.content)).active
        assert sheet.max_row == page.json()["total"] + 1
    missing = client.get("/v1/analytics/reports/nothing_here", headers=auth)
    assert missing.status_code == 404 and "reports:" in missing.json()["reason"]


def test_operators_rename_rfm_groups_in_the_store(brand, client):
    auth = _auth(brand)
    groups = [{"name": "所有买家", "priority": 1, "rule": {"r": [1, 5]}}]
    assert client.put("/v1/analytics/rfm-groups", json=groups, headers=auth).status_code == 200
    run_analytics(brand, ("rfm",))
    assert {s.rfm_group for s in _scores(brand) if s.frequency} == {"所有买家"}
    bad = [{"name": "x", "priority": 1, "rule": {"r": [0, 9]}}]
    assert client.put("/v1/analytics/rfm-groups", json=bad, headers=auth).status_code == 422
    analyst = _auth(brand, "analyst")
    assert client.put("/v1/analytics/rfm-groups", json=groups, headers=analyst).status_code == 403
    with brand.read_sessions() as session:
        assert session.scalar(select(func.count()).select_from(RfmGroupRule)) == 1


def test_a_run_on_an_empty_store_succeeds_with_nothing_to_say(runtime):
    summary = run_analytics(runtime)
    assert summary.written["scores"] == 0
    assert summary.diagnostics["clv"]["skipped"]


def test_one_customer_with_a_single_purchase_gets_sensible_scores(runtime):
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session:
        customer = create_customer(session, NewCustomer(), now - timedelta(days=40), "test")
    _one_order(runtime, customer, now - timedelta(days=10))
    run_analytics(runtime)
    [score] = _scores(runtime)
    assert (score.frequency, score.rfm_r, score.rfm_f, score.rfm_m) == (1, 3, 3, 3)
    assert score.lifecycle_stage == "首购"
    assert score.p_alive is None or math.isfinite(score.p_alive)


def _one_order(runtime, customer: int, at, order_no: str = "A-1") -> None:
    with transaction(runtime.sessions) as session:
        upsert_product(
            session, ProductSpec("RICE-5KG", "五常大米 5kg", "大米杂粮", Decimal("59.90"), 365), at
        )
        record_order(
            session,
            order_no=order_no,
            customer_id=customer,
            lines=[OrderLine("RICE-5KG", 1, Decimal("59.90"))],
            placed_at=at,
            channel="mini_program",
            source="test",
        )


def test_the_snapshot_is_refreshed_incrementally_and_sees_refunds(runtime):
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session:
        customer = create_customer(session, NewCustomer(), now - timedelta(days=40), "test")
    _one_order(runtime, customer, now - timedelta(days=10), "A-1")
    first = run_analytics(runtime, ("rfm",))
    assert first.diagnostics["snapshot"]["exported"]["orders"] == 1
    _one_order(runtime, customer, now - timedelta(days=5), "A-2")
    second = run_analytics(runtime, ("rfm",))
    # the second refresh adds the new order (and re-reads the overlap window), not everything
    assert second.diagnostics["snapshot"]["exported"]["order_items"] == 1
    [score] = _scores(runtime)
    assert score.frequency == 2
    with transaction(runtime.sessions) as session:
        refund_order(session, "A-2", refunded_at=now, reason="破损", source="test")
    run_analytics(runtime, ("rfm",))
    [score] = _scores(runtime)
    assert score.frequency == 1
    snapshot = Snapshot(runtime.settings.snapshot_path())
    assert snapshot.manifest().tables["orders"].rows >= 2


def test_an_unknown_job_is_refused_before_anything_runs(runtime):
    with pytest.raises(UnknownJob, match="no job named horoscope"):
        run_analytics(runtime, ("horoscope",))
    with runtime.read_sessions() as session:
        assert session.scalar(select(func.count()).select_from(AnalyticsRun)) == 0


def test_the_cli_runs_named_jobs_with_their_dependencies(cli):
    result = cli("analytics", "run", "lifecycle")
    assert result.exit_code == 0, result.output
    assert "rfm" in result.output and "clv" in result.output and "lifecycle" in result.output
    bad = cli("analytics", "run", "horoscope")
    assert bad.exit_code == 2


def test_live_costs_set_through_the_api_reach_the_roi_report(brand, client):
    auth = _auth(brand)
    with brand.read_sessions() as session:
        from liveloop.commerce.models import Order

        live_id = session.scalar(
            select(Order.live_session_id)
            .where(Order.live_session_id.is_not(None), Order.status == "paid")
            .limit(1)
        )
    assert live_id is not None, "the simulated brand sold nothing in a live"
    costs = {"costs": {"主播费": "800.00", "投流": "450.50"}}
    done = client.put(f"/v1/live-sessions/{live_id}/costs", json=costs, headers=auth)
    assert done.status_code == 200 and done.json()["costs"]["投流"] == "450.50"
    run_analytics(brand, ("live_roi",))
    page = client.get(
        "/v1/analytics/reports/live_roi",
        headers=auth,
        params={"live_session_id": str(live_id)},
    ).json()
    [row] = page["rows"]
    assert row["cost"] == pytest.approx(1250.5)
    assert row["roi"] == pytest.approx((row["gmv"] - 1250.5) / 1250.5)
    negative = {"costs": {"投流": "-5"}}
    assert (
        client.put(f"/v1/live-sessions/{live_id}/costs", json=negative, headers=auth).status_code
        == 422
    )
    assert client.put("/v1/live-sessions/999999/costs", json=costs, headers=auth).status_code == 404
    host = _auth(brand, "host")
    assert (
        client.put(f"/v1/live-sessions/{live_id}/costs", json=costs, headers=host).status_code
        == 403
    )
    assert client.get("/v1/live-sessions", headers=host).status_code == 200


def test_a_run_reads_and_writes_both_stores(store_runtime, tmp_path):
    runtime = store_runtime
    runtime.settings = runtime.settings.model_copy(update={"snapshot_dir": tmp_path / "snap"})
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session:
        customer = create_customer(session, NewCustomer(), now - timedelta(days=90), "test")
    for n, days in enumerate((60, 30, 2)):
        _one_order(runtime, customer, now - timedelta(days=days), f"B-{n}")
    summary = run_analytics(runtime)
    assert summary.written["scores"] == 1
    [score] = _scores(runtime)
    assert (score.frequency, score.recency_days) == (3, 2)
    assert score.monetary == Decimal("179.70")
