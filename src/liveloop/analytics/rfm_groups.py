"""Operators' named RFM groups: the first enabled group (by priority) whose ranges a person
meets names them in the ``rfm`` job."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from liveloop.analytics.jobs.base import GroupRule
from liveloop.analytics.models import RfmGroupRule


@dataclass(frozen=True)
class RfmGroup(GroupRule):
    """A ``GroupRule`` as operators keep it: switched on or off."""

    enabled: bool = True


def rfm_groups(session: Session) -> list[RfmGroup]:
    rows = session.scalars(select(RfmGroupRule).order_by(RfmGroupRule.priority))
    return [
        RfmGroup(r.name, r.priority, {k: (v[0], v[1]) for k, v in r.rule.items()}, r.enabled)
        for r in rows
    ]


def replace_rfm_groups(session: Session, groups: Sequence[RfmGroup]) -> None:
    """Replace every group in the caller's transaction; they apply from the next ``rfm`` run."""
    session.execute(delete(RfmGroupRule))
    session.add_all(
        RfmGroupRule(
            name=g.name,
            priority=g.priority,
            rule={k: list(v) for k, v in g.ranges.items()},
            enabled=g.enabled,
        )
        for g in groups
    )
