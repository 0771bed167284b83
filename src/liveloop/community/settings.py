"""The operator's community settings, one row: which binding rule holds (and its lock in days),
the batches' cut-off in the brand's local time, how many days after arrival an uncollected
order is confirmed (WeChat's trade rules: 2), and when the first pickup reminder is due."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy.orm import Session

from liveloop.community.contracts import BindingRule, CommunityRefused
from liveloop.community.models import CommunitySettings

HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
ROW_ID = 1


@dataclass(frozen=True)
class Settings:
    binding_rule: BindingRule = BindingRule.FIRST_TOUCH
    locked_days: int = 30
    cutoff: str = "22:00"
    confirm_days: int = 2
    remind_after_hours: int = 4
    updated_at: datetime | None = None
    updated_by: str | None = None

    @property
    def cutoff_time(self) -> time:
        hours, minutes = self.cutoff.split(":")
        return time(int(hours), int(minutes))


def read_settings(session: Session) -> Settings:
    row = session.get(CommunitySettings, ROW_ID)
    if row is None:
        return Settings()
    return Settings(
        binding_rule=BindingRule(row.binding_rule),
        locked_days=row.locked_days,
        cutoff=row.cutoff,
        confirm_days=row.confirm_days,
        remind_after_hours=row.remind_after_hours,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def put_settings(
    session: Session,
    *,
    binding_rule: BindingRule | str,
    locked_days: int,
    cutoff: str,
    confirm_days: int,
    remind_after_hours: int,
    at: datetime,
    by: str,
) -> Settings:
    try:
        rule = BindingRule(binding_rule)
    except ValueError:
        raise CommunityRefused(
            f"不认识的绑定规则 {binding_rule} (unknown binding rule; use first_touch, "
            "last_touch or locked_days)"
        ) from None
    if not 1 <= locked_days <= 3650:
        raise CommunityRefused("锁定天数须在 1–3650 之间 (locked_days: 1-3650)")
    if not HHMM.match(cutoff):
        raise CommunityRefused(f"截单时间须为 HH:MM,不是 {cutoff} (cutoff must be HH:MM)")
    if not 1 <= confirm_days <= 30:
        raise CommunityRefused("自动确认天数须在 1–30 之间 (confirm_days: 1-30)")
    if not 1 <= remind_after_hours <= 72:
        raise CommunityRefused("提醒间隔须在 1–72 小时之间 (remind_after_hours: 1-72)")
    row = session.get(CommunitySettings, ROW_ID)
    if row is None:
        row = CommunitySettings(id=ROW_ID)
        session.add(row)
    row.binding_rule, row.locked_days, row.cutoff = rule, locked_days, cutoff
    row.confirm_days, row.remind_after_hours = confirm_days, remind_after_hours
    row.updated_at, row.updated_by = at, by[:64]
    session.flush()
    return read_settings(session)
