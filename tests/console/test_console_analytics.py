"""The console's 分析 page: a real analytics run over a 200-person simulated brand, read back
the way an operator or analyst sees it."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from liveloop.access.service import create_user
from liveloop.analytics.models import AnalyticsReport, AnalyticsRun, CustomerScore, RfmGroupRule
from liveloop.analytics.service import run_analytics
from liveloop.app import create_app
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from tests.conftest import open_copy

PASSWORD = "s3cret-分析-ok"


def add_user(runtime: Runtime, username: str, role: str, display_name: str = "王运营") -> None:
    with transaction(runtime.sessions) as session:
        create_user(
            session,
            username,
            role,
            runtime.clock.now(),
            password=PASSWORD,
            display_name=display_name,
        )


def login(client: TestClient, username: str) -> None:
    page = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/console/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303


@pytest.fixture
def brand(analysed_store, tmp_path, clock) -> Iterator[Runtime]:
    runtime = open_copy(analysed_store, tmp_path, clock)
    yield runtime
    runtime.close()


@pytest.fixture
def brand_client(brand) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=brand), raise_server_exceptions=False) as http:
        yield http


def _text(page: str) -> str:
    """The page's visible text, tags dropped and entities decoded, runs of space as one."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _section(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start : page.index('<div class="card', start + 1)]


def _chart(page: str, element_id: str) -> dict:
    """The spec a chart element hands to ECharts (``static/analytics.js``)."""
    found = re.search(rf'id="{element_id}" data-analytics-chart=\'([^\']*)\'', page)
    assert found, f"no chart {element_id}"
    return json.loads(html.unescape(found.group(1)))


def _counts(runtime: Runtime, column: str) -> Counter[str]:
    with runtime.read_sessions() as session:
        values = session.scalars(select(getattr(CustomerScore, column)))
        return Counter(v for v in values if v is not None)


def test_the_page_needs_a_login(client):
    response = client.get("/console/analytics", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login"


def test_an_analyst_sees_the_latest_run_and_its_results_in_chinese(brand, brand_client):
    add_user(brand, "li", "analyst", "李分析")
    login(brand_client, "li")
    page = brand_client.get("/console/analytics")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    body = page.text
    text = _text(body)
    assert "客户分析" in text and 'href="/console/analytics" class="active"' in body

    with brand.read_sessions() as session:
        run = session.scalars(select(AnalyticsRun)).one()
        funnel = session.scalar(
            select(AnalyticsReport.data)
            .where(AnalyticsReport.report == "funnels")
            .order_by(AnalyticsReport.position)
        )
        top_rule = session.scalar(
            select(AnalyticsReport.data)
            .where(AnalyticsReport.report == "basket_rules")
            .order_by(AnalyticsReport.position)
        )
        cohorts = {
            row["cohort"]
            for row in session.scalars(
                select(AnalyticsReport.data).where(AnalyticsReport.report == "cohorts")
            )
        }
    # the run: 12:00 UTC is 20:00 in Beijing; a full run is 全量
    latest = _text(_section(body, "latest-run"))
    assert f"最近一次成功运行 #{run.id}" in latest
    assert "2026-11-20 20:00:00(Asia/Shanghai)" in latest
    assert "全量" in latest and "duckdb" in latest and "其中计算" in latest

    # group sizes are counted from the people's scores
    for column, testid in (
        ("rfm_group", "rfm"),
        ("lifecycle_stage", "lifecycle"),
        ("churn_risk", "churn"),
    ):
        counts = _counts(brand, column)
        assert counts, f"the run scored no {column}"
        section = _text(_section(body, testid))
        for name, n in counts.items():
            assert re.search(rf"{re.escape(name)}(风险)? {n:,}\b", section), (name, n, section)
        chart = _chart(body, f"{testid}-chart")
        assert dict(zip(chart["labels"], chart["series"][0]["data"], strict=True)) == counts
    stages = _chart(body, "lifecycle-chart")["labels"]
    assert stages == sorted(stages, key=["认知", "考虑", "首购", "复购", "忠诚", "流失预警"].index)

    # the CLV model card: BG/NBD and Gamma-Gamma parameters with standard errors
    clv = run.diagnostics["clv"]
    model = _text(_section(body, "clv-model"))
    bgnbd = clv["bgnbd"]
    for key, label in (("r", "r"), ("alpha", "α"), ("a", "a"), ("b", "b")):
        value, error = bgnbd["params"][key], bgnbd["standard_errors"][key]
        assert f"{label} {value:.4f} {error:.4f}" in model
    assert f"对数似然 {bgnbd['log_likelihood']:.2f}" in model
    for key, label in (("p", "p"), ("q", "q"), ("gamma", "γ")):
        assert f"{label} {clv['gamma_gamma']['params'][key]:.4f}" in model
    holdout = clv["holdout"]
    check = _text(_section(body, "holdout"))
    assert f"预测总购买次数 {holdout['predicted_total']:,.1f}" in check
    assert f"实际总购买次数 {holdout['actual_total']:,.0f}" in check
    chart = _chart(body, "holdout-chart")
    assert chart["labels"] == [str(row["frequency"]) for row in holdout["by_frequency"]]
    assert [s["name"] for s in chart["series"]] == ["实际", "模型预测"]
    assert chart["series"][1]["data"][0] == round(holdout["by_frequency"][0]["predicted_mean"], 3)

    # the overall funnel with its break point, the strongest rule, every cohort
    assert funnel["title"] == "全部" and funnel["break_point"]
    assert f'data-testid="break-point">{funnel["break_point"]}</p>' in body
    assert re.search(r'<tr class="break"><td>(加购|提交订单|支付)</td>', body)
    rules = _text(_section(body, "basket-rules"))
    first = " + ".join(top_rule["antecedents"].split("|"))
    assert f"{first} → {top_rule['consequents']} {top_rule['confidence']:.0%}" in rules
    assert f"{top_rule['lift']:.2f}" in rules
    table = body[body.index('data-testid="cohort-table"') :]
    assert table.count("<tr><th>") == 1 + len(cohorts) and "第0月" in table
    assert 'class="num heat-10">100%</td>' in table
    assert "还没有分析结果" not in text


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("admin", True),
        ("operator", True),
        ("analyst", True),
        ("host", True),
        ("leader", False),
        ("guide", False),
        ("integrator", False),
    ],
)
def test_only_admins_operators_analysts_and_hosts_see_analytics(client, runtime, role, allowed):
    add_user(runtime, role, role)
    login(client, role)
    page = client.get("/console/analytics")
    nav = client.get("/console").text
    if allowed:
        assert page.status_code == 200
        assert 'href="/console/analytics"' in nav
    else:
        assert page.status_code == 403
        assert "没有权限" in page.text and "还没有分析结果" not in page.text
        assert 'href="/console/analytics"' not in nav


