"""The room's stream processor: exact figures from a known show, nothing counted twice (a
replayed batch, a resent order, a rebuild from the log), a new show starting afresh, 讲解 on
air, host messages apart, and frames a console can read as JSON."""

from __future__ import annotations

import json
import random
from decimal import Decimal

from liveloop.live.contracts import ActionKind
from liveloop.live.stream.figures import ShelfItem
from liveloop.live.stream.processor import RoomProcessor, StreamEvent
from tests.ingest.conftest import make_source, stored_events
from tests.live.show_script import Script, at
from tests.live.test_webhook import EVERY_KIND, deliver

RICE = ShelfItem("RICE-5KG", "五常大米 5kg", Decimal("59.90"), stock=100)


def known_show() -> Script:
    s = Script()
    s.started(0)
    s.joined(1, "A", nickname="爱吃米的猫")
    s.joined(2, "B")
    s.joined(3, "C")
    s.joined(5, "A")  # already in: counts once
    s.left(10, "B")  # watched 8 s
    s.comment(20, "A", "这个多少钱？")
    s.comment(21, "C", "好吃")
    s.click(30, "A", "RICE-5KG")
    s.cart(31, "A", "RICE-5KG")
    s.order(40, "A", "O1", [("RICE-5KG", 1, "59.90")])
    s.order(45, "C", "O2", [("RICE-5KG", 2, "59.90")])
    s.order(46, "A", "O1", [("RICE-5KG", 1, "59.90")])  # the same order resent
    return s


def test_figures_of_a_known_show_are_exact():
    room = RoomProcessor("main")
    room.set_shelf([RICE])
    room.apply(known_show().events)
    figures = room.tick(at(60))["figures"]
    assert figures["online"] == 2
    assert figures["entries"] == 3 and figures["exits"] == 1
    assert figures["viewers"] == 3 and figures["watchers"] == 3
    # (B 8 s + A 59 s + C 57 s) / 3 viewers
    assert figures["avg_watch_seconds"] == round((8 + 59 + 57) / 3)
    assert figures["comments"] == 2 and figures["comments_per_minute"] == 2
    assert figures["clicks"] == 1 and figures["carts"] == 1
    assert figures["orders"] == 2 and figures["buyers"] == 2 and figures["units"] == 3
    assert figures["gmv"] == {"value": "179.70", "provisional": True}
    assert figures["gmv_per_minute"] == {"value": "179.70", "provisional": True}
    # GPM = GMV ÷ distinct viewers × 1000; conversion = buyers ÷ distinct viewers
    assert figures["gpm"] == {"value": "59900.00", "provisional": True}
    assert figures["conversion"] == round(2 / 3, 4)
    [rice] = figures["products"]
    assert rice["name"] == "五常大米 5kg"
    assert (rice["clicks"], rice["carts"], rice["orders"], rice["units"]) == (1, 1, 2, 3)
    assert rice["gmv"]["value"] == "179.70"
    assert rice["stock_left"] == 97


def test_the_seconds_of_a_tick_carry_entries_exits_and_the_online_level():
    room = RoomProcessor("main")
    room.apply(known_show().events)
    rows = {row["second"] - int(at(0).timestamp()): row for row in room.tick(at(12))["seconds"]}
    assert rows[1]["entries"] == 1 and rows[1]["online"] == 1
    assert rows[3]["online"] == 3
    assert rows[5]["entries"] == 0 and rows[5]["online"] == 3  # A again: not an entry
    assert rows[7]["online"] == 3  # a quiet second carries the level
    assert rows[10]["exits"] == 1 and rows[10]["online"] == 2
    assert sorted(rows) == list(range(0, 12))  # completed seconds only
    later = room.tick(at(14))["seconds"]
    assert [row["second"] - int(at(0).timestamp()) for row in later] == [12, 13]


