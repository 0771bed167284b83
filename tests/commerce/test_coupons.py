"""Coupons end to end through the services: templates, issuing with limits, redemption on real
orders, refunds, expiry — on SQLite and, where locking matters, PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from liveloop.commerce.coupons import errors, issuing
from liveloop.commerce.coupons.expiry import expire_coupons
from liveloop.commerce.coupons.templates import TemplateSpec, create_template, update_template
from liveloop.commerce.models import Coupon, CouponStatus, Order
from liveloop.commerce.service import (
    CommerceError,
    OrderLine,
    ProductSpec,
    record_order,
    refund_order,
    upsert_product,
)
from liveloop.profiles.service import NewCustomer, absorb, create_customer
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event


def shop(runtime) -> dict[str, int]:
    """Three products in two categories and three customers."""
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session:
        for spec in (
            ProductSpec("SOY-500", "零添加酱油 500ml", "调味品", Decimal("19.90"), 540),
            ProductSpec("VINEGAR-1L", "山西老陈醋 1L", "调味品", Decimal("29.90"), 720),
            ProductSpec("MILK-WEEK-7", "鲜牛奶周卡 7瓶", "乳品", Decimal("49.90"), 7, True),
        ):
            upsert_product(session, spec, now)
        return {
            name: create_customer(session, NewCustomer(name=name), now, "test")
            for name in ("张秀英", "李静", "王芳")
        }


def template(runtime, **fields) -> None:
    base = {"code": "T10", "name": "满50减10", "kind": "fixed", "amount": "10", "valid_days": 7}
    with transaction(runtime.sessions) as session:
        create_template(session, TemplateSpec(**(base | fields)), runtime.clock.now())


def issue(runtime, code="T10", person=1, key="k1", **kw) -> issuing.IssuedCoupon:
    with transaction(runtime.sessions) as session:
        return issuing.issue_coupon(
            session, code, person, runtime.clock.now(), idempotency_key=key, source="test", **kw
        )


def order(runtime, person, coupon, lines, order_no="SO1", at=None, discount="0"):
    with transaction(runtime.sessions) as session:
        return record_order(
            session,
            order_no=order_no,
            customer_id=person,
            lines=lines,
            placed_at=at or runtime.clock.now(),
            channel="wecom",
            source="test",
            discount=Decimal(discount),
            coupon_code=coupon,
        )


def events(runtime, name):
    with transaction(runtime.read_sessions) as session:
        return list(session.scalars(select(Event).where(Event.name == name).order_by(Event.id)))


def coupon_row(runtime, code) -> Coupon:
    with transaction(runtime.read_sessions) as session:
        return session.scalars(select(Coupon).where(Coupon.code == code)).one()


FIXED = {"kind": "fixed", "amount": "10"}
BAD_TEMPLATES = [
    ({"kind": "fixed"}, "fixed coupon needs amount"),
    ({"kind": "fixed", "amount": "0"}, "fixed coupon needs amount"),
    (FIXED | {"pay_percent": 85}, "belong to percent"),
    ({"kind": "fixed", "amount": "10.001"}, "2 decimal places"),
    ({"kind": "fixed", "amount": "20", "threshold": "10"}, "满X减Y needs Y ≤ X"),
    ({"kind": "percent", "pay_percent": 100}, "pay_percent 1-99"),
    ({"kind": "percent", "pay_percent": 0.85}, "pay_percent"),
    ({"kind": "percent", "amount": "5", "pay_percent": 85}, "no amount"),
    ({"kind": "percent", "pay_percent": 85, "cap": "0"}, "cap must be positive"),
    ({"kind": "bogus"}, "kind"),
    (FIXED | {"valid_days": None}, "give validity"),
    (FIXED | {"valid_hours": 24}, "valid_days or valid_hours, not both"),
    (FIXED | {"valid_days": 0}, "valid_days must be 1-366"),
    (FIXED | {"starts_at": "2026-12-01T00:00:00+08:00"}, "fixed .starts_at/ends_at. or relative"),
    (
        FIXED
        | {
            "valid_days": None,
            "starts_at": "2026-12-02T00:00:00+08:00",
            "ends_at": "2026-12-01T00:00:00+08:00",
        },
        "ends_at must be after starts_at",
    ),
    (
        FIXED
        | {"valid_days": None, "starts_at": "2026-12-01T00:00:00", "ends_at": "2026-12-02T00:00"},
        "needs a timezone",
    ),
    (FIXED | {"per_person_limit": 0}, "per_person_limit must be at least 1"),
    (FIXED | {"per_person_limit": 5, "total_limit": 2}, "cannot exceed total_limit"),
    (FIXED | {"scope": "skus"}, "needs scope_values"),
    (FIXED | {"scope": "all", "scope_values": ["SOY-500"]}, "takes no scope_values"),
    (FIXED | {"code": "有空格 的"}, "code"),
    (FIXED | {"surprise": 1}, "Extra inputs"),
]


@pytest.mark.parametrize(("change", "reason"), BAD_TEMPLATES)
def test_a_template_that_cannot_mean_one_thing_is_refused_with_its_reason(change, reason):
    base = {"code": "T", "name": "券", "valid_days": 7}
    fields = {k: v for k, v in (base | change).items() if v is not None}
    with pytest.raises(ValidationError, match=reason):
        TemplateSpec(**fields)


def test_fixed_coupon_pays_part_of_an_order_once_and_logs_each_step(store_runtime):
    rt = store_runtime
    people = shop(rt)
    zhang = people["张秀英"]
    template(rt, threshold="50")
    issued = issue(rt, person=zhang)
    assert issued.created and len(issued.code) == 16
    assert issued.valid_until - issued.valid_from == timedelta(days=7)

    # 2 × ¥29.90 = ¥59.80 ≥ 满50 → ¥10 off
    order(rt, zhang, issued.code, [OrderLine("VINEGAR-1L", 2)])
    with transaction(rt.read_sessions) as session:
        placed = session.scalars(select(Order).where(Order.order_no == "SO1")).one()
        assert (placed.total, placed.discount) == (Decimal("49.80"), Decimal("10.00"))
        assert placed.attributes["coupon_code"] == issued.code
    row = coupon_row(rt, issued.code)
    assert (row.status, row.order_no, row.discount) == ("redeemed", "SO1", Decimal("10.00"))

    with pytest.raises(errors.CouponAlreadyUsed, match="redeemed by order SO1"):
        order(rt, zhang, issued.code, [OrderLine("VINEGAR-1L", 2)], order_no="SO2")

    [issued_event] = events(rt, "Coupon Issued")
    assert issued_event.customer_id == zhang
    assert issued_event.message_id == f"coupon-issued:{issued.code}"
    assert issued_event.properties["value"] == "满50.00减10.00"
    [applied] = events(rt, "Coupon Applied")
    assert applied.properties["discount"] == "10.00" and applied.properties["order_id"] == "SO1"
    [completed] = events(rt, "Order Completed")
    assert completed.properties["coupon"] == issued.code


def test_an_unusable_coupon_refuses_the_whole_order_and_writes_nothing(runtime):
    people = shop(runtime)
    zhang, li = people["张秀英"], people["李静"]
    template(runtime, threshold="50")
    code = issue(runtime, person=zhang).code
    cases = [
        (li, [OrderLine("VINEGAR-1L", 2)], errors.CouponNotOwned, "another customer"),
        (zhang, [OrderLine("SOY-500", 1)], errors.ThresholdNotMet, "needs ¥50.00"),
    ]
    for person, lines, error, reason in cases:
        with pytest.raises(error, match=reason):
            order(runtime, person, code, lines)
    with pytest.raises(errors.UnknownCoupon):
        order(runtime, zhang, "AAAAAAAAAAAAAAAA", [OrderLine("SOY-500", 1)])
    # A coupon worth more than what the other discount leaves refuses the order, coupon unused.
    with pytest.raises(CommerceError, match="exceeds the order value"):
        order(runtime, zhang, code, [OrderLine("VINEGAR-1L", 2)], discount="55")
    assert issubclass(errors.CouponError, CommerceError)
    with transaction(runtime.read_sessions) as session:
        assert session.scalar(select(Order.id).where(Order.order_no == "SO1")) is None
    assert coupon_row(runtime, code).status == "issued"
    assert events(runtime, "Coupon Applied") == []


def test_percent_coupon_takes_the_unpaid_share_of_eligible_lines_up_to_its_cap(runtime):
    people = shop(runtime)
    zhang = people["张秀英"]
    # 85折 on 调味品, at most ¥5 off
    template(
        runtime,
        code="P85",
        name="调味品85折",
        kind="percent",
        amount=None,
        pay_percent=85,
        cap="5",
        scope="categories",
        scope_values=["调味品"],
        per_person_limit=3,
    )
    small = issue(runtime, "P85", zhang, key="a").code
    # 19.90 × 15 % = 2.985 → 2.99 off; the milk is outside the scope
    order(runtime, zhang, small, [OrderLine("SOY-500", 1), OrderLine("MILK-WEEK-7", 1)])
    assert coupon_row(runtime, small).discount == Decimal("2.99")
    big = issue(runtime, "P85", zhang, key="b").code
    # 3 × 29.90 × 15 % = 13.455, capped at 5
    order(runtime, zhang, big, [OrderLine("VINEGAR-1L", 3)], order_no="SO2")
    assert coupon_row(runtime, big).discount == Decimal("5.00")
    only_milk = issue(runtime, "P85", zhang, key="c").code
    with pytest.raises(errors.CouponNotApplicable, match="no product"):
        order(runtime, zhang, only_milk, [OrderLine("MILK-WEEK-7", 2)], order_no="SO3")


def test_fixed_coupon_never_takes_more_than_the_eligible_lines(runtime):
    people = shop(runtime)
    template(runtime, amount="30", scope="skus", scope_values=["SOY-500"])
    code = issue(runtime, person=people["王芳"]).code
    order(runtime, people["王芳"], code, [OrderLine("SOY-500", 1), OrderLine("MILK-WEEK-7", 1)])
    assert coupon_row(runtime, code).discount == Decimal("19.90")


def test_per_issue_skus_narrow_the_coupon_within_the_template_scope(runtime):
    people = shop(runtime)
    zhang = people["张秀英"]
    template(
        runtime,
        code="LIVE85",
        name="直播间85折",
        kind="percent",
        amount=None,
        pay_percent=85,
        valid_days=30,
        per_person_limit=None,
        scope="categories",
        scope_values=["调味品"],
    )
    with pytest.raises(errors.ScopeRefused, match="outside template LIVE85"):
        issue(runtime, "LIVE85", zhang, key="x", skus=["MILK-WEEK-7"])
    with pytest.raises(errors.ScopeRefused, match="unknown SKU NOPE"):
        issue(runtime, "LIVE85", zhang, key="y", skus=["NOPE"])
    # the post-live follow-up: 85折 for 24 hours on the product they looked at most
    targeted = issue(runtime, "LIVE85", zhang, key="z", skus=["VINEGAR-1L"], valid_hours=24)
    assert targeted.skus == ("VINEGAR-1L",)
    assert targeted.valid_until - targeted.valid_from == timedelta(hours=24)
    with pytest.raises(errors.CouponNotApplicable):
        order(runtime, zhang, targeted.code, [OrderLine("SOY-500", 2)])
    order(runtime, zhang, targeted.code, [OrderLine("SOY-500", 1), OrderLine("VINEGAR-1L", 1)])
    assert coupon_row(runtime, targeted.code).discount == Decimal("4.49")  # 29.90 × 15 %


def test_validity_windows_fixed_relative_in_days_and_in_hours(runtime):
    people = shop(runtime)
    zhang = people["张秀英"]
    now = runtime.clock.now()
    start, end = now + timedelta(days=1), now + timedelta(days=3)
    template(runtime, code="FIX", valid_days=None, starts_at=start, ends_at=end)
    template(runtime, code="HRS", valid_days=None, valid_hours=2)
    fixed = issue(runtime, "FIX", zhang, key="f")
    assert (fixed.valid_from, fixed.valid_until) == (start, end)
    hours = issue(runtime, "HRS", zhang, key="h")
    assert hours.valid_until == now + timedelta(hours=2)
    lines = [OrderLine("VINEGAR-1L", 1)]
    with pytest.raises(errors.CouponNotYetValid, match="valid from"):
        order(runtime, zhang, fixed.code, lines)
    with pytest.raises(errors.CouponExpired, match="expired at"):
        order(runtime, zhang, hours.code, lines, at=now + timedelta(hours=2))
    order(runtime, zhang, hours.code, lines, at=now + timedelta(hours=1, minutes=59))
    order(runtime, zhang, fixed.code, lines, order_no="SO2", at=start)
    # a fixed template that has ended issues no more
    runtime.clock.advance(days=3)
    with pytest.raises(errors.TemplateEnded):
        issue(runtime, "FIX", people["李静"], key="late")


def test_issuing_is_idempotent_on_the_key(store_runtime):
    rt = store_runtime
    people = shop(rt)
    template(rt, total_limit=1)
    first = issue(rt, person=people["张秀英"], key="journey:7:step3:1")
    again = issue(rt, person=people["张秀英"], key="journey:7:step3:1")
    assert again.code == first.code and not again.created
    assert len(events(rt, "Coupon Issued")) == 1
    with pytest.raises(errors.IdempotencyConflict):
        issue(rt, person=people["李静"], key="journey:7:step3:1")
    with pytest.raises(errors.TotalLimitReached):
        issue(rt, person=people["李静"], key="other")


def test_per_person_and_total_limits_and_the_active_switch(store_runtime):
    rt = store_runtime
    people = shop(rt)
    template(rt, per_person_limit=2, total_limit=3)
    zhang, li, wang = people["张秀英"], people["李静"], people["王芳"]
    issue(rt, person=zhang, key="1")
    issue(rt, person=zhang, key="2")
    with pytest.raises(errors.PerPersonLimitReached, match="limit 2 per person"):
        issue(rt, person=zhang, key="3")
    issue(rt, person=li, key="4")
    with pytest.raises(errors.TotalLimitReached, match="all 3"):
        issue(rt, person=wang, key="5")
    with transaction(rt.sessions) as session:
        spec = TemplateSpec(
            code="T10", name="满50减10", kind="fixed", amount="10", valid_days=7, active=False
        )
        update_template(session, "T10", spec, rt.clock.now())
    with pytest.raises(errors.TemplateInactive):
        issue(rt, person=wang, key="6")
    with pytest.raises(errors.UnknownTemplate):
        issue(rt, "NOPE", wang, key="7")
    with pytest.raises(errors.UnknownCustomer):
        issue(rt, person=999_999, key="8")


def test_a_merged_persons_coupons_count_and_pay_for_the_survivor(runtime):
    people = shop(runtime)
    zhang, zhang_dup = people["张秀英"], people["王芳"]
    template(runtime)
    code = issue(runtime, person=zhang_dup, key="dup").code
    with transaction(runtime.sessions) as session:
        absorb(session, zhang, zhang_dup)
    with pytest.raises(errors.PerPersonLimitReached):
        issue(runtime, person=zhang, key="again")
    order(runtime, zhang, code, [OrderLine("VINEGAR-1L", 2)])
    assert coupon_row(runtime, code).status == "redeemed"


def _race(rt, calls) -> list[object]:
    """Run each call in its own thread and transaction, released together."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        try:
            with transaction(rt.sessions) as session:
                results[i] = call(session)
        except Exception as exc:  # the outcome under test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_concurrent_issuers_of_the_last_coupon_exactly_one_wins(store_runtime):
    rt = store_runtime
    people = shop(rt)
    template(rt, total_limit=1, per_person_limit=None)
    now = rt.clock.now()

    def for_person(person, key):
        return lambda session: issuing.issue_coupon(
            session, "T10", person, now, idempotency_key=key, source="test"
        )

    calls = [for_person(p, f"k{p}-{n}") for p in people.values() for n in range(2)]
    results = _race(rt, calls)
    won = [r for r in results if isinstance(r, issuing.IssuedCoupon)]
    lost = [r for r in results if isinstance(r, errors.TotalLimitReached)]
    assert (len(won), len(lost)) == (1, 5), results
    with transaction(rt.read_sessions) as session:
        assert session.scalars(select(Coupon.id)).all() == [won[0].id]


