"""The question queue: a question asked many ways by many people is one cluster with its count
of askers, a different question is another, each has a suggested answer with no placeholder
left in it, and the host's answer action closes it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from liveloop.live.contracts import ActionKind, Aspect
from liveloop.live.stream.figures import ShelfItem
from liveloop.live.stream.processor import RoomProcessor
from liveloop.live.stream.questions import TEMPLATES, template_answer
from tests.live.show_script import Script, at

RICE = ShelfItem("RICE-5KG", "五常大米 5kg", Decimal("59.90"), stock=100)
MILLET = ShelfItem(
    "MILLET-1KG",
    "有机小米 1kg",
    Decimal("29.90"),
    stock=50,
    attributes={"升糖指数": "中等"},
    aliases=("小米",),
)


def room_with(script: Script) -> RoomProcessor:
    room = RoomProcessor("main")
    room.set_shelf([RICE, MILLET])
    room.apply(script.events)
    return room


def clusters(room: RoomProcessor) -> list[dict]:
    return room.snapshot(at(600))["questions"]


def test_the_same_question_asked_many_ways_is_one_cluster_counting_its_askers():
    s = Script()
    s.started(0)
    s.action(1, ActionKind.START_EXPLAINING, "RICE-5KG")
    first = s.comment(2, "A", "适合炖吗", customer_id=11)
    s.comment(3, "B", "这个适合炖吗？", customer_id=12)
    s.comment(4, "C", "主播 能炖汤吗")
    s.comment(5, "D", "可以炖吗😊")
    s.comment(6, "E", "適合燉嗎")  # traditional characters
    s.comment(7, "A", "适合炖吗？？")  # the same person again: a mention, not an asker
    room = room_with(s)
    [cluster] = clusters(room)
    assert cluster["id"] == f"q{first.id}"
    assert cluster["askers"] == 5 and cluster["mentions"] == 6
    assert cluster["label"] == "5 人在问 适合炖吗"
    assert cluster["customer_ids"] == [11, 12]
    assert cluster["sku"] == "RICE-5KG"  # the product on air
    assert cluster["status"] == "open"
    assert cluster["first_at"] == at(2).timestamp() and cluster["last_at"] == at(7).timestamp()


def test_a_different_question_is_a_different_cluster():
    s = Script()
    s.started(0)
    s.action(1, ActionKind.START_EXPLAINING, "RICE-5KG")
    s.comment(2, "A", "适合炖吗")
    s.comment(3, "B", "炖多久能熟？")
    s.comment(4, "C", "糖尿病人能吃吗")
    assert len(clusters(room_with(s))) == 3


def test_price_questions_about_one_product_share_a_cluster_and_its_answer_quotes_the_live_price():
    s = Script()
    s.started(0)
    s.action(1, ActionKind.START_EXPLAINING, "RICE-5KG")
    s.comment(2, "A", "多少钱")
    s.comment(3, "B", "价格多少？")
    s.comment(4, "C", "这个到手价多少")
    [cluster] = clusters(room_with(s))
    assert cluster["aspect"] == "price" and cluster["askers"] == 3
    assert "59.90" in cluster["suggested_answer"]
    assert cluster["answer_source"] == "template"


def test_a_question_naming_a_product_is_about_it_even_while_another_is_on_air():
    s = Script()
    s.started(0)
    s.action(1, ActionKind.START_EXPLAINING, "RICE-5KG")
    s.comment(2, "A", "小米多少钱？")
    [cluster] = clusters(room_with(s))
    assert cluster["sku"] == "MILLET-1KG" and cluster["product"] == "有机小米 1kg"
    assert "29.90" in cluster["suggested_answer"]


def test_a_stock_answer_tells_the_stock_left_after_this_shows_orders():
    s = Script()
    s.started(0)
    s.action(1, ActionKind.START_EXPLAINING, "MILLET-1KG")
    s.order(2, "A", "O1", [("MILLET-1KG", 3, "29.90")])
    s.comment(3, "B", "还有库存吗")
    [cluster] = clusters(room_with(s))
    assert cluster["aspect"] == "stock"
    assert "还剩 47 件" in cluster["suggested_answer"]


@pytest.mark.parametrize("aspect", list(Aspect))
@pytest.mark.parametrize(
    "item",
    [RICE, MILLET, ShelfItem("X", "无价无库存的商品"), None],
    ids=["rice", "millet", "bare", "no-product"],
)
def test_a_template_answer_never_shows_a_placeholder(aspect, item):
    answer = template_answer(aspect, item, {})
    assert answer and "{" not in answer and "}" not in answer
    assert aspect in TEMPLATES


def test_the_answer_action_marks_the_cluster_answered_and_a_later_question_opens_a_new_one():
    s = Script()
    s.started(0)
    s.action(1, ActionKind.START_EXPLAINING, "RICE-5KG")
    first = s.comment(2, "A", "适合炖吗")
    room = room_with(s)
    cluster_id = f"q{first.id}"
    room.tick(at(3))
    later = Script(first_id=s.next_id)
    later.action(10, ActionKind.ANSWER_QUESTION, cluster_id, by="主播小米")
    room.apply(later.events)
    frame = room.tick(at(11))
    [answered] = frame["questions"]
    assert answered["id"] == cluster_id and answered["status"] == "answered"
    assert answered["answered_at"] == at(10).timestamp() and answered["answered_by"] == "主播小米"
    again = Script(first_id=later.next_id)
    again.comment(20, "B", "能炖汤吗")
    room.apply(again.events)
    snapshot = room.snapshot(at(21))
    assert [(q["status"], q["askers"]) for q in snapshot["questions"]] == [
        ("open", 1),
        ("answered", 1),
    ]
    assert snapshot["questions_missed"] == {"open": 1, "clusters": 2}


def test_an_answer_written_off_the_hot_path_replaces_the_template():
    s = Script()
    s.started(0)
    first = s.comment(2, "A", "糖尿病人能吃吗")
    room = room_with(s)
    assert room.suggest(f"q{first.id}", "有机小米升糖指数中等，建议搭配杂粮，少量食用。")
    [cluster] = room.tick(at(3))["questions"]
    assert cluster["answer_source"] == "llm"
    assert cluster["suggested_answer"].startswith("有机小米升糖指数中等")
    assert not room.suggest("q404", "没有这个问题")


def test_a_change_of_shelf_reframes_the_open_questions_with_the_new_price():
    s = Script()
    s.started(0)
    s.action(1, ActionKind.START_EXPLAINING, "RICE-5KG")
    s.comment(2, "A", "多少钱")
    room = room_with(s)
    room.tick(at(3))
    assert room.tick(at(4))["questions"] == []
    room.set_shelf([ShelfItem("RICE-5KG", "五常大米 5kg", Decimal("49.90"), stock=100), MILLET])
    [cluster] = room.tick(at(5))["questions"]
    assert "49.90" in cluster["suggested_answer"]


def test_questions_naming_one_product_meet_on_what_they_ask_not_on_its_name():
    s = Script()
    s.started(0)
    s.comment(2, "A", "五常大米适合炖吗")
    s.comment(3, "B", "五常大米适合做早餐吗")
    s.comment(4, "C", "五常大米 5kg 能炖汤吗")
    labels = sorted((q["askers"], q["text"], q["sku"]) for q in clusters(room_with(s)))
    assert labels == [
        (1, "五常大米适合做早餐吗", "RICE-5KG"),
        (2, "五常大米适合炖吗", "RICE-5KG"),
    ]