def test_the_last_minutes_are_compared_with_the_minutes_before():
    s = Script()
    s.started(0)
    for i in range(10):
        s.joined(10 + i, f"early{i}")
        s.comment(20 + i, f"early{i}", "好吃")
    for i in range(4):
        s.joined(400 + i, f"late{i}")
    s.order(500, "late0", "O9", [("RICE-5KG", 1, "10.00")])
    room = RoomProcessor("main", window_minutes=5)
    room.apply(s.events)
    windows = room.tick(at(600))["figures"]["windows"]
    assert windows["minutes"] == 5
    last, before = windows["last"], windows["before"]
    assert (before["entries"], before["comments"], before["orders"]) == (10, 10, 0)
    assert (last["entries"], last["comments"], last["orders"]) == (4, 0, 1)
    assert last["gmv"] == {"value": "10.00", "provisional": True}
    assert last["audience"] == 14 and last["buyers"] == 1  # 10 online at its start + 4 entries
    assert last["conversion"] == round(1 / 14, 4)


def test_applying_the_same_events_twice_changes_nothing():
    events = known_show().events
    once = RoomProcessor("main")
    once.apply(events)
    twice = RoomProcessor("main")
    twice.apply(events)
    twice.apply(events)
    twice.apply(events[3:8])
    assert without_alerts(twice.snapshot(at(60))) == without_alerts(once.snapshot(at(60)))
    assert twice.snapshot(at(60))["figures"]["gmv"]["value"] == "179.70"


def test_an_order_counts_once_by_its_order_id_even_across_shows():
    s = Script()
    s.started(0)
    s.order(10, "A", "O1", [("RICE-5KG", 1, "59.90")])
    s.ended(20)
    s.started(30, live_session_id=78)
    s.order(40, "A", "O1", [("RICE-5KG", 1, "59.90")])  # a platform resends last show's order
    s.order(41, "B", "O2", [("RICE-5KG", 1, "0.10")])
    s.order(42, "B", "O3", [("RICE-5KG", 2, "0.10")])
    room = RoomProcessor("main")
    room.apply(s.events)
    figures = room.tick(at(50))["figures"]
    assert figures["orders"] == 2
    assert figures["gmv"]["value"] == "0.30"  # Decimal: 0.10 + 0.20 exactly


def random_show(seed: int = 12, n: int = 3000) -> Script:
    rng = random.Random(seed)
    s = Script()
    s.started(0)
    s.action(1, ActionKind.START_EXPLAINING, "RICE-5KG")
    present: set[str] = set()
    questions = ["适合炖吗", "这个能炖汤吗", "多少钱", "什么时候发货", "糖尿病人能吃吗"]
    for i in range(n):
        second = 2 + i // 10
        viewer = f"v{rng.randrange(300)}"
        roll = rng.random()
        if roll < 0.35:
            s.joined(second, viewer)
            present.add(viewer)
        elif roll < 0.5:
            s.left(second, viewer)
            present.discard(viewer)
        elif roll < 0.7:
            s.comment(second, viewer, rng.choice([*questions, "好吃", "主播好美", "太慢了差评"]))
        elif roll < 0.82:
            s.click(second, viewer, rng.choice(["RICE-5KG", "MILLET-1KG"]))
        elif roll < 0.92:
            s.cart(second, viewer, "RICE-5KG")
        else:
            order = f"O{rng.randrange(200)}"  # some orders repeat
            s.order(second, viewer, order, [("RICE-5KG", rng.randint(1, 3), "59.90")])
        if i == n // 2:
            s.action(second, ActionKind.STOP_EXPLAINING, "RICE-5KG")
            s.action(second, ActionKind.ANSWER_QUESTION, "q10")
    return s


def without_alerts(frame: dict) -> dict:
    return {k: v for k, v in frame.items() if k != "alerts"}


def test_a_rebuild_from_the_log_equals_the_room_built_as_it_went():
    events = random_show().events
    end = at(310)
    live = RoomProcessor("main")
    live.set_shelf([RICE])
    step = 37
    for i in range(0, len(events), step):
        # Overlapping reads (the feed may read a row twice) and ticks in between.
        live.apply(events[max(0, i - 5) : i + step])
        live.tick(events[min(i + step, len(events)) - 1].timestamp)
    rebuilt = RoomProcessor("main")
    rebuilt.set_shelf([RICE])
    rebuilt.apply(events)
    assert without_alerts(rebuilt.snapshot(end)) == without_alerts(live.snapshot(end))
    assert rebuilt.applied == live.applied


