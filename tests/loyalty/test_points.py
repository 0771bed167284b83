"""Points as a double-entry ledger, as a member and an operator notice it: an order's points
credited once however often it is told, frozen for the after-sales window, clawed back on
refund even into a visible debt, spent points handed back, lots expiring oldest first, and a
ledger whose every posting sums to zero."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from liveloop import spec
from liveloop.loyalty import service as loyalty
from liveloop.loyalty.errors import InsufficientPoints, PostingConflict
from liveloop.loyalty.events import POINTS_CLAWED_BACK, POINTS_EARNED, REVIEW_POSTED
from liveloop.loyalty.rules import PointsRules
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event
from tests.loyalty.shop import Shop


@pytest.fixture
def shop(runtime) -> Shop:
    return Shop(runtime)


@pytest.fixture
def store_shop(store_runtime) -> Shop:
    """On SQLite and on PostgreSQL."""
    return Shop(store_runtime)


def _events(shop: Shop, name: str) -> list[dict]:
    with transaction(shop.runtime.read_sessions) as session:
        return [
            dict(p) for p in session.scalars(select(Event.properties).where(Event.name == name))
        ]


def test_an_order_told_twice_and_the_log_replayed_credits_its_points_once(store_shop):
    shop = store_shop
    zhang = shop.person("张秀英")
    shop.paid(zhang, "SO1", "120.00")
    shop.paid(zhang, "SO1", "120.00", message_id="sdk-copy-of-SO1")  # the SDK's own event
    shop.replay_log()
    member = shop.member(zhang)
    assert (member.frozen, member.available, member.growth) == (120, 0, 120)
    assert len(_events(shop, POINTS_EARNED)) == 1
    assert shop.reconcile().ok


def test_points_stay_frozen_for_the_after_sales_window_then_are_released(shop):
    zhang = shop.person("张秀英")
    shop.paid(zhang, "SO1", "99.90")
    shop.later(days=6, hours=23)
    assert (shop.member(zhang).frozen, shop.member(zhang).available) == (99, 0)
    with pytest.raises(InsufficientPoints):
        shop.spend(zhang, 50, "order:SO2:spend")  # frozen points cannot be spent
    shop.later(hours=2)
    assert (shop.member(zhang).frozen, shop.member(zhang).available) == (0, 99)
    assert shop.ledger(zhang)[0].kind_name == "售后期结束解冻"
    assert shop.reconcile().ok


def test_a_refund_inside_the_window_takes_the_points_back_from_frozen(shop):
    zhang = shop.person("张秀英")
    shop.paid(zhang, "SO1", "120.00")
    shop.later(days=2)
    shop.refunded(zhang, "SO1", total="120.00")  # today's event: the whole order
    shop.later(days=6)
    member = shop.member(zhang)
    assert (member.frozen, member.available, member.owed, member.growth) == (0, 0, 0, 0)
    assert shop.reconcile().ok


def test_a_refund_after_the_points_were_spent_leaves_a_visible_debt(store_shop):
    shop = store_shop
    zhang = shop.person("张秀英")
    shop.paid(zhang, "SO1", "120.00")
    shop.paid(zhang, "SO2", "40.00")
    shop.later(days=8)
    assert shop.member(zhang).available == 160
    spent = shop.spend(zhang, 120, "order:SO3:spend", order_no="SO3")
    assert (spent.points, str(spent.value), spent.available_after) == (120, "1.20", 40)

    shop.refunded(zhang, "SO1", refund_no="RF1", amount="120.00", full=True)

    member = shop.member(zhang)
    assert (member.available, member.owed) == (-80, 80)
    line = shop.ledger(zhang)[0]
    assert (line.kind_name, line.available_change, line.available_after) == ("退款追回", -120, -80)
    assert line.order_no == "SO1"
    clawed = _events(shop, POINTS_CLAWED_BACK)
    assert [(e["points"], e["owed"], e["available"]) for e in clawed] == [(120, 80, -80)]
    # Later points pay the debt first.
    shop.did(zhang, spec.LIVE_COMMENT_POSTED, "c1", text="好吃")
    shop.work()
    assert (shop.member(zhang).available, shop.member(zhang).owed) == (-79, 79)
    assert shop.reconcile().ok


def test_partial_refunds_claw_back_and_return_pro_rata_and_a_full_one_settles_the_rest(store_shop):
    shop = store_shop
    zhang = shop.person("张秀英")
    shop.paid(zhang, "SO0", "300.00")
    shop.later(days=8)
    shop.spend(zhang, 200, "order:SO1:spend", order_no="SO1")  # 100 left
    shop.paid(zhang, "SO1", "99.00")  # 99 frozen
    shop.refunded(zhang, "SO1", refund_no="R1", amount="33.00")  # a third
    member = shop.member(zhang)
    assert member.frozen == 66  # 99 × 1/3 = 33 clawed back
    assert member.available == 100 + 66  # 200 × 1/3 = 66 of the spent points returned
    shop.refunded(zhang, "SO1", refund_no="R1", amount="33.00")  # the same refund again
    assert shop.member(zhang).frozen == 66
    shop.refunded(zhang, "SO1", refund_no="R2", amount="66.00", full=True)
    member = shop.member(zhang)
    assert (member.frozen, member.available) == (0, 300)  # all 200 spent points back
    assert member.growth == 300
    assert shop.reconcile().ok


def test_a_spend_with_a_key_already_used_answers_the_first_or_refuses(shop):
    zhang = shop.person("张秀英")
    shop.paid(zhang, "SO1", "100.00")
    shop.later(days=8)
    first = shop.spend(zhang, 30, "order:SO2:spend")
    again = shop.spend(zhang, 30, "order:SO2:spend")
    assert again.posting_id == first.posting_id and shop.member(zhang).available == 70
    with pytest.raises(PostingConflict):
        shop.spend(zhang, 40, "order:SO2:spend")
    with pytest.raises(InsufficientPoints, match="积分不足"):
        shop.spend(zhang, 71, "order:SO3:spend")
    assert shop.member(zhang).available == 70


def test_interactions_earn_points_within_a_daily_cap(shop):
    zhang = shop.person("张秀英")
    for n in range(7):
        shop.did(zhang, spec.LIVE_COMMENT_POSTED, f"comment-{n}", text="这款酱油咸吗")
    shop.did(zhang, spec.LIVE_COMMENT_POSTED, "host-says", text="欢迎", role="host")
    shop.did(zhang, REVIEW_POSTED, "review-1", sku="SOY-500")
    shop.work()
    assert shop.member(zhang).available == 5 + 20
    shop.later(days=1)
    shop.did(zhang, spec.LIVE_COMMENT_POSTED, "comment-next-day", text="收到了")
    shop.work()
    assert shop.member(zhang).available == 26


def test_lots_expire_at_the_end_of_the_nth_month_oldest_first(shop):
    runtime = shop.runtime
    with transaction(runtime.sessions) as session:
        loyalty.set_points_rules(session, PointsRules(expire_after_months=1), shop.now, "test")
    zhang = shop.person("张秀英")
    shop.paid(zhang, "SO1", "100.00")  # 20 November: ends with December
    runtime.clock.current = datetime(2026, 12, 10, 4, tzinfo=UTC)
    shop.paid(zhang, "SO2", "50.00")  # ends with January
    shop.later(days=8)
    member = shop.member(zhang)
    assert member.available == 150
    assert member.next_expiry_at == datetime(2026, 12, 31, 16, tzinfo=UTC)  # 1 Jan, Shanghai
    assert member.next_expiry_points == 100
    shop.spend(zhang, 60, "order:SO3:spend")  # taken from the lot ending first
    runtime.clock.current = datetime(2026, 12, 31, 16, 5, tzinfo=UTC)
    shop.later(minutes=10)
    member = shop.member(zhang)
    assert member.available == 50  # the 40 left of the first lot expired
    assert shop.ledger(zhang)[0].kind_name == "过期"
    assert shop.reconcile().ok


def test_reconciliation_notices_a_balance_that_is_not_its_entries(shop):
    runtime = shop.runtime
    zhang = shop.person("张秀英")
    shop.paid(zhang, "SO1", "100.00")
    found = shop.reconcile()
    assert found.ok and found.postings == 1 and found.total == 0
    with transaction(runtime.sessions) as session:
        session.execute(
            text("UPDATE points_accounts SET balance = balance + 5 WHERE kind = 'frozen'")
        )
    found = shop.reconcile()
    assert not found.ok and found.mismatched_accounts == [f"c{zhang}:frozen"]


def test_a_refused_posting_leaves_nothing_behind_in_the_callers_transaction(shop):
    from liveloop.loyalty.contracts import AccountKind
    from liveloop.loyalty.ledger import Leg, brand, find_posting, post

    zhang = shop.person("张秀英")
    shop.paid(zhang, "SO1", "100.00")
    shop.later(days=8)
    with transaction(shop.runtime.sessions) as session:
        with pytest.raises(InsufficientPoints):
            post(
                session,
                source_key="test:two-debits",
                kind="adjust",
                customer_id=zhang,
                at=shop.now,
                legs=[
                    Leg(AccountKind.AVAILABLE, zhang, -10),  # fits
                    Leg(AccountKind.FROZEN, zhang, -10),  # does not: nothing is frozen
                    brand(AccountKind.ISSUED, 20),
                ],
            )
        assert find_posting(session, "test:two-debits") is None
        spent = loyalty.spend_points(
            session, customer_id=zhang, points=100, source_key="order:SO2:spend", at=shop.now
        )  # the caller's transaction goes on, with every point still there
        assert spent.available_after == 0
    assert shop.reconcile().ok


def test_an_order_a_client_tracks_itself_earns_nothing(shop):
    from liveloop.store.eventlog import NewEvent, append

    zhang = shop.person("张秀英")
    with transaction(shop.runtime.sessions) as session:
        append(
            session,
            [
                NewEvent(
                    name=spec.ORDER_COMPLETED,
                    timestamp=shop.now,
                    source="web-sdk",
                    type="track",
                    message_id="forged-1",
                    customer_id=zhang,
                    properties={"order_id": "FAKE-1", "total": "99999"},
                )
            ],
            received_at=shop.now,
        )
    shop.work()
    member = shop.member(zhang)
    assert (member.frozen, member.growth) == (0, 0)
