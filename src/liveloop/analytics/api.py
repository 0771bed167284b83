"""Analytics results over HTTP: runs, per-person scores, repurchase reminders, each job's
report — paged, filtered, and exported as CSV (streamed) or Excel — and the RFM group rules.

Filters are exact matches on a result's columns (``?rfm_group=VIP``, ``?province=广东省``);
an unknown column or job is a 400/404 that names what exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Select, select

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.analytics import rfm_groups as rfm
from liveloop.analytics.jobs.plan import registry
from liveloop.analytics.jobs.rfm import RULE_FIELDS
from liveloop.analytics.models import (
    AnalyticsReport,
    AnalyticsRun,
    CustomerScore,
    RepurchasePrediction,
)
from liveloop.profiles.models import Customer
from liveloop.web.deps import ReadSessionDep, SessionDep, require_roles
from liveloop.web.downloads import TABLES, RowPage, respond, respond_sql

router = APIRouter(prefix="/v1/analytics", tags=["analytics"])
# Runs' diagnostics and the reports are the brand's figures: operators and analysts read them;
# hosts and guides see what they need on their console pages, scoped to their work.
Reader = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.ANALYST))]
Editor = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
Page = Annotated[int, Query(ge=1, le=1_000_000)]
PageSize = Annotated[int, Query(ge=1, le=1_000)]
Format = Annotated[Literal["json", "csv", "xlsx"], Query()]
PAGING = {"page", "page_size", "format"}


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    engine: str
    jobs: list[str]
    status: str
    as_of: datetime
    started_at: datetime
    finished_at: datetime | None
    diagnostics: dict[str, Any]
    error: str | None


@router.get("/jobs")
def jobs(_: Reader) -> list[dict[str, Any]]:
    """The jobs ``liveloop analytics run`` knows, in run order, with what each reads first."""
    return [
        {"name": job.name, "after": list(job.after), "score_columns": list(job.score_columns)}
        for job in registry().values()
    ]


@router.get("/runs")
def runs(
    session: ReadSessionDep, _: Reader, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[RunOut]:
    """Recent runs, newest first, with each job's timing and fit diagnostics."""
    rows = session.scalars(select(AnalyticsRun).order_by(AnalyticsRun.id.desc()).limit(limit))
    return [RunOut.model_validate(row) for row in rows]


def _filters(request: Request, allowed: Iterable[str]) -> dict[str, str]:
    names = set(allowed)
    given = {k: v for k, v in request.query_params.items() if k not in PAGING}
    unknown = sorted(set(given) - names)
    if unknown:
        raise HTTPException(
            400, f"cannot filter on {', '.join(unknown)}; columns: {', '.join(sorted(names))}"
        )
    return given


@router.get("/reports/{report}", response_model=None, responses=TABLES)
def report(
    report: Annotated[str, Path(max_length=32, pattern=r"^[a-z_]+$")],
    request: Request,
    session: ReadSessionDep,
    _: Reader,
    page: Page = 1,
    page_size: PageSize = 50,
    format: Format = "json",
) -> RowPage | Response:
    """A job's report from the latest run (cohorts, funnels, live_roi, leaders, regions,
    basket_rules …); any other query parameter filters on a column by exact value."""
    query = select(AnalyticsReport.data).where(AnalyticsReport.report == report)
    first = session.scalar(query.limit(1))
    if first is None:
        known = sorted(set(session.scalars(select(AnalyticsReport.report).distinct())))
        raise HTTPException(
            404,
            f"no report {report!r} yet; reports: {', '.join(known) or 'none (run analytics)'}",
        )
    columns = list(first)
    filters = _filters(request, columns)
    rows = (
        data
        for data in session.scalars(query.order_by(AnalyticsReport.position))
        if all(_text(data.get(k)) == v for k, v in filters.items())
    )
    return respond(report, columns, rows, page, page_size, format)


SCORE_COLUMNS = [c.name for c in CustomerScore.__table__.columns if c.name != "customer_id"]


