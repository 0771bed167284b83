"""The demo brand's subscriptions and paid memberships, put in through the subscriptions
facade as the brand's mini-program would have, with a little history behind them:

- 周期购 每月一袋 五常大米 5kg (¥79.90 a month, against ¥89.90 in the catalog): one customer two
  cycles in, one whose next cycle is three days off (reminded), one whose charge failed and
  waits for its retry, one paused;
- 醋文化会员 199 元/年, 4 deliveries of 晋源定制醋礼盒: one member with two deliveries used, one
  with one, one who left after one delivery and got 149.25 back.

Small and deterministic: the same five people (the store's first five customers) every time;
idempotent, so a restarted demo adds nothing (every key is the demo's own).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.profiles import service as profiles
from liveloop.subscriptions import service as subs
from liveloop.subscriptions.contracts import Cadence

SOURCE = "demo"
RICE = subs.PlanSpec(
    code="rice-monthly",
    name="每月一袋 五常大米 5kg",
    sku="RICE-JING-5KG",
    quantity=1,
    cadence=Cadence.MONTHLY,
    price=Decimal("79.90"),
    remind_days=3,
)
MEMBER_SKU = commerce.ProductSpec(
    "MEMBER-VINEGAR-YEAR", "醋文化会员 年卡（4次醋礼盒）", "会员", Decimal("199.00"), 365
)
VINEGAR = subs.MembershipPlanSpec(
    code="vinegar-culture",
    name="醋文化会员",
    sku=MEMBER_SKU.sku,
    deliveries=4,
    delivery_sku="VINEGAR-CUSTOM",
)
ADDRESSES = (
    {"province": "黑龙江省", "city": "哈尔滨", "line": "道里区中央大街58号"},
    {"province": "吉林省", "city": "长春", "line": "朝阳区人民大街1200号"},
    {"province": "辽宁省", "city": "沈阳", "line": "和平区太原街8号"},
    {"province": "北京市", "city": "北京", "line": "朝阳区建国路88号"},
    {"province": "山西省", "city": "太原", "line": "迎泽区柳巷12号"},
)


def plant(session: Session, now: datetime, tz: ZoneInfo) -> int:
    """The plans, the subscriptions and the memberships; returns the subscriptions made."""
    commerce.upsert_product(session, MEMBER_SKU, now)
    subs.save_plan(session, RICE, now)
    subs.save_membership_plan(session, VINEGAR, now)
    people = [p for p in range(1, 40) if profiles.exists(session, p)][:5]
    if len(people) < 5:
        return 0
    made = 0
    # (days ago subscribed, cycles paid, the next cycle's charge failed)
    histories = ((50, 2, False), (28, 1, False), (31, 1, True), (45, 1, False))
    for n, (person, (ago, paid, failing)) in enumerate(zip(people, histories, strict=False)):
        made += _subscriber(session, n, person, now, tz, ago, paid, failing)
    with_deliveries = ((people[0], 2, False), (people[4], 1, False), (people[1], 1, True))
    for n, (person, used, leaves) in enumerate(with_deliveries):
        _member(session, n, person, now, used, leaves)
    # the fourth subscriber paused theirs
    for view in subs.list_subscriptions(session, customer_id=people[3]):
        subs.pause(session, view.id, at=now - timedelta(days=2), tz=tz)
    return made


def _subscriber(
    session: Session,
    n: int,
    person: int,
    now: datetime,
    tz: ZoneInfo,
    ago: int,
    paid: int,
    failing: bool,
) -> int:
    start = now - timedelta(days=ago)
    view = subs.subscribe(
        session,
        subs.SubscribeRequest(
            f"demo-rice-{n}", person, RICE.code, start.astimezone(tz).date(), ADDRESSES[n]
        ),
        at=start,
        tz=tz,
        source=SOURCE,
    )
    if not view.created:
        return 0
    for cycle in range(1, paid + 1):
        due = subs.get_subscription(session, view.id).next_on
        if due is None:
            break
        at = datetime.combine(due, datetime.min.time(), tz) + timedelta(hours=9)
        subs.open_cycle(session, view.id, at=at, tz=tz, source=SOURCE)
        subs.pay_cycle(session, f"SUB{view.id}-{cycle}", at=at + timedelta(hours=1), source=SOURCE)
    if failing:  # its next cycle opened two hours ago; the first charge attempt failed
        at = now - timedelta(hours=2)
        if subs.open_cycle(session, view.id, at=at, tz=tz, source=SOURCE):
            (attempt,) = [
                a
                for a in subs.attempts_due(session, at=at)
                if a.charge.order_no == f"SUB{view.id}-{paid + 1}"
            ]
            subs.record_attempt(
                session,
                attempt,
                subs.ChargeResult(paid=False, reason="微信支付：余额不足"),
                at=at,
                tz=tz,
                source=SOURCE,
            )
    return 1


def _member(session: Session, n: int, person: int, now: datetime, used: int, leaves: bool) -> None:
    bought = now - timedelta(days=100 - 10 * n)
    order_no = f"DEMO-MBR-{n + 1}"
    commerce.record_order(
        session,
        order_no=order_no,
        customer_id=person,
        lines=[commerce.OrderLine(MEMBER_SKU.sku, 1)],
        placed_at=bought,
        channel="mini_program",
        source=SOURCE,
    )
    (granted,) = subs.grant_from_order(
        session,
        order_no=order_no,
        customer_id=person,
        lines=[subs.PaidLine(MEMBER_SKU.sku, 1, MEMBER_SKU.price)],
        at=bought,
        source=SOURCE,
    )
    if not granted.changed:
        return
    for delivery in range(used):
        subs.use_delivery(
            session,
            granted.id,
            address=ADDRESSES[n],
            at=bought + timedelta(days=7 + 30 * delivery),
            source=SOURCE,
        )
    if leaves:
        subs.refund_membership(
            session, granted.id, reason="顾客退会", at=bought + timedelta(days=40), source=SOURCE
        )
