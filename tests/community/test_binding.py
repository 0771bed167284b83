"""Binding a customer to a leader under each rule, every touch in the history, replays judged
once, and commerce's ``Order Placed`` with a leader binding its buyer."""

from __future__ import annotations

import pytest

from liveloop.commerce import service as commerce
from liveloop.community import jobs
from liveloop.community import service as community
from liveloop.community.contracts import CommunityConflict, CommunityRefused
from liveloop.store.engine import transaction


def _rule(town, rule: str, locked_days: int = 30) -> None:
    with transaction(town.runtime.sessions) as session:
        community.put_settings(
            session,
            binding_rule=rule,
            locked_days=locked_days,
            cutoff="22:00",
            confirm_days=2,
            remind_after_hours=4,
            at=town.clock.now(),
            by="op",
        )


def _touch(town, person: str, leader: str, key: str, cause: str = "invite"):
    with transaction(town.runtime.sessions) as session:
        return community.touch(
            session,
            customer_id=town.person(person),
            leader=leader,
            cause=cause,
            at=town.clock.now(),
            by="test",
            source="test",
            source_key=key,
            reason="客户要求" if cause == "operator" else None,
        )


def _leader_of(town, person: str) -> str | None:
    with transaction(town.runtime.read_sessions) as session:
        found = community.binding_of(session, town.person(person))
    return found.leader if found else None


def _history(town, person: str):
    with transaction(town.runtime.read_sessions) as session:
        return community.history_of(session, town.person(person))


def test_first_touch_keeps_the_first_leader(town):
    a, b = town.leader("王姐"), town.leader("李哥")
    assert _touch(town, "张三", a.code, "k1").outcome == "bound"
    assert _touch(town, "张三", b.code, "k2").outcome == "kept"
    assert _leader_of(town, "张三") == a.code
    assert [(c.outcome, c.leader, c.previous) for c in _history(town, "张三")] == [
        ("bound", a.code, None),
        ("kept", b.code, a.code),
    ]


def test_last_touch_moves_to_the_latest_leader(town):
    _rule(town, "last_touch")
    a, b = town.leader("王姐"), town.leader("李哥")
    _touch(town, "张三", a.code, "k1")
    assert _touch(town, "张三", b.code, "k2").outcome == "moved"
    assert _leader_of(town, "张三") == b.code


def test_locked_days_hold_the_binding_then_let_it_move(town):
    _rule(town, "locked_days", locked_days=7)
    a, b = town.leader("王姐"), town.leader("李哥")
    _touch(town, "张三", a.code, "k1")
    town.clock.advance(days=6, hours=23)
    assert _touch(town, "张三", b.code, "k2").outcome == "kept"
    assert _leader_of(town, "张三") == a.code
    town.clock.advance(hours=1)
    assert _touch(town, "张三", b.code, "k3").outcome == "moved"
    assert _leader_of(town, "张三") == b.code
    # The lock starts again from the move.
    town.clock.advance(days=3)
    assert _touch(town, "张三", a.code, "k4").outcome == "kept"
    assert [c.outcome for c in _history(town, "张三")] == ["bound", "kept", "moved", "kept"]


def test_a_replayed_touch_is_judged_once(town):
    _rule(town, "last_touch")
    a, b = town.leader("王姐"), town.leader("李哥")
    _touch(town, "张三", a.code, "order:1")
    _touch(town, "张三", b.code, "order:2")
    replay = _touch(town, "张三", a.code, "order:1")
    assert replay.replayed and _leader_of(town, "张三") == b.code
    assert len(_history(town, "张三")) == 2


def test_an_operator_moves_a_customer_whatever_the_rule_with_a_reason(town):
    a, b = town.leader("王姐"), town.leader("李哥")
    _touch(town, "张三", a.code, "k1")
    with pytest.raises(CommunityRefused), transaction(town.runtime.sessions) as session:
        community.touch(
            session,
            customer_id=town.person("张三"),
            leader=b.code,
            cause="operator",
            at=town.clock.now(),
            by="op",
            source="test",
        )
    change = _touch(town, "张三", b.code, None, cause="operator")
    assert change.outcome == "moved" and change.reason == "客户要求"
    assert _leader_of(town, "张三") == b.code


def test_a_leader_not_approved_binds_nobody(town):
    pending = town.leader("王姐", approve=False)
    with pytest.raises(CommunityConflict):
        _touch(town, "张三", pending.code, "k1")
    assert _leader_of(town, "张三") is None


def test_an_order_placed_through_a_leader_binds_its_buyer_once(town):
    a = town.leader("王姐")
    jobs.register(town.runtime)
    with transaction(town.runtime.sessions) as session:
        for n in (1, 2):
            commerce.place_order(
                session,
                commerce.OrderRequest(
                    order_no=f"LB{n}",
                    customer_id=town.person("张三"),
                    lines=(commerce.OrderLine("RICE-DB-5KG", 1),),
                    channel="group_buy",
                    leader=a.code if n == 1 else "L9999",  # an unknown code binds nobody
                ),
                at=town.clock.now(),
                source="test",
            )
    town.runtime.consumers.run_until_idle(town.runtime.sessions, town.clock)
    town.runtime.consumers.run_until_idle(town.runtime.sessions, town.clock)
    assert _leader_of(town, "张三") == a.code
    history = _history(town, "张三")
    assert [(c.cause, c.source_key) for c in history] == [("order", "order:LB1")]
