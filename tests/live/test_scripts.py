"""The operator's 话术 library: a product's 话术 wins over its aspect's, which wins over the
built-in template; placeholders are filled from the shelf and never shown raw; a bad one is
refused with the reason; the room's processor suggests the operator's words."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from liveloop.access.contracts import Role
from liveloop.live import service as lives
from liveloop.live.contracts import ActionKind, Aspect
from liveloop.live.jobs import processor_sources
from liveloop.live.stream.figures import ShelfItem
from liveloop.live.stream.processor import RoomProcessor
from liveloop.live.stream.questions import suggested_answer
from liveloop.store.engine import transaction
from tests.live.show_script import Script, at
from tests.live.showkit import keys, seed_catalog, seed_room

RICE = ShelfItem("RICE-5KG", "五常大米 5kg", Decimal("59.90"), stock=100)
BARE = ShelfItem("BARE", "无价无库存的商品")
RAW = re.compile(r"\{[a-z]+\}")


def set_script(runtime, aspect: str, text: str, sku: str | None = None) -> lives.ScriptView:
    with transaction(runtime.sessions) as session:
        return lives.set_script(
            session, aspect=aspect, sku=sku, text=text, by="yunying", now=runtime.clock.now()
        )


def library(runtime) -> dict:
    with transaction(runtime.read_sessions) as session:
        return lives.scripts_for_room(session)


def test_a_products_script_wins_over_its_aspects_and_that_over_the_built_in(runtime):
    seed_catalog(runtime)
    set_script(runtime, "price", "今天直播间专享价 {price} 元，手慢无～")
    set_script(runtime, "price", "{product} 今天只要 {price} 元，还剩 {stock} 件！", sku="RICE-5KG")
    scripts = library(runtime)
    rice = suggested_answer(Aspect.PRICE, "RICE-5KG", RICE, {"RICE-5KG": 3}, scripts)
    other = ShelfItem("OATS-1KG", "燕麦片 1kg", Decimal("39.90"), stock=10)
    oats = suggested_answer(Aspect.PRICE, "OATS-1KG", other, {}, scripts)
    taste = suggested_answer(Aspect.TASTE, "RICE-5KG", RICE, {}, scripts)
    assert rice == ("五常大米 5kg 今天只要 59.90 元，还剩 97 件！", "script")
    assert oats == ("今天直播间专享价 39.90 元，手慢无～", "script")
    assert taste[1] == "template"


def test_a_script_that_cannot_be_filled_falls_back_and_never_shows_a_placeholder():
    scripts = {
        (Aspect.STOCK, None): "还剩 {stock} 件，抓紧下单",
        (Aspect.PRICE, "BARE"): "{product} 只要 {price} 元",
        (Aspect.USAGE, None): "{product} 蒸煮炖都可以",
    }
    answers = [
        suggested_answer(Aspect.STOCK, "BARE", BARE, {}, scripts),  # unlimited stock
        suggested_answer(Aspect.PRICE, "BARE", BARE, {}, scripts),  # no live price
        suggested_answer(Aspect.USAGE, None, None, {}, scripts),  # no product
        suggested_answer(Aspect.USAGE, "BARE", BARE, {}, scripts),
    ]
    assert [source for _, source in answers] == ["template", "template", "template", "script"]
    assert answers[3][0] == "无价无库存的商品 蒸煮炖都可以"
    assert not any(RAW.search(text) for text, _ in answers)
    named = ShelfItem("X", "{price}礼盒", Decimal("9.90"))  # a name that looks like one
    _, source = suggested_answer(Aspect.USAGE, "X", named, {}, scripts)
    assert source == "template"  # the operator's text would show "{price}": not used


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("今天只要 {cost} 元", "{cost} 不是可用的占位符"),
        ("{product} 只要 {price:.1f} 元", "不是可用的占位符"),
        ("买二送一 {{price}}", "花括号只能用于占位符"),
        ("特价 } 元", "花括号只能用于占位符"),
        ("only {price} yuan", "请用中文"),
        ("  ", "1-500 个字符"),
        ("好" * 501, "1-500 个字符"),
    ],
)
def test_a_bad_script_is_refused_with_the_reason(runtime, text, reason):
    with transaction(runtime.sessions) as session, pytest.raises(lives.LiveRefused) as refused:
        lives.set_script(session, aspect="price", text=text, by="yunying", now=runtime.clock.now())
    assert reason in str(refused.value)
    assert library(runtime) == {}


def test_setting_a_script_again_replaces_it_and_deleting_it_restores_the_next(runtime):
    seed_catalog(runtime)
    first = set_script(runtime, "usage", "蒸煮都可以～")
    again = set_script(runtime, "usage", "蒸、煮、炖都可以～")
    assert again.id == first.id
    product = set_script(runtime, "usage", "{product} 建议电饭煲煮", sku="RICE-5KG")
    assert product.product == "五常大米 5kg"
    with transaction(runtime.read_sessions) as session:
        listed = [(s.aspect, s.sku, s.text) for s in lives.list_scripts(session)]
    assert listed == [
        (Aspect.USAGE, None, "蒸、煮、炖都可以～"),
        (Aspect.USAGE, "RICE-5KG", "{product} 建议电饭煲煮"),
    ]
    with transaction(runtime.sessions) as session:
        lives.delete_script(session, product.id)
        with pytest.raises(lives.UnknownScript):
            lives.delete_script(session, product.id)
    assert library(runtime) == {(Aspect.USAGE, None): "蒸、煮、炖都可以～"}


def test_a_script_for_a_product_not_in_the_catalog_is_refused(runtime):
    with transaction(runtime.sessions) as session, pytest.raises(lives.LiveRefused) as refused:
        lives.set_script(
            session, aspect="price", sku="NOPE", text="便宜", by="y", now=runtime.clock.now()
        )
    assert "没有商品 NOPE" in str(refused.value)


def test_the_processors_cluster_suggests_the_operators_words():
    s = Script()
    s.started(0)
    s.action(1, ActionKind.START_EXPLAINING, "RICE-5KG")
    s.comment(2, "A", "多少钱")
    s.comment(3, "B", "价格多少？")
    room = RoomProcessor("main")
    room.set_shelf([RICE])
    room.apply(s.events)
    [before] = room.snapshot(at(10))["questions"]
    assert before["answer_source"] == "template"
    room.tick(at(10))
    room.set_scripts({(Aspect.PRICE, "RICE-5KG"): "{product} 直播价 {price} 元，点小黄车～"})
    [changed] = room.tick(at(11))["questions"]  # an open cluster is framed again
    assert changed["suggested_answer"] == "五常大米 5kg 直播价 59.90 元，点小黄车～"
    assert changed["answer_source"] == "script"


def test_the_feed_makes_a_rooms_processor_with_the_library(runtime):
    seed_room(runtime)
    set_script(runtime, "logistics", "顺丰冷链，48 小时内发货～")
    source = processor_sources(runtime)("main")
    assert source.processor.scripts == {(Aspect.LOGISTICS, None): "顺丰冷链，48 小时内发货～"}


def test_the_api_sets_lists_and_deletes_scripts_and_refuses_a_bad_placeholder(runtime, client):
    seed_catalog(runtime)
    headers = keys(runtime, ("yunying", Role.OPERATOR), ("xiaohe", Role.HOST))
    answer = client.put(
        "/v1/live-scripts",
        json={"aspect": "price", "sku": "RICE-5KG", "text": "{product} 只要 {price} 元"},
        headers=headers["yunying"],
    )
    assert answer.status_code == 200, answer.text
    made = answer.json()
    assert made["product"] == "五常大米 5kg" and made["updated_by"] == "yunying"
    bad = client.put(
        "/v1/live-scripts",
        json={"aspect": "price", "text": "只要 {discount} 元"},
        headers=headers["yunying"],
    )
    assert bad.status_code == 422 and "{discount}" in bad.text
    unknown = client.put(
        "/v1/live-scripts", json={"aspect": "smell", "text": "香"}, headers=headers["yunying"]
    )
    assert unknown.status_code == 422
    listed = client.get("/v1/live-scripts", headers=headers["xiaohe"])
    assert [s["text"] for s in listed.json()] == ["{product} 只要 {price} 元"]
    refused = client.put(
        "/v1/live-scripts", json={"aspect": "price", "text": "便宜"}, headers=headers["xiaohe"]
    )
    assert refused.status_code == 403
    gone = client.delete(f"/v1/live-scripts/{made['id']}", headers=headers["yunying"])
    assert gone.status_code == 204
    assert (
        client.delete(f"/v1/live-scripts/{made['id']}", headers=headers["yunying"]).status_code
        == 404
    )
    assert client.get("/v1/live-scripts", headers=headers["yunying"]).json() == []


def test_the_live_page_lists_the_library_and_its_form_sets_a_script(runtime, client):
    from tests.console.test_console_live import _login

    seed_catalog(runtime)
    seed_room(runtime)
    _login(client, runtime, "yunying", Role.OPERATOR)
    page = client.get("/console/live")
    assert "话术库" in page.text and "正在使用内置话术" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {
        "csrf_token": csrf,
        "aspect": "price",
        "sku": "RICE-5KG",
        "text": "{product} 只要 {price} 元",
    }
    saved = client.post("/console/live/scripts", data=form)
    assert saved.status_code == 200 and "已保存「五常大米 5kg」的价格话术" in saved.text
    assert 'data-testid="script" data-aspect="price" data-sku="RICE-5KG"' in saved.text
    bad = client.post("/console/live/scripts", data={**form, "text": "只要 {cost} 元"})
    assert bad.status_code == 422 and "{cost} 不是可用的占位符" in bad.text
    no_csrf = client.post(
        "/console/live/scripts", data={k: v for k, v in form.items() if k != "csrf_token"}
    )
    assert no_csrf.status_code == 403
