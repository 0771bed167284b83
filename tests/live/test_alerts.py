"""Alerts: each fires exactly once for its cause (however many ticks the condition holds) and
never for what is not its cause; each says in Chinese what happened and suggests an action."""

from __future__ import annotations

from decimal import Decimal

from liveloop.live.contracts import ActionKind
from liveloop.live.stream.alerts import AlertRules
from liveloop.live.stream.figures import ShelfItem
from liveloop.live.stream.processor import PersonBadge, RoomProcessor
from tests.live.show_script import Script, at

GOLD = PersonBadge(tier="金卡", last_product="五常大米 5kg")


def run(script: Script, ticks, *, shelf=(), people=None, rules=AlertRules()) -> list[dict]:
    """Apply the script up to each tick's time, tick, and collect every alert raised."""
    room = RoomProcessor("main", rules=rules)
    room.set_shelf(shelf)
    if people:
        room.set_people(people)
    events = sorted(script.events, key=lambda e: e.id)
    raised = []
    for second in ticks:
        room.apply([e for e in events if e.timestamp <= at(second)])
        raised += room.tick(at(second))["alerts"]
    return raised


def codes(alerts: list[dict]) -> list[tuple[str, str]]:
    return [(a["code"], a["about"]) for a in alerts]


def crowd(s: Script, n: int, second: float = 1) -> list[str]:
    viewers = [f"v{i}" for i in range(n)]
    for viewer in viewers:
        s.joined(second, viewer)
    return viewers


# --- a VIP, 金卡 member or KOC entered ----------------------------------------------------------


def test_a_gold_member_or_koc_entering_is_announced_once_with_what_to_thank_them_for():
    s = Script()
    s.started(0)
    s.joined(5, "gold", customer_id=1, nickname="王阿姨")
    s.joined(6, "koc", customer_id=2, nickname="美食达人")
    s.joined(7, "plain", customer_id=3)
    s.joined(8, "anon")
    s.left(20, "gold")
    s.joined(25, "gold", customer_id=1)  # back again: not announced twice
    people = {1: GOLD, 2: PersonBadge(koc=True), 3: PersonBadge(tier="普通")}
    alerts = run(s, range(9, 40), people=people)
    assert codes(alerts) == [("person_entered", "gold"), ("person_entered", "koc")]
    gold = alerts[0]
    assert gold["message"] == "金卡 王阿姨 进入直播间，可以感谢 TA 上次购买的「五常大米 5kg」"
    assert gold["data"]["customer_id"] == 1 and gold["level"] == "info"
    assert "KOC 美食达人" in alerts[1]["message"]


def test_a_badge_known_only_after_the_entry_still_announces_the_person_in_the_room():
    s = Script()
    s.started(0)
    s.joined(5, "vip", customer_id=4, nickname="老李")
    room = RoomProcessor("main")
    room.apply(s.events)
    assert room.tick(at(6))["alerts"] == []
    room.set_people({4: PersonBadge(vip=True)})
    assert codes(room.tick(at(7))["alerts"]) == [("person_entered", "vip")]
    room.set_people({4: PersonBadge(vip=True)})
    assert room.tick(at(8))["alerts"] == []


def test_a_rebuild_replaying_old_entries_announces_nobody():
    s = Script()
    s.started(0)
    s.joined(5, "gold", customer_id=1)
    assert run(s, [600], people={1: GOLD}) == []


# --- viewers dropping ---------------------------------------------------------------------------


def test_viewers_dropping_a_third_in_a_minute_suggests_a_coupon_once():
    s = Script()
    s.started(0)
    viewers = crowd(s, 30)
    for viewer in viewers[:10]:
        s.left(100, viewer)
    alerts = run(s, range(90, 200))
    assert codes(alerts) == [("viewers_dropping", "room")]
    [alert] = alerts
    assert alert["suggest"] == {
        "kind": ActionKind.PUSH_COUPON.value,
        "target": None,
        "label": "发优惠券",
    }
    assert alert["data"]["alternatives"][0]["kind"] == ActionKind.PUSH_LUCKY_BAG.value
    assert alert["message"].startswith("在线人数一分钟内从 30 降到 20")


def test_a_small_or_slow_fall_of_viewers_is_no_alert():
    s = Script()
    s.started(0)
    viewers = crowd(s, 30)
    for viewer in viewers[:5]:  # 17%
        s.left(100, viewer)
    for viewer in viewers[5:9]:  # another 4 more than a minute later
        s.left(170, viewer)
    small = Script(room="main")
    small.started(0)
    for viewer in crowd(small, 10):  # all leave, but 10 is too small a room to count
        small.left(100, viewer)
    assert run(s, range(90, 240)) == []
    assert run(small, range(90, 120)) == []


def test_after_the_cool_down_a_new_drop_is_a_new_alert():
    s = Script()
    s.started(0)
    viewers = crowd(s, 40)
    for viewer in viewers[:10]:
        s.left(100, viewer)
    for viewer in viewers[10:20]:
        s.left(200, viewer)
    rules = AlertRules(cooldown_seconds=60)
    assert codes(run(s, range(90, 260), rules=rules)) == [("viewers_dropping", "room")] * 2


