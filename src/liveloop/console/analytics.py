"""Console page 分析 (analytics): the latest analytics run and what it found — RFM groups,
lifecycle stages and churn risk counted from the people's scores, the CLV models' fit and
holdout check, the overall live funnel, the strongest basket rules and cohort retention.

Read-only, for admins, operators, analysts and hosts. Each section comes from the newest
successful run that computed its job: a later run of only some jobs (``liveloop analytics run
rfm``) leaves the other jobs' results, and their diagnostics, as they were.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from liveloop.access.contracts import Role
from liveloop.analytics import service as analytics
from liveloop.analytics.contracts import RunStatus
from liveloop.analytics.service import LIFECYCLE_STAGES as STAGES
from liveloop.console.auth import ConsoleUser
from liveloop.web.deps import ReadSessionDep, RuntimeDep

router = APIRouter(include_in_schema=False)

ALLOWED = {Role.ADMIN, Role.OPERATOR, Role.ANALYST, Role.HOST}
KIND_NAMES = {"full": "全量", "incremental": "增量", "manual": "手动"}
STATUS_NAMES: dict[str, str] = {
    RunStatus.SUCCEEDED: "成功",
    RunStatus.FAILED: "失败",
    RunStatus.RUNNING: "运行中",
}
CHURN_LEVELS = ("高", "中", "低")
FUNNEL_STEPS = (
    ("viewers", "观看", None),
    ("clickers", "点击商品", "click_rate"),
    ("cart_adders", "加购", "cart_rate"),
    ("checkout_starters", "提交订单", "checkout_rate"),
    ("payers", "支付", "pay_rate"),
)
# the funnel job's break_step names the step whose rate lost the most
BREAK_STEPS = {"cart": "cart_adders", "checkout": "checkout_starters", "payment": "payers"}
TOP_RULES = 10
RECENT_RUNS = 30  # how far back a section looks for the last run that computed its job
HEAT_LEVELS = 10


@dataclass(frozen=True)
class RunLine:
    """One analytics run as the page shows it, times in the display timezone."""

    id: int
    kind: str
    engine: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    seconds: float | None  # wall time from start to finish
    compute_seconds: float  # the jobs' own time, summed
    jobs: tuple[str, ...]
    error: str | None

    @classmethod
    def of(cls, run: analytics.RunRecord, tz: tzinfo) -> RunLine:
        finished = run.finished_at.astimezone(tz) if run.finished_at else None
        seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
        job_seconds = (d.get("seconds") for d in run.diagnostics.values() if isinstance(d, dict))
        return cls(
            id=run.id,
            kind=KIND_NAMES.get(run.kind, run.kind),
            engine=run.engine,
            status=STATUS_NAMES.get(run.status, run.status),
            started_at=run.started_at.astimezone(tz),
            finished_at=finished,
            seconds=seconds,
            compute_seconds=round(sum(s for s in job_seconds if isinstance(s, int | float)), 3),
            jobs=run.jobs,
            error=run.error,
        )


@dataclass(frozen=True)
class Parameter:
    name: str
    value: float
    standard_error: float | None


@dataclass(frozen=True)
class ModelFit:
    """A fitted CLV model: parameters with standard errors, or why it was not fitted."""

    parameters: tuple[Parameter, ...] = ()
    log_likelihood: float | None = None
    at_bound: tuple[str, ...] = ()
    skipped: str | None = None

    @classmethod
    def of(cls, report: dict[str, Any] | None, names: dict[str, str]) -> ModelFit | None:
        if not report:
            return None
        if "skipped" in report:
            return cls(skipped=str(report["skipped"]))
        params = report.get("params", {})
        errors = report.get("standard_errors", {})
        return cls(
            parameters=tuple(
                Parameter(label, params[key], errors.get(key))
                for key, label in names.items()
                if key in params
            ),
            log_likelihood=report.get("log_likelihood"),
            at_bound=tuple(names.get(p, p) for p in report.get("at_bound", ())),
        )


@dataclass(frozen=True)
class Holdout:
    """The BG/NBD model refitted on a calibration period and checked on the weeks after."""

    customers: int
    weeks: float
    actual_total: float
    predicted_total: float
    mean_absolute_error: float
    correlation: float | None
    by_frequency: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Clv:
    run_id: int
    buyers: int | None
    bgnbd: ModelFit | None
    gamma_gamma: ModelFit | None
    holdout: Holdout | None
    holdout_skipped: str | None
    skipped: str | None


@dataclass(frozen=True)
class FunnelStep:
    name: str
    people: int
    rate: float | None  # share of the step before
    is_break: bool


@dataclass(frozen=True)
class Funnel:
    steps: tuple[FunnelStep, ...]
    conversion: float | None
    break_point: str | None


@dataclass(frozen=True)
class BasketRule:
    antecedents: tuple[str, ...]
    consequents: tuple[str, ...]
    support: float
    confidence: float
    lift: float


@dataclass(frozen=True)
class Cohort:
    name: str
    customers: int
    retention: tuple[float | None, ...]  # by months since the first order; None past as_of


@dataclass(frozen=True)
class AnalyticsView:
    latest: RunLine | None  # the newest run, whatever its status
    succeeded: RunLine | None  # the newest successful run
    rfm_groups: tuple[tuple[str, int], ...]
    lifecycle: tuple[tuple[str, int], ...]
    churn: tuple[tuple[str, int], ...]
    never_bought: int
    scored: int
    clv: Clv | None
    funnel: Funnel | None
    rules: tuple[BasketRule, ...]
    cohorts: tuple[Cohort, ...]
    cohort_months: int
    charts: dict[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.succeeded is None and not self.scored


def analytics_view(session: Session, tz: tzinfo) -> AnalyticsView:
    runs = analytics.recent_runs(session, RECENT_RUNS)
    done = [run for run in runs if run.status == RunStatus.SUCCEEDED]
    scores = analytics.score_counts(session)
    rfm_order = [rule.get("name") for rule in (_diagnostics(done, "rfm") or {}).get("rules", [])]
    rfm = _ordered(scores["rfm_group"], rfm_order)
    lifecycle = _ordered(scores["lifecycle_stage"], STAGES)
    churn = _ordered(scores["churn_risk"], CHURN_LEVELS)
    clv = _clv(done)
    funnel = _funnel(analytics.report_rows(session, "funnels", limit=1))
    top_rules = analytics.report_rows(session, "basket_rules", limit=TOP_RULES)
    rules = tuple(_rule(row) for row in top_rules)
    cohorts, months = _cohorts(analytics.report_rows(session, "cohorts"))
    return AnalyticsView(
        latest=RunLine.of(runs[0], tz) if runs else None,
        succeeded=RunLine.of(done[0], tz) if done else None,
        rfm_groups=rfm,
        lifecycle=lifecycle,
        churn=churn,
        never_bought=scores["rfm_group"].get(None, 0),
        scored=sum(scores["lifecycle_stage"].values()),
        clv=clv,
        funnel=funnel,
        rules=rules,
        cohorts=cohorts,
        cohort_months=months,
        charts=_charts(rfm, lifecycle, churn, clv, funnel),
    )


def _ordered(
    counts: Counter[str | None], order: Iterable[str | None]
) -> tuple[tuple[str, int], ...]:
    """Known names in their domain order (stages, risk levels, group priority), then any others
    by size; people without a value are left out."""
    known = [name for name in order if name is not None and counts.get(name)]
    rest = sorted(
        (name for name in counts if name is not None and name not in known),
        key=lambda name: (-counts[name], name),
    )
    return tuple((name, counts[name]) for name in [*known, *rest])


def _diagnostics(runs: Sequence[analytics.RunRecord], job: str) -> dict[str, Any] | None:
    for run in runs:
        if job in run.jobs and isinstance(run.diagnostics.get(job), dict):
            found: dict[str, Any] = run.diagnostics[job]
            return found
    return None


def _clv(runs: Sequence[analytics.RunRecord]) -> Clv | None:
    run = next((r for r in runs if isinstance(r.diagnostics.get("clv"), dict)), None)
    if run is None:
        return None
    clv = run.diagnostics["clv"]
    holdout = clv.get("holdout") or {}
    return Clv(
        run_id=run.id,
        buyers=clv.get("buyers"),
        bgnbd=ModelFit.of(clv.get("bgnbd"), {"r": "r", "alpha": "α", "a": "a", "b": "b"}),
        gamma_gamma=ModelFit.of(clv.get("gamma_gamma"), {"p": "p", "q": "q", "gamma": "γ"}),
        holdout=Holdout(
            customers=holdout.get("customers", 0),
            weeks=holdout.get("holdout_weeks", 0),
            actual_total=holdout["actual_total"],
            predicted_total=holdout["predicted_total"],
            mean_absolute_error=holdout.get("mean_absolute_error", 0.0),
            correlation=holdout.get("correlation"),
            by_frequency=tuple(holdout.get("by_frequency", ())),
        )
        if "actual_total" in holdout
        else None,
        holdout_skipped=holdout.get("skipped"),
        skipped=clv.get("skipped"),
    )


def _funnel(rows: list[dict[str, Any]]) -> Funnel | None:
    # the overall row (no session id, title 全部) comes first
    if not rows or rows[0].get("live_session_id") is not None:
        return None
    row = rows[0]
    broken = BREAK_STEPS.get(row.get("break_step") or "")
    return Funnel(
        steps=tuple(
            FunnelStep(
                label, int(row.get(key) or 0), row.get(rate) if rate else None, key == broken
            )
            for key, label, rate in FUNNEL_STEPS
        ),
        conversion=row.get("conversion"),
        break_point=row.get("break_point"),
    )


def _rule(row: dict[str, Any]) -> BasketRule:
    return BasketRule(
        antecedents=tuple(str(row.get("antecedents", "")).split("|")),
        consequents=tuple(str(row.get("consequents", "")).split("|")),
        support=float(row.get("support") or 0),
        confidence=float(row.get("confidence") or 0),
        lift=float(row.get("lift") or 0),
    )


def _cohorts(rows: list[dict[str, Any]]) -> tuple[tuple[Cohort, ...], int]:
    """Cohorts, newest first, each with its retention by month since the first order."""
    by_cohort: dict[str, dict[int, float]] = {}
    sizes: dict[str, int] = {}
    for row in rows:
        name = str(row["cohort"])
        by_cohort.setdefault(name, {})[int(row["months_since"])] = float(row["retention"] or 0)
        sizes[name] = int(row.get("customers") or 0)
    months = 1 + max((m for months in by_cohort.values() for m in months), default=-1)
    cohorts = tuple(
        Cohort(name, sizes[name], tuple(by_cohort[name].get(m) for m in range(months)))
        for name in sorted(by_cohort, reverse=True)
    )
    return cohorts, months


def _charts(
    rfm: tuple[tuple[str, int], ...],
    lifecycle: tuple[tuple[str, int], ...],
    churn: tuple[tuple[str, int], ...],
    clv: Clv | None,
    funnel: Funnel | None,
) -> dict[str, Any]:
    """What ``static/analytics.js`` draws: one small spec per chart, read from a data attribute."""

    def bars(counts: tuple[tuple[str, int], ...], name: str, color: str) -> dict[str, Any]:
        return {
            "type": "bar",
            "labels": [label for label, _ in counts],
            "series": [{"name": name, "data": [n for _, n in counts], "color": color}],
        }

    charts = {
        "rfm": bars(rfm, "人数", "#d9480f"),
        "lifecycle": bars(lifecycle, "人数", "#1971c2"),
        "churn": bars(churn, "人数", "#c92a2a"),
    }
    if clv and clv.holdout and clv.holdout.by_frequency:
        rows = clv.holdout.by_frequency
        charts["holdout"] = {
            "type": "bar",
            "labels": [str(row["frequency"]) for row in rows],
            "x_name": "校准期复购次数",
            "y_name": "人均购买次数",
            "series": [
                {
                    "name": "实际",
                    "data": [_rounded(row.get("actual_mean")) for row in rows],
                    "color": "#495057",
                },
                {
                    "name": "模型预测",
                    "data": [_rounded(row.get("predicted_mean")) for row in rows],
                    "color": "#d9480f",
                },
            ],
        }
    if funnel:
        charts["funnel"] = {
            "type": "funnel",
            "labels": [step.name for step in funnel.steps],
            "series": [{"name": "人次", "data": [step.people for step in funnel.steps]}],
        }
    return charts


def _rounded(value: float | None) -> float | None:
    # a frequency bucket nobody fell in has no mean; ECharts leaves a gap for null
    return None if value is None else round(value, 3)


def heat(value: float | None) -> str:
    """A retention share as a CSS class, heat-0 (none kept) to heat-10 (all kept)."""
    if value is None:
        return "heat-none"
    return f"heat-{min(HEAT_LEVELS, max(0, round(value * HEAT_LEVELS)))}"


@router.get("/console/analytics", response_class=HTMLResponse)
def analytics_page(
    request: Request, user: ConsoleUser, session: ReadSessionDep, runtime: RuntimeDep
) -> Response:
    from liveloop.console.routes import templates

    context: dict[str, Any] = {"user": user, "page": "analytics", "heat": heat}
    if user.principal.role not in ALLOWED:
        context["forbidden"] = True
        return templates.TemplateResponse(request, "analytics.html", context, status_code=403)
    context["view"] = analytics_view(session, runtime.settings.tz)
    context["tz_name"] = runtime.settings.display_timezone
    return templates.TemplateResponse(request, "analytics.html", context)
