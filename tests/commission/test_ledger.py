"""The ledger's must-shows: an entry per order line and level, frozen then settled; a
replayed payment posts nothing; a refund before settlement reduces the frozen commission and
one after it claws back exactly the refunded share, once; the ledger reconciles to 0 fen.
Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from liveloop.commission import service as commission
from liveloop.commission.contracts import EntryKind, EntryState

from .conftest import EGG, OIL, RICE, standard_rates


def _amounts(entries, kind=None):
    return sorted((e.line_no, e.level, e.amount) for e in entries if kind is None or e.kind == kind)


def test_the_ledger_posts_freezes_settles_claws_back_and_reconciles(store_shop):
    shop = store_shop
    standard_rates(shop)
    boss = shop.leader("陈团长")
    leader = shop.leader("王团长", recruited_by=boss)
    # 39.90×2 + 59.90 + 19.90×3 = 199.40, less 10.00 off: 189.40 paid.
    order = shop.pay(leader, [(RICE, 2), (OIL, 1), (EGG, 3)], discount="10.00")
    shop.work()

    entries = shop.entries(order)
    own = [e for e in entries if e.level == 1]
    assert {e.state for e in entries} == {EntryState.FROZEN}
    # Shares by largest remainder: 10.00 off 79.80, 59.90, 59.70 is 4.002, 3.004, 2.994 —
    # 4.00, 3.00, 2.99 and the fen left to the largest remainder (oil): 4.00 + 3.01 + 2.99.
    assert [e.base for e in sorted(own, key=lambda e: e.line_no)] == [
        Decimal("75.80"),
        Decimal("56.89"),
        Decimal("56.71"),
    ]
    # 10 % of rice, 15 % of oil (SKU), 12 % of eggs (category), half up to the fen.
    assert _amounts(entries) == [
        (1, 1, Decimal("7.58")),
        (1, 2, Decimal("2.27")),  # 75.80 × 3 % = 2.274
        (2, 1, Decimal("8.53")),  # 56.89 × 15 % = 8.5335
        (2, 2, Decimal("1.71")),  # 1.7067
        (3, 1, Decimal("6.81")),  # 56.71 × 12 % = 6.8052
        (3, 2, Decimal("1.70")),  # 1.7013
    ]
    assert shop.balance(leader).frozen == Decimal("22.92")
    assert shop.balance(boss).frozen == Decimal("5.68")

    # A refund before settlement reduces the frozen commission: one of the three eggs.
    shop.refund(order, lines=[(3, 1)])  # a third of the line back
    shop.work()
    assert shop.balance(leader).frozen == Decimal("20.65")  # eggs: 56.71 × ⅔ × 12 % = 4.5368
    assert shop.balance(boss).frozen == Decimal("5.11")  # eggs: 56.71 × ⅔ × 3 % = 1.1342
    assert shop.balance(leader).withdrawable == 0

    shop.later(days=7.01)  # the after-sales window (7 days) closes
    shop.work()
    balance = shop.balance(leader)
    assert (balance.frozen, balance.settled, balance.withdrawable) == (
        Decimal("0.00"),
        Decimal("20.65"),
        Decimal("20.65"),
    )

    # After settlement the oil is refunded whole and 5.00 more by amount alone: claw-backs.
    oil = shop.refund(order, lines=[(2, 1)])
    shop.work()
    clawed = [e for e in shop.entries(order) if e.refund_no == oil]
    assert {e.kind for e in clawed} == {EntryKind.CLAWED_BACK}
    assert _amounts(clawed) == [(2, 1, Decimal("-8.53")), (2, 2, Decimal("-1.71"))]
    assert shop.balance(leader).withdrawable == Decimal("12.12")

    rest = shop.refund(order, amount="5.00")
    shop.work()
    by_amount = [e for e in shop.entries(order) if e.refund_no == rest]
    assert by_amount and all(e.amount < 0 for e in by_amount)

    # Replays: the payment and every refund read again post nothing.
    before = len(shop.entries(order))
    with shop.session() as session:
        assert (
            commission.post_paid(session, [order], after_sales_days=7, at=shop.clock.now()).entries
            == 0
        )
        assert (
            commission.post_refunds(session, [(order, oil), (order, rest)], at=shop.clock.now())
            == 0
        )
    assert len(shop.entries(order)) == before

    found = shop.reconcile()
    assert found.balanced and found.difference == 0 and found.orders == 1
    # Σ entries per line = round_half_up(share × (1 − refunded) × rate).
    assert found.posted == sum((e.amount for e in shop.entries(order)), Decimal(0))


def test_a_refund_after_settlement_claws_back_exactly_the_refunded_share(shop):
    standard_rates(shop)
    leader = shop.leader("王团长")
    order = shop.pay(leader, [(RICE, 3)])  # 119.70 → 11.97
    shop.work()
    shop.later(days=8)
    shop.work()
    assert shop.balance(leader).withdrawable == Decimal("11.97")

    first = shop.refund(order, lines=[(1, 1)])  # 39.90 back: 79.80 × 10 % = 7.98 stands
    shop.work()
    assert [e.amount for e in shop.entries(order) if e.refund_no == first] == [Decimal("-3.99")]
    second = shop.refund(order, lines=[(1, 2)])  # the rest: nothing stands
    shop.work()
    assert [e.amount for e in shop.entries(order) if e.refund_no == second] == [Decimal("-7.98")]
    assert shop.balance(leader).withdrawable == Decimal("0.00")
    assert sum(e.amount for e in shop.entries(order)) == 0
    assert shop.reconcile().balanced


def test_a_replayed_payment_posts_no_second_entry(shop):
    standard_rates(shop)
    leader = shop.leader("王团长")
    order = shop.pay(leader, [(RICE, 1), (EGG, 2)])
    shop.work()
    first = shop.entries(order)
    with shop.session() as session:
        again = commission.post_paid(
            session, [order, order], after_sales_days=7, at=shop.clock.now()
        )
    # The consumer's cursor set back: every event read again.
    with shop.session() as session:
        from liveloop.store.consumers import ConsumerCursor

        session.get(ConsumerCursor, "commission").position = 0
    shop.work()
    assert again.entries == 0
    assert len(shop.entries(order)) == len(first) == 2
    assert shop.balance(leader).frozen == Decimal("8.77")  # 3.99 + 39.80 × 12 % = 4.776 → 4.78


def test_a_disabled_or_unknown_leader_earns_nothing_and_the_reason_is_kept(shop):
    standard_rates(shop)
    boss = shop.leader("陈团长")
    leader = shop.leader("王团长", recruited_by=boss)
    with shop.session() as session:
        from liveloop.community import service as community

        community.disable_leader(session, boss, by="op", reason="违规", at=shop.clock.now())
    own_only = shop.pay(leader, [(RICE, 1)])
    nobody = shop.pay("L9999", [(RICE, 1)])
    shop.work()
    assert {e.level for e in shop.entries(own_only)} == {1}
    assert shop.entries(nobody) == []
    with shop.session() as session:
        skips = {(s.order_no, s.level): s.reason for s in commission.skips_of(session)}
    assert "已停用" in skips[(own_only, 2)]
    assert "不存在" in skips[(nobody, 1)]


def test_an_order_without_a_leader_code_earns_for_the_bound_leader(shop):
    standard_rates(shop)
    leader = shop.leader("王团长")
    shop.pay(leader, [(RICE, 1)], buyer="李先生")
    with shop.session() as session:
        from liveloop.community import service as community

        community.bind_from_order(
            session,
            customer_id=shop.person("李先生"),
            leader=leader,
            order_no="CM000001",
            at=shop.clock.now(),
        )
    later = shop.pay(None, [(EGG, 1)], buyer="李先生")
    shop.work()
    assert [(e.leader, e.amount) for e in shop.entries(later)] == [(leader, Decimal("2.39"))]


def test_an_order_uses_the_rates_in_force_when_it_was_paid(shop):
    standard_rates(shop)
    leader = shop.leader("王团长")
    before = shop.pay(leader, [(RICE, 1)])
    shop.later(days=1)
    shop.rate(1, commission_scope_default(), None, "0.20")
    after = shop.pay(leader, [(RICE, 1)])
    shop.work()
    assert [e.amount for e in shop.entries(before)] == [Decimal("3.99")]
    assert [e.amount for e in shop.entries(after)] == [Decimal("7.98")]
    assert shop.reconcile().balanced


def commission_scope_default():  # type: ignore[no-untyped-def]
    from liveloop.commission.contracts import RateScope

    return RateScope.DEFAULT


def test_a_refund_already_on_the_order_when_its_payment_is_posted_is_not_lost(shop):
    standard_rates(shop)
    leader = shop.leader("王团长")
    order = shop.pay(leader, [(RICE, 4)])  # 159.60
    refund = shop.refund(order, lines=[(1, 1)])  # a quarter back before anything was posted
    with shop.session() as session:
        posted = commission.post_paid(session, [order], after_sales_days=7, at=shop.clock.now())
    assert posted.entries == 2  # the earning and its reduction, at once
    assert [e.refund_no for e in shop.entries(order) if e.amount < 0] == [refund]
    shop.work()  # the log's payment and refund read after: nothing more
    assert shop.balance(leader).frozen == Decimal("11.97")  # 119.70 × 10 %
    assert shop.reconcile().balanced


def test_the_reconciliation_finds_an_entry_posted_twice(shop):
    """It can fail: a second earning slipped past the unique key (a hand-made row) is found."""
    from liveloop.commission.models import CommissionEntry

    standard_rates(shop)
    leader = shop.leader("王团长")
    order = shop.pay(leader, [(RICE, 1)])
    shop.work()
    with shop.session() as session:
        row = session.query(CommissionEntry).filter_by(order_no=order).one()
        session.add(
            CommissionEntry(
                **{
                    c: getattr(row, c)
                    for c in (
                        "leader",
                        "level",
                        "kind",
                        "state",
                        "order_no",
                        "line_no",
                        "sku",
                        "base",
                        "rate_bp",
                        "amount",
                        "at",
                        "frozen_until",
                        "posted_at",
                    )
                },
                refund_no="FORGED",
            )
        )
    found = shop.reconcile()
    assert not found.balanced
    assert [(d.order_no, d.expected, d.posted) for d in found.differences] == [
        (order, Decimal("3.99"), Decimal("7.98"))
    ]