def test_concurrent_issuers_to_one_person_respect_the_per_person_limit(store_runtime):
    rt = store_runtime
    people = shop(rt)
    template(rt, per_person_limit=1)
    now, zhang = rt.clock.now(), people["张秀英"]
    results = _race(
        rt,
        [
            (
                lambda session, key=f"p{i}": issuing.issue_coupon(
                    session, "T10", zhang, now, idempotency_key=key, source="test"
                )
            )
            for i in range(5)
        ],
    )
    won = [r for r in results if isinstance(r, issuing.IssuedCoupon)]
    assert len(won) == 1, results
    assert all(isinstance(r, errors.PerPersonLimitReached) for r in results if r not in won)


def test_two_orders_racing_for_one_coupon_only_one_is_recorded(store_runtime):
    rt = store_runtime
    people = shop(rt)
    template(rt)
    zhang = people["张秀英"]
    code = issue(rt, person=zhang).code
    now = rt.clock.now()

    def place(order_no):
        return lambda session: record_order(
            session,
            order_no=order_no,
            customer_id=zhang,
            lines=[OrderLine("VINEGAR-1L", 2)],
            placed_at=now,
            channel="wecom",
            source="test",
            coupon_code=code,
        )

    results = _race(rt, [place("SO-A"), place("SO-B"), place("SO-C")])
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert all(isinstance(r, errors.CouponAlreadyUsed) for r in results if not isinstance(r, int))
    with transaction(rt.read_sessions) as session:
        assert len(session.scalars(select(Order).where(Order.order_no.like("SO-%"))).all()) == 1


