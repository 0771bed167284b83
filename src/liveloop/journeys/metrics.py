"""How a journey is doing: people in and through each step, what its messages did, who
converted and for how much — and, for A/B splits, each variant against the control group."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from scipy import stats
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveloop.channels.contracts import MessageStatus
from liveloop.channels.models import Message
from liveloop.journeys.contracts import OPEN, StateStatus, StepOutcome
from liveloop.journeys.models import JourneyState, JourneyStepRun
from liveloop.store.base import Money

CONTROL = "control"
SENT = (MessageStatus.SENT, MessageStatus.DELIVERED)
FAILED = (MessageStatus.FAILED, MessageStatus.DEAD)


@dataclass(frozen=True)
class StepMetrics:
    step: str
    kind: str
    reached: int  # people who went through the step
    outcomes: dict[str, int]
    queued: int = 0
    sent: int = 0  # sent or delivered
    delivered: int = 0
    failed: int = 0
    suppressed: int = 0


@dataclass(frozen=True)
class VariantMetrics:
    variant: str
    entered: int
    converted: int
    conversion_rate: float
    revenue: Decimal
    # Against the control group (None for the control itself, or when there is none):
    uplift: float | None = None  # difference in conversion rate, in points of probability
    p_value: float | None = None  # two-sided; Fisher's exact test when counts are small
    significant: bool = False  # p < 0.05


@dataclass(frozen=True)
class JourneyMetrics:
    entered: int
    inside: int
    done: int
    exited: int
    failed: int
    converted: int
    conversion_rate: float
    revenue: Decimal
    steps: list[StepMetrics] = field(default_factory=list)
    variants: list[VariantMetrics] = field(default_factory=list)


def journey_metrics(
    session: Session, journey_id: int, version: int | None = None
) -> JourneyMetrics:
    """Metrics over every version, or one ``version``."""
    states = select(
        JourneyState.status,
        JourneyState.variant,
        func.count(),
        func.count(JourneyState.converted_at),
        func.coalesce(func.sum(JourneyState.revenue), 0, type_=Money()),
    ).where(JourneyState.journey_id == journey_id)
    if version is not None:
        states = states.where(JourneyState.version == version)
    by_status: dict[str, int] = defaultdict(int)
    by_variant: dict[str, list] = defaultdict(lambda: [0, 0, Decimal("0")])
    converted, revenue = 0, Decimal("0")
    for status, variant, people, conversions, money in session.execute(
        states.group_by(JourneyState.status, JourneyState.variant)
    ):
        by_status[status] += people
        converted += conversions
        revenue += money
        if variant is not None:
            totals = by_variant[variant]
            totals[0] += people
            totals[1] += conversions
            totals[2] += money
    entered = sum(by_status.values())
    return JourneyMetrics(
        entered=entered,
        inside=sum(by_status[s] for s in OPEN),
        done=by_status[StateStatus.DONE],
        exited=by_status[StateStatus.EXITED],
        failed=by_status[StateStatus.FAILED],
        converted=converted,
        conversion_rate=converted / entered if entered else 0.0,
        revenue=revenue.quantize(Decimal("0.01")),
        steps=_steps(session, journey_id, version),
        variants=_variants(by_variant),
    )


def _steps(session: Session, journey_id: int, version: int | None) -> list[StepMetrics]:
    runs = select(
        JourneyStepRun.step,
        JourneyStepRun.kind,
        JourneyStepRun.outcome,
        func.count(),
        func.count(func.distinct(JourneyStepRun.state_id)),
        func.min(JourneyStepRun.id),
    ).where(JourneyStepRun.journey_id == journey_id)
    messages = (
        select(JourneyStepRun.step, Message.status, func.count())
        .join(Message, Message.id == JourneyStepRun.message_id)
        .where(JourneyStepRun.journey_id == journey_id)
    )
    if version is not None:
        runs = runs.where(JourneyStepRun.version == version)
        messages = messages.where(JourneyStepRun.version == version)
    order: dict[str, int] = {}
    kinds: dict[str, str] = {}
    outcomes: dict[str, dict[str, int]] = defaultdict(dict)
    reached: dict[str, int] = defaultdict(int)
    for step, kind, outcome, count, people, first in session.execute(
        runs.group_by(JourneyStepRun.step, JourneyStepRun.kind, JourneyStepRun.outcome)
    ):
        order[step] = min(order.get(step, first), first)
        kinds[step] = kind
        outcomes[step][outcome] = count
        if outcome != StepOutcome.TIMEOUT:  # a timeout is the second half of a wait already counted
            reached[step] += people
    sent: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for step, status, count in session.execute(
        messages.group_by(JourneyStepRun.step, Message.status)
    ):
        sent[step][status] += count
    return [
        StepMetrics(
            step=step,
            kind=kinds[step],
            reached=reached[step],
            outcomes=outcomes[step],
            queued=sent[step][MessageStatus.QUEUED] + sent[step][MessageStatus.HELD],
            sent=sum(sent[step][s] for s in SENT),
            delivered=sent[step][MessageStatus.DELIVERED],
            failed=sum(sent[step][s] for s in FAILED),
            suppressed=sent[step][MessageStatus.SUPPRESSED],
        )
        for step in sorted(order, key=order.__getitem__)
    ]


def _variants(by_variant: dict[str, list]) -> list[VariantMetrics]:
    control = by_variant.get(CONTROL)
    result = []
    for name in sorted(by_variant, key=lambda v: (v == CONTROL, v)):
        entered, converted, revenue = by_variant[name]
        rate = converted / entered if entered else 0.0
        uplift = p_value = None
        if control is not None and name != CONTROL and entered and control[0]:
            uplift = rate - control[1] / control[0]
            p_value = conversion_p_value(converted, entered, control[1], control[0])
        result.append(
            VariantMetrics(
                variant=name,
                entered=entered,
                converted=converted,
                conversion_rate=rate,
                revenue=revenue.quantize(Decimal("0.01")),
                uplift=uplift,
                p_value=p_value,
                significant=p_value is not None and p_value < 0.05,
            )
        )
    return result


def conversion_p_value(converted_a: int, people_a: int, converted_b: int, people_b: int) -> float:
    """Two-sided p-value for "the two groups convert at the same rate": the pooled two-proportion
    z-test, or Fisher's exact test when an expected cell count is under 5 (where the normal
    approximation is poor)."""
    table = [[converted_a, people_a - converted_a], [converted_b, people_b - converted_b]]
    total = people_a + people_b
    rate = (converted_a + converted_b) / total
    expected = min(people_a, people_b) * min(rate, 1 - rate)
    if expected < 5:
        return float(stats.fisher_exact(table).pvalue)
    diff = converted_a / people_a - converted_b / people_b
    se = (rate * (1 - rate) * (1 / people_a + 1 / people_b)) ** 0.5
    if se == 0:
        return 1.0
    return float(2 * stats.norm.sf(abs(diff / se)))