def test_a_new_show_starts_its_figures_afresh_and_the_end_closes_it():
    s = Script()
    s.started(0)
    s.joined(1, "A")
    s.comment(2, "A", "好吃")
    s.action(3, ActionKind.START_EXPLAINING, "RICE-5KG")
    s.ended(10)
    s.started(100, live_session_id=78)
    s.joined(101, "B")
    room = RoomProcessor("main")
    room.apply(s.events[:5])
    first = room.tick(at(11))
    assert first["show"]["status"] == "ended" and first["show"]["on_air"] is None
    room.apply(s.events[5:])
    frame = room.tick(at(102))
    assert frame["show"] == {
        "live_session_id": 78,
        "title": "主食健康课",
        "host": "小米",
        "status": "live",
        "announced": True,
        "started_at": at(100).timestamp(),
        "ended_at": None,
        "on_air": None,
    }
    assert frame["figures"]["entries"] == 1 and frame["figures"]["comments"] == 0
    assert frame["figures"]["online"] == 1


def test_explaining_a_product_counts_its_seconds_and_what_came_while_it_was_on_air():
    s = Script()
    s.started(0)
    s.joined(1, "A")
    s.click(5, "A", "RICE-5KG")  # before the 讲解
    s.action(10, ActionKind.START_EXPLAINING, "RICE-5KG")
    s.click(20, "A", "RICE-5KG")
    s.cart(21, "A", "RICE-5KG")
    s.order(25, "A", "O1", [("RICE-5KG", 2, "59.90")])
    s.action(40, ActionKind.START_EXPLAINING, "MILLET-1KG")  # the next one stops the first
    s.click(45, "A", "RICE-5KG")
    room = RoomProcessor("main")
    room.apply(s.events)
    frame = room.tick(at(50))
    products = {p["sku"]: p for p in frame["figures"]["products"]}
    rice, millet = products["RICE-5KG"], products["MILLET-1KG"]
    assert rice["seconds_on_air"] == 30 and not rice["on_air"]
    assert rice["clicks"] == 3
    assert rice["on_air_figures"] == {
        "clicks": 1,
        "carts": 1,
        "orders": 1,
        "gmv": {"value": "119.80", "provisional": True},
    }
    assert millet["on_air"] and millet["seconds_on_air"] == 10
    assert [m["label"] for m in frame["markers"]] == ["开始讲解", "开始讲解"]
    assert frame["show"]["on_air"] == "MILLET-1KG"


def test_host_messages_are_labelled_and_not_counted_as_viewer_comments():
    s = Script()
    s.started(0)
    s.joined(1, "A")
    s.comment(2, "host-1", "今天的大米适合炖吗？我来演示", by_host=True)
    s.comment(3, "staff-2", "欢迎新来的家人们", role="host")
    s.comment(4, "A", "适合炖吗")
    room = RoomProcessor("main")
    read: list[list[str]] = []

    def reader(texts):
        read.append(list(texts))
        from liveloop.live.understand import understand

        return understand(texts)

    room.reader = reader
    room.apply(s.events)
    frame = room.tick(at(5))
    assert read == [["适合炖吗"]]  # one call per batch, viewers' comments only
    figures = frame["figures"]
    assert figures["comments"] == 1 and figures["host_comments"] == 2
    assert figures["questions"] == 1 and figures["viewers"] == 1
    assert [c["by_host"] for c in frame["comments"]] == [True, True, False]
    assert [q["askers"] for q in frame["questions"]] == [1]


def test_only_the_rooms_own_events_count():
    s = Script()
    s.joined(1, "A")
    other = Script(room="night-show", first_id=100)
    other.joined(2, "B")
    room = RoomProcessor("main")
    room.apply(s.events + other.events)
    assert room.tick(at(3))["figures"]["online"] == 1