def test_refund_restores_a_coupon_still_valid_and_expires_one_that_is_not(runtime):
    people = shop(runtime)
    zhang = people["张秀英"]
    template(runtime, valid_days=2, per_person_limit=2)
    now = runtime.clock.now()
    first = issue(runtime, person=zhang, key="a").code
    second = issue(runtime, person=zhang, key="b").code
    order(runtime, zhang, first, [OrderLine("VINEGAR-1L", 1)], order_no="SO1")
    order(runtime, zhang, second, [OrderLine("VINEGAR-1L", 1)], order_no="SO2")
    with transaction(runtime.sessions) as session:
        refund_order(
            session, "SO1", refunded_at=now + timedelta(days=1), reason="坏果包赔", source="t"
        )
        refund_order(
            session, "SO2", refunded_at=now + timedelta(days=5), reason="坏果包赔", source="t"
        )
    restored, lapsed = coupon_row(runtime, first), coupon_row(runtime, second)
    assert (restored.status, restored.order_no, restored.discount) == ("issued", None, None)
    assert (lapsed.status, lapsed.order_no) == ("expired", None)
    assert [e.properties["coupon_id"] for e in events(runtime, "Coupon Restored")] == [first]
    # the restored coupon pays for the next order
    order(runtime, zhang, first, [OrderLine("VINEGAR-1L", 1)], "SO3", now + timedelta(days=1))
    assert coupon_row(runtime, first).order_no == "SO3"


