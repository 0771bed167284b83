"""What analytics runs write back to the operational store, where profiles, segments and the
console read them: one row of scores per person, repurchase predictions per person and SKU,
report rows per job, and the run itself with each job's fit diagnostics."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.analytics.contracts import RunStatus
from liveloop.store.base import Base, JSONDoc, Money, UTCDateTime


class AnalyticsRun(Base):
    __tablename__ = "analytics_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "full" | "incremental" | "manual"
    engine: Mapped[str] = mapped_column(String(16))
    jobs: Mapped[list[str]] = mapped_column(JSONDoc)
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.RUNNING)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # per job: seconds, rows, and the model's fit diagnostics (parameters, SEs, log-likelihood)
    diagnostics: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class CustomerScore(Base):
    """A person's latest analytics results; each job owns its columns and rewrites only them."""

    __tablename__ = "customer_scores"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime)
    run_id: Mapped[int] = mapped_column(Integer)
    # rfm
    recency_days: Mapped[int | None] = mapped_column(Integer)
    frequency: Mapped[int | None] = mapped_column(Integer)
    monetary: Mapped[Decimal | None] = mapped_column(Money)
    rfm_r: Mapped[int | None] = mapped_column(Integer)
    rfm_f: Mapped[int | None] = mapped_column(Integer)
    rfm_m: Mapped[int | None] = mapped_column(Integer)
    rfm_group: Mapped[str | None] = mapped_column(String(16), index=True)
    # lifecycle
    lifecycle_stage: Mapped[str | None] = mapped_column(String(16), index=True)
    # clv
    p_alive: Mapped[float | None] = mapped_column(Float)
    purchases_30d: Mapped[float | None] = mapped_column(Float)
    purchases_90d: Mapped[float | None] = mapped_column(Float)
    clv_12m: Mapped[Decimal | None] = mapped_column(Money)
    # churn, contact, channel, interests
    churn_risk: Mapped[str | None] = mapped_column(String(8), index=True)
    best_contact_hour: Mapped[int | None] = mapped_column(Integer)
    preferred_channel: Mapped[str | None] = mapped_column(String(24))
    interests: Mapped[dict[str, float] | None] = mapped_column(JSONDoc)


class RepurchasePrediction(Base):
    __tablename__ = "repurchase_predictions"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), primary_key=True)
    run_id: Mapped[int] = mapped_column(Integer)
    purchases: Mapped[int] = mapped_column(Integer)
    interval_days: Mapped[float] = mapped_column(Float)
    last_purchase_at: Mapped[datetime] = mapped_column(UTCDateTime)
    runout_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remind_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class AnalyticsReport(Base):
    """One row of a job's report (a cohort, a funnel, a rule …), in the job's own columns."""

    __tablename__ = "analytics_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analytics_runs.id"), index=True)
    report: Mapped[str] = mapped_column(String(32), index=True)
    position: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc)


class RfmGroupRule(Base):
    """Operators' named RFM groups: the first enabled rule (by priority) a person meets names
    them. ``rule`` holds inclusive ranges over r/f/m scores (1–5) and raw recency/frequency."""

    __tablename__ = "rfm_group_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(16), unique=True)
    priority: Mapped[int] = mapped_column(Integer)
    rule: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    enabled: Mapped[bool] = mapped_column(default=True)