def test_frames_are_json():
    empty = RoomProcessor("main")
    assert empty.tick(at(0))["figures"]["online"] == 0
    json.dumps(empty.snapshot(at(0)))
    room = RoomProcessor("main")
    room.set_shelf([RICE])
    room.apply(random_show(n=500).events)
    json.dumps(room.tick(at(60)), ensure_ascii=False)
    snapshot = room.snapshot(at(60))
    assert snapshot["type"] == "snapshot" and snapshot["room"] == "main"
    json.dumps(snapshot, ensure_ascii=False)


def test_rows_from_the_signed_webhook_are_read_as_stream_events(client, runtime):
    platform = make_source(runtime, "抖音直播", kind="live_platform")
    body = {"events": [{**e, "live_session_id": 77} for e in EVERY_KIND]}
    assert deliver(client, platform, body).status_code == 200
    rows = stored_events(runtime)
    events = [StreamEvent.from_row(row) for row in rows]
    assert [e.id for e in events] == [row.id for row in rows]
    assert events[0].viewer == "dy-anon-1" and events[0].nickname == "爱吃米的猫"
    order = next(e for e in events if e.properties.get("order_id"))
    assert order.viewer == "M00000001"  # user_id before anonymous_id
    assert order.timestamp.tzinfo is not None
    room = RoomProcessor("main")
    room.apply(events)
    room.apply(events)  # a replay
    figures = room.tick(rows[-1].timestamp)["figures"]
    assert figures["orders"] == 1 and figures["gmv"]["value"] == "119.80"
    assert figures["comments"] == 1 and figures["questions"] == 1
    assert figures["likes"] == 12 and figures["shares"] == 1
    assert figures["clicks"] == 1 and figures["carts"] == 1
    assert figures["entries"] == 1 and figures["exits"] == 1


def test_after_a_restart_the_room_rebuilt_from_the_stored_log_counts_no_order_twice(
    client, runtime
):
    platform = make_source(runtime, "抖音直播", kind="live_platform")
    order = next(e for e in EVERY_KIND if e["type"] == "order")
    first, resent = EVERY_KIND[:7], [{**order, "id": "e7-again"}, EVERY_KIND[7]]
    live = RoomProcessor("main")
    cursor = 0
    for body in (first, resent, first):  # the first delivery is replayed, too
        assert deliver(client, platform, {"events": body}).status_code == 200
        rows = [r for r in stored_events(runtime) if r.id > cursor]
        live.apply([StreamEvent.from_row(r) for r in rows])
        cursor = max([cursor, *(r.id for r in rows)])
        live.tick(runtime.clock.now())
    rows = stored_events(runtime)
    assert len(rows) == 9  # the platform's resent order is a new row …
    restarted = RoomProcessor("main")
    restarted.apply([StreamEvent.from_row(r) for r in rows])
    now = runtime.clock.now()
    assert without_alerts(restarted.snapshot(now)) == without_alerts(live.snapshot(now))
    figures = restarted.snapshot(now)["figures"]
    assert figures["orders"] == 1 and figures["gmv"]["value"] == "119.80"  # … counted once


def test_the_rooms_own_messages_sent_through_the_webhook_are_labelled_and_not_counted(
    client, runtime
):
    platform = make_source(runtime, "抖音直播", kind="live_platform")
    viewer = {"anonymous_id": "dy-anon-1"}

    def comment(event_id, text, **extra):
        return {"id": event_id, "type": "comment", "data": {"text": text}, **extra}

    body = {
        "events": [
            comment("h1", "适合炖吗？适合！", role="host", viewer={"user_id": "host-xiaomi"}),
            comment("h2", "福袋马上开", role="controller", viewer={"user_id": "staff-wang"}),
            comment("c1", "适合炖吗", viewer=viewer),
        ]
    }
    assert deliver(client, platform, body).status_code == 200
    room = RoomProcessor("main")
    room.apply([StreamEvent.from_row(r) for r in stored_events(runtime)])
    frame = room.tick(runtime.clock.now())
    assert frame["figures"]["comments"] == 1 and frame["figures"]["host_comments"] == 2
    assert frame["figures"]["questions"] == 1 and frame["figures"]["viewers"] == 1
    assert [c["by_host"] for c in frame["comments"]] == [True, True, False]
