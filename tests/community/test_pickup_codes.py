"""Pickup codes: unique under many assignments, refused twice by the store itself, random
(not in sequence) and short enough to read aloud."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from liveloop.community import pickup
from liveloop.community.contracts import PICKUP_ALPHABET
from liveloop.community.models import PickupOrder
from liveloop.store.engine import transaction

CODE = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{3}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{3}$")


def test_many_assignments_get_distinct_readable_codes(town):
    leader = town.leader("王姐")
    town.point("P1", leader.code, capacity=1000)
    codes = []
    for n in range(300):
        order_no = town.paid_order(f"顾客{n % 40}", town.clock.now())
        codes.append(town.to_point(order_no, "P1").code)
    assert len(set(codes)) == 300
    assert all(CODE.match(code) for code in codes)
    assert not set("01OIL") & set("".join(codes))


def test_the_store_refuses_a_second_order_with_the_same_code(store_town):
    leader = store_town.leader("王姐")
    store_town.point("P1", leader.code)
    first = store_town.to_point(store_town.paid_order("甲", store_town.clock.now()), "P1")
    second = store_town.to_point(store_town.paid_order("乙", store_town.clock.now()), "P1")
    with pytest.raises(IntegrityError), transaction(store_town.runtime.sessions) as session:
        session.execute(
            update(PickupOrder)
            .where(PickupOrder.order_no == second.order_no)
            .values(code=first.code.replace("-", ""))
        )


def test_a_colliding_draw_is_drawn_again(town, monkeypatch):
    leader = town.leader("王姐")
    town.point("P1", leader.code)
    taken = town.to_point(town.paid_order("甲", town.clock.now()), "P1").code.replace("-", "")
    draws = iter([taken, taken, "K7M4Q9"])
    monkeypatch.setattr(pickup, "new_code", lambda: next(draws))
    assert town.to_point(town.paid_order("乙", town.clock.now()), "P1").code == "K7M-4Q9"


def test_codes_are_not_in_sequence():
    codes = [pickup.new_code() for _ in range(2000)]
    assert len(set(codes)) == len(codes)
    # Each position uses the whole alphabet: nothing counts up.
    for position in range(6):
        assert len({code[position] for code in codes}) == len(PICKUP_ALPHABET)


def test_assigning_again_keeps_the_code(town):
    leader = town.leader("王姐")
    town.point("P1", leader.code)
    order_no = town.paid_order("甲", town.clock.now())
    first = town.to_point(order_no, "P1")
    again = town.to_point(order_no, "P1")
    assert again.code == first.code and again.changed is False and first.changed is True