def test_an_empty_store_says_how_to_get_results(client, runtime):
    add_user(runtime, "wang", "operator")
    login(client, "wang")
    page = client.get("/console/analytics")
    assert page.status_code == 200
    assert "还没有分析结果 — 运行 <code>liveloop analytics run</code>" in page.text
    assert "data-analytics-chart" not in page.text


def test_an_empty_store_after_a_run_shows_empty_sections(client, runtime):
    run_analytics(runtime)
    add_user(runtime, "wang", "operator")
    login(client, "wang")
    page = client.get("/console/analytics")
    assert page.status_code == 200
    assert "最近一次成功运行" in page.text
    assert "还没有 RFM 分组" in page.text and "模型未拟合" in page.text


def test_a_failed_run_shows_its_error_above_the_results_it_left_in_place(brand, brand_client):
    with pytest.raises(ValueError, match="unknown engine"):
        run_analytics(brand, ("rfm",), engine="<b>x</b>")
    add_user(brand, "wang", "operator")
    login(brand_client, "wang")
    body = brand_client.get("/console/analytics").text
    failed = _section(body, "failed-run")
    assert "最近一次运行失败 #2" in failed and "手动" in failed
    assert "unknown engine &#39;&lt;b&gt;x&lt;/b&gt;&#39;" in failed and "<b>x</b>" not in body
    assert "下面仍是第 #1 次运行的结果" in failed
    assert "最近一次成功运行 #1" in body and 'id="rfm-chart"' in body


def test_group_names_are_escaped_and_a_partial_run_keeps_the_other_results(brand, brand_client):
    name = "<i>大客户</i>"
    with transaction(brand.sessions) as session:
        session.add(RfmGroupRule(name=name, priority=1, rule={"r": [1, 5]}, enabled=True))
    run_analytics(brand, ("rfm",))
    add_user(brand, "wang", "operator")
    login(brand_client, "wang")
    body = brand_client.get("/console/analytics").text
    assert name not in body
    assert "&lt;i&gt;大客户&lt;/i&gt;" in _section(body, "rfm")
    assert name in _chart(body, "rfm-chart")["labels"]  # unescaped only inside the JSON
    latest = _text(_section(body, "latest-run"))
    assert "最近一次成功运行 #2" in latest and "手动" in latest
    # the CLV card and the reports still come from the full run
    assert "第 #1 次运行" in _text(_section(body, "clv-model"))
    assert 'data-testid="break-point"' in body and 'data-testid="rules"' in body