@router.get("/scores", response_model=None, responses=TABLES)
def scores(
    request: Request,
    session: ReadSessionDep,
    _: Reader,
    page: Page = 1,
    page_size: PageSize = 50,
    format: Format = "json",
) -> RowPage | Response:
    """Per-person results by OneID, e.g. ``?rfm_group=沉睡客&churn_risk=高``."""
    filters = _filters(request, SCORE_COLUMNS)
    query: Any = select(Customer.oneid, CustomerScore).join(
        Customer, Customer.id == CustomerScore.customer_id
    )
    for name, value in filters.items():
        query = query.where(_column_equals(CustomerScore.__table__.c[name], value))
    query = query.order_by(CustomerScore.customer_id)

    def rows(selected: Select[Any]) -> Iterator[dict[str, Any]]:
        for oneid, score in session.execute(selected):
            yield {"oneid": oneid} | {c: _plain(getattr(score, c)) for c in SCORE_COLUMNS}

    return respond_sql(
        session, "scores", ["oneid", *SCORE_COLUMNS], query, rows, page, page_size, format
    )


@router.get("/repurchase", response_model=None, responses=TABLES)
def repurchase(
    session: ReadSessionDep,
    _: Reader,
    sku: Annotated[str | None, Query(max_length=32)] = None,
    due_before: Annotated[datetime | None, Query(description="reminders due before")] = None,
    page: Page = 1,
    page_size: PageSize = 50,
    format: Format = "json",
) -> RowPage | Response:
    """Repurchase predictions, soonest reminder first; ``due_before`` lists who to remind."""
    if due_before is not None and due_before.tzinfo is None:
        raise HTTPException(400, "due_before needs a timezone, e.g. 2026-11-22T00:00:00+08:00")
    query: Any = select(Customer.oneid, RepurchasePrediction).join(
        Customer, Customer.id == RepurchasePrediction.customer_id
    )
    if sku:
        query = query.where(RepurchasePrediction.sku == sku)
    if due_before:
        query = query.where(RepurchasePrediction.remind_at < due_before)
    columns = [
        "oneid",
        "sku",
        "purchases",
        "interval_days",
        "last_purchase_at",
        "runout_at",
        "remind_at",
    ]
    query = query.order_by(RepurchasePrediction.remind_at, RepurchasePrediction.customer_id)

    def rows(selected: Select[Any]) -> Iterator[dict[str, Any]]:
        for oneid, p in session.execute(selected):
            yield {"oneid": oneid} | {c: _plain(getattr(p, c)) for c in columns[1:]}

    return respond_sql(session, "repurchase", columns, query, rows, page, page_size, format)


class GroupRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=16)
    priority: int = Field(ge=0, le=10_000)
    rule: dict[str, tuple[float, float]]
    enabled: bool = True

    @field_validator("rule")
    @classmethod
    def _ranges(cls, rule: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        if not rule:
            raise ValueError("a rule needs at least one range")
        for field, (low, high) in rule.items():
            if field not in RULE_FIELDS:
                raise ValueError(f"unknown field {field!r}; use {', '.join(RULE_FIELDS)}")
            if low > high:
                raise ValueError(f"{field}: low {low} is above high {high}")
            if field in ("r", "f", "m") and not (low >= 1 and high <= 5):
                raise ValueError(f"{field}: scores run from 1 to 5")
        return rule


@router.get("/rfm-groups")
def rfm_groups(session: ReadSessionDep, _: Reader) -> list[GroupRuleIn]:
    return [
        GroupRuleIn(name=g.name, priority=g.priority, rule=g.ranges, enabled=g.enabled)
        for g in rfm.rfm_groups(session)
    ]


@router.put("/rfm-groups")
def replace_rfm_groups(
    groups: list[GroupRuleIn], session: SessionDep, _: Editor
) -> list[GroupRuleIn]:
    """Replace the named groups; they apply from the next run of the ``rfm`` job."""
    names = [g.name for g in groups]
    if len(set(names)) != len(names):
        raise HTTPException(400, "group names must be unique")
    if len(groups) > 50:
        raise HTTPException(400, "at most 50 groups")
    rfm.replace_rfm_groups(
        session, [rfm.RfmGroup(g.name, g.priority, g.rule, g.enabled) for g in groups]
    )
    return sorted(groups, key=lambda g: g.priority)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _column_equals(column: Any, value: str) -> Any:
    if column.name == "interests":
        raise HTTPException(400, "interests cannot be filtered by value")
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        python_type = str
    try:
        if python_type is int:
            return column == int(value)
        if python_type in (float, Decimal):
            return column == python_type(value)
        if python_type is datetime:
            return column == datetime.fromisoformat(value)
    except (ValueError, ArithmeticError):
        raise HTTPException(400, f"{column.name}: {value!r} is not a valid value") from None
    return column == value