def test_expiry_marks_lapsed_coupons_once_and_logs_each(store_runtime):
    rt = store_runtime
    people = shop(rt)
    template(rt, valid_days=None, valid_hours=1, per_person_limit=None)
    template(rt, code="LONG", valid_days=30)
    codes = [issue(rt, person=people["张秀英"], key=f"e{i}").code for i in range(3)]
    keep = issue(rt, "LONG", people["张秀英"], key="long").code
    now = rt.clock.now()
    with transaction(rt.sessions) as session:
        assert expire_coupons(session, now + timedelta(minutes=59)) == 0
        assert expire_coupons(session, now + timedelta(hours=1)) == 3
        assert expire_coupons(session, now + timedelta(hours=2)) == 0
    assert {coupon_row(rt, c).status for c in codes} == {CouponStatus.EXPIRED}
    assert coupon_row(rt, keep).status == CouponStatus.ISSUED
    assert sorted(e.properties["coupon_id"] for e in events(rt, "Coupon Expired")) == sorted(codes)
    with pytest.raises(errors.CouponExpired):
        order(rt, people["张秀英"], codes[0], [OrderLine("SOY-500", 1)], at=now)


def test_a_template_that_issued_coupons_keeps_its_value_and_scope(runtime):
    people = shop(runtime)
    template(runtime)
    issue(runtime, person=people["张秀英"])
    now = runtime.clock.now()
    base = {"code": "T10", "name": "满50减10", "kind": "fixed", "valid_days": 7}
    with transaction(runtime.sessions) as session:
        with pytest.raises(errors.TemplateConflict, match="frozen"):
            update_template(session, "T10", TemplateSpec(**base, amount="20"), now)
        renamed = update_template(
            session,
            "T10",
            TemplateSpec(**base | {"name": "新名字", "valid_days": 3}, amount="10"),
            now,
        )
        assert renamed.name == "新名字" and renamed.issued_count == 1
