"""Every viewer is a person: what they watched, asked, clicked and paid, their badges from the
profile, and the high-intent list (asked the price + clicked + watched ≥ 3 min + not paid)."""

from __future__ import annotations

from datetime import datetime

from liveloop.live.stream.processor import PersonBadge, RoomProcessor
from tests.live.show_script import Script, at

GOLD = PersonBadge(
    tier="金卡",
    rfm_group="VIP",
    last_order_at=datetime.fromisoformat("2026-11-01T10:00:00+00:00"),
    last_product="五常大米 5kg",
)


def intent_show() -> Script:
    s = Script()
    s.started(0)
    for viewer in ("keen", "paid", "short", "no-click"):
        s.joined(1, viewer, customer_id={"keen": 1, "paid": 2}.get(viewer), nickname=viewer)
        s.comment(2, viewer, "多少钱？")
    for viewer in ("keen", "paid", "short"):
        s.click(3, viewer, "RICE-5KG")
    s.order(4, "paid", "O1", [("RICE-5KG", 1, "59.90")])
    s.left(120, "short")  # watched 119 s
    return s


def test_the_high_intent_list_holds_who_asked_the_price_clicked_watched_and_did_not_pay():
    room = RoomProcessor("main")
    room.set_people({1: GOLD})
    room.apply(intent_show().events)
    assert room.tick(at(150))["high_intent"] is None  # nobody has watched 3 minutes yet
    frame = room.tick(at(181))  # keen has now watched 180 s
    assert frame["high_intent_count"] == 1
    [keen] = frame["high_intent"]
    assert keen["viewer"] == "keen" and keen["customer_id"] == 1
    assert keen["watch_seconds"] == 180
    assert keen["asked"] == ["price"] and keen["clicked"] == ["RICE-5KG"]
    assert keen["paid"] is False
    assert keen["badge"]["labels"] == ["金卡"] and keen["badge"]["rfm_group"] == "VIP"
    assert room.tick(at(182))["high_intent"] is None  # unchanged: not sent again
    later = Script(first_id=100)
    later.order(190, "keen", "O2", [("RICE-5KG", 1, "59.90")])
    room.apply(later.events)
    assert room.tick(at(191))["high_intent"] == []  # paid: off the list


def test_a_viewer_is_one_person_however_often_they_join():
    s = Script()
    s.started(0)
    s.joined(1, "A", nickname="爱吃米的猫")
    s.joined(2, "A")
    s.left(11, "A")
    s.left(12, "A")  # already gone
    s.left(13, "ghost")  # never seen joining: counts nothing
    s.joined(21, "A")
    s.cart(22, "A", "RICE-5KG")
    room = RoomProcessor("main")
    room.apply(s.events)
    frame = room.tick(at(31))
    figures = frame["figures"]
    assert figures["entries"] == 2 and figures["exits"] == 1 and figures["online"] == 1
    assert figures["watchers"] == 1
    assert figures["avg_watch_seconds"] == 20  # 10 s + 10 s so far, one viewer
    [arrival, again] = frame["arrivals"]
    assert arrival["nickname"] == "爱吃米的猫" and arrival["carted"] == ["RICE-5KG"]
    assert again["viewer"] == "A"


def test_known_customers_in_the_room_are_shown_with_their_badges():
    s = Script()
    s.started(0)
    s.joined(1, "gold", customer_id=1, nickname="王阿姨")
    s.joined(2, "plain", customer_id=2)
    s.joined(3, "anon")
    room = RoomProcessor("main")
    room.set_people({1: GOLD, 2: PersonBadge(tier="普通")})
    room.apply(s.events)
    of_note = room.snapshot(at(10))["viewers_of_note"]
    assert [(v["viewer"], v["badge"]["labels"]) for v in of_note] == [("gold", ["金卡"])]
    assert of_note[0]["badge"]["last_product"] == "五常大米 5kg"


def test_a_viewer_resolved_to_a_customer_later_keeps_one_record():
    s = Script()
    s.started(0)
    s.joined(1, "A")
    s.comment(2, "A", "好吃", customer_id=7)  # the profiles consumer resolved them by now
    room = RoomProcessor("main")
    room.apply(s.events)
    [viewer] = room.tick(at(3))["arrivals"]
    assert viewer["customer_id"] == 7 and viewer["comments"] == 1
