"""The demo brand's subscriptions and memberships: planted once, with their history, and
shown on the console page."""

from __future__ import annotations

from decimal import Decimal

from liveloop.commerce.service import ProductSpec, upsert_product
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.sim import subscribers
from liveloop.store.engine import transaction
from liveloop.subscriptions import service as subs


def test_the_demo_plants_a_small_deterministic_set_once(runtime):
    now, tz = runtime.clock.now(), runtime.settings.tz
    with transaction(runtime.sessions) as session:
        for sku, name in (
            ("RICE-JING-5KG", "五常稻花香粳米 5kg"),
            ("VINEGAR-CUSTOM", "晋源定制醋礼盒"),
        ):
            upsert_product(session, ProductSpec(sku, name, "x", Decimal("89.90"), 365), now)
        for name in ("甲", "乙", "丙", "丁", "戊"):
            create_customer(session, NewCustomer(name=name), now, "test")
        assert subscribers.plant(session, now, tz) == 4
        assert subscribers.plant(session, now, tz) == 0  # a restarted demo adds nothing
    with transaction(runtime.read_sessions) as session:
        found = sorted(subs.list_subscriptions(session), key=lambda s: s.id)
        retries = subs.awaiting_retry(session)
        members = sorted(subs.list_memberships(session), key=lambda m: m.id)
    assert [(s.state, s.delivered_cycles) for s in found] == [
        ("active", 2),
        ("active", 1),
        ("active", 1),
        ("paused", 1),
    ]
    assert [(r.attempts, r.last_failure) for r in retries] == [(1, "微信支付：余额不足")]
    assert [(m.deliveries_used, m.deliveries_left, m.refunded) for m in members] == [
        (2, 2, Decimal("0.00")),
        (1, 3, Decimal("0.00")),
        (1, 0, Decimal("149.25")),
    ]