# --- a product heating up -----------------------------------------------------------------------


def clicks(s: Script, sku: str, n: int, start: float, span: float = 50) -> None:
    for i in range(n):
        s.click(start + i * span / n, f"c{start}-{i}", sku)


def test_a_product_heating_up_suggests_explaining_it_next_once():
    s = Script()
    s.started(0)
    clicks(s, "MILLET-1KG", 3, 5)
    clicks(s, "MILLET-1KG", 12, 65)
    alerts = run(s, range(60, 200), shelf=[ShelfItem("MILLET-1KG", "有机小米 1kg")])
    assert codes(alerts) == [("product_heating", "MILLET-1KG")]
    assert alerts[0]["suggest"] == {
        "kind": ActionKind.START_EXPLAINING.value,
        "target": "MILLET-1KG",
        "label": "讲解「有机小米 1kg」",
    }


def test_steady_interest_or_the_product_on_air_is_no_heat_alert():
    steady = Script()
    steady.started(0)
    clicks(steady, "MILLET-1KG", 48, 0, span=240)  # 12 a minute from the start, for 4 minutes
    slower = Script()
    slower.started(0)
    clicks(slower, "MILLET-1KG", 8, 5)
    clicks(slower, "MILLET-1KG", 12, 65)  # 1.5×, not 2×
    on_air = Script()
    on_air.started(0)
    on_air.action(1, ActionKind.START_EXPLAINING, "MILLET-1KG")
    clicks(on_air, "MILLET-1KG", 30, 65)
    few = Script()
    few.started(0)
    clicks(few, "MILLET-1KG", 9, 65)  # under the minimum count
    for script in (steady, slower, on_air, few):
        assert run(script, range(60, 240)) == []


# --- stock running out --------------------------------------------------------------------------


def orders(s: Script, sku: str, n: int, start: float = 10) -> None:
    for i in range(n):
        s.order(start + i * 9, f"b{i}", f"O{sku}{i}", [(sku, 1, "29.90")])


def test_stock_projected_to_run_out_within_ten_minutes_alerts_supply_once():
    s = Script()
    s.started(0)
    orders(s, "MILLET-1KG", 12)  # 12 units in two minutes: 6 a minute
    item = ShelfItem("MILLET-1KG", "有机小米 1kg", Decimal("29.90"), stock=20)
    alerts = run(s, range(100, 200), shelf=[item])
    assert codes(alerts) == [("stock_running_out", "MILLET-1KG")]
    assert alerts[0]["level"] == "critical" and "请通知供应链" in alerts[0]["message"]


def test_a_sold_out_product_is_one_alert_and_plenty_of_stock_is_none():
    sold_out = Script()
    sold_out.started(0)
    orders(sold_out, "MILLET-1KG", 12)
    small = ShelfItem("MILLET-1KG", "有机小米 1kg", stock=12)
    assert "stock_sold_out" in [a["code"] for a in run(sold_out, range(110, 200), shelf=[small])]
    assert [a["code"] for a in run(sold_out, range(110, 200), shelf=[small])].count(
        "stock_sold_out"
    ) == 1
    plenty = ShelfItem("MILLET-1KG", "有机小米 1kg", stock=1000)
    assert run(sold_out, range(100, 200), shelf=[plenty]) == []


# --- complaints spiking -------------------------------------------------------------------------


def complaints(s: Script, n: int, start: float) -> None:
    for i in range(n):
        s.comment(start + i, f"k{start}-{i}", "太差了")


def test_complaints_spiking_alert_once():
    s = Script()
    s.started(0)
    complaints(s, 1, 5)
    complaints(s, 6, 65)
    alerts = run(s, range(60, 200))
    assert codes(alerts) == [("complaints_spiking", "room")]
    assert alerts[0]["message"].startswith("投诉激增")


def test_complaints_rising_slowly_are_no_spike():
    s = Script()
    s.started(0)
    complaints(s, 3, 5)  # under the floor
    complaints(s, 5, 65)  # at the floor, but under twice the minute before
    assert run(s, range(60, 200)) == []


# --- the question queue backing up --------------------------------------------------------------

QUESTIONS = ["适合炖吗？", "产地是哪里？", "保质期多久？", "有小包装吗？", "孕妇可以吃吗？"]


def test_questions_waiting_past_a_minute_alert_once():
    s = Script()
    s.started(0)
    for i, text in enumerate(QUESTIONS):
        s.comment(1 + i, f"q{i}", text)
    room = RoomProcessor("main")
    room.apply(s.events)
    assert len(room.snapshot(at(1))["questions"]) == 5
    alerts = [a for second in range(10, 200) for a in room.tick(at(second))["alerts"]]
    assert codes(alerts) == [("questions_waiting", "room")]
    assert alerts[0]["message"] == "有 5 组问题超过 60 秒未回答，请主播或场控尽快回复"


def test_answered_questions_do_not_back_the_queue_up():
    s = Script()
    s.started(0)
    asked = [s.comment(1 + i, f"q{i}", text) for i, text in enumerate(QUESTIONS)]
    s.action(30, ActionKind.ANSWER_QUESTION, f"q{asked[0].id}")
    assert run(s, range(10, 200)) == []
