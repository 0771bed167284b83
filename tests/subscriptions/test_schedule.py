"""Cycle dates and pro-rata money, the pure parts: month ends, pauses, fen-exact shares."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from liveloop.subscriptions.contracts import Cadence
from liveloop.subscriptions.prorata import shares, unused_refund
from liveloop.subscriptions.schedule import Schedule


def test_a_monthly_plan_started_on_jan_31_delivers_on_each_months_last_day_without_drifting():
    schedule = Schedule(date(2027, 1, 31), 1, Cadence.MONTHLY)
    assert schedule.dates(1, 4) == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
    ]
    leap = Schedule(date(2028, 1, 31), 1, Cadence.MONTHLY)
    assert leap.date_of(2) == date(2028, 2, 29)
    assert Schedule(date(2026, 12, 15), 1, Cadence.MONTHLY).date_of(3) == date(2027, 2, 15)


def test_weekly_and_biweekly_plans_step_by_seven_and_fourteen_days():
    assert Schedule(date(2026, 12, 1), 1, Cadence.WEEKLY).dates(1, 3) == [
        date(2026, 12, 1),
        date(2026, 12, 8),
        date(2026, 12, 15),
    ]
    assert Schedule(date(2026, 12, 28), 1, Cadence.BIWEEKLY).date_of(2) == date(2027, 1, 11)


def test_a_pause_moves_the_cycles_not_yet_due_by_the_days_it_lasted():
    schedule = Schedule(date(2027, 1, 10), 1, Cadence.MONTHLY)
    # cycle 2 (Feb 10) was next; paused Feb 1, resumed Feb 11: ten days later, and on from there
    resumed = schedule.resumed(2, date(2027, 2, 1), date(2027, 2, 11))
    assert resumed.dates(2, 3) == [date(2027, 2, 20), date(2027, 3, 20), date(2027, 4, 20)]
    # a long pause never puts the next cycle before the day of resuming
    late = schedule.resumed(2, date(2027, 2, 9), date(2027, 5, 1))
    assert late.date_of(2) >= date(2027, 5, 1)


def test_a_membership_of_199_with_4_deliveries_refunds_49_75_per_unused_delivery():
    assert shares(Decimal("199"), 4) == [Decimal("49.75")] * 4
    assert unused_refund(Decimal("199"), 4, used=1) == Decimal("149.25")
    assert unused_refund(Decimal("199"), 4, used=4) == Decimal("0.00")
    assert unused_refund(Decimal("199"), 4, used=0) == Decimal("199.00")


def test_shares_that_do_not_divide_give_the_spare_fen_to_the_first_parts_and_add_up():
    parts = shares(Decimal("100"), 3)
    assert parts == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert sum(parts) == Decimal("100.00")
    for used in range(4):
        kept = sum(parts[:used], Decimal("0"))
        assert kept + unused_refund(Decimal("100"), 3, used) == Decimal("100.00")
    with pytest.raises(ValueError):
        shares(Decimal("10"), 0)
