"""Suggested answers written by an LLM, against a local server that speaks OpenAI's
chat-completions protocol: a new question cluster is asked about once, with the product's shelf
facts; its written answer replaces the template on a later tick; a failing endpoint or an
unusable answer keeps the template; without the settings there is no desk at all."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from liveloop import bootstrap
from liveloop.live import jobs as live_jobs
from liveloop.live.contracts import ActionKind
from liveloop.live.stream.figures import ShelfItem
from liveloop.live.stream.llm_answers import AnswerDesk, Answering, ChatAnswerWriter, usable
from liveloop.live.stream.processor import RoomProcessor
from tests.channels.servers import serve
from tests.conftest import make_settings
from tests.live.show_script import Script, at

RICE = ShelfItem(
    "RICE-5KG",
    "五常大米 5kg",
    Decimal("59.90"),
    stock=100,
    attributes={"产地": "黑龙江五常"},
)
ANSWER = "可以炖的哦，五常大米煮粥炖饭都软糯，直播间 59.9 元一袋，还剩 100 件。"


class FakeChat:
    """POST /v1/chat/completions as OpenAI answers it; a wrong key is 401."""

    def __init__(self, content: str = ANSWER, status: int = 200, key: str = "sk-test") -> None:
        self.content, self.status, self.key = content, status, key
        self.requests: list[dict[str, Any]] = []

    def handle(self, method: str, path: str, query, headers, body: bytes):
        if method != "POST" or path != "/v1/chat/completions":
            return 404, {"error": {"message": "not found"}}
        if headers.get("Authorization") != f"Bearer {self.key}":
            return 401, {"error": {"message": "Incorrect API key provided", "code": "invalid"}}
        request = json.loads(body)
        self.requests.append(request)
        if self.status != 200:
            return self.status, {"error": {"message": "overloaded"}}
        return 200, {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "model": request["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": self.content},
                    "finish_reason": "stop",
                }
            ],
        }


def a_show() -> tuple[RoomProcessor, Script]:
    room = RoomProcessor("main")
    room.set_shelf([RICE])
    s = Script()
    s.started(0)
    s.action(1, ActionKind.START_EXPLAINING, "RICE-5KG")
    s.comment(2, "A", "适合炖吗")
    s.comment(3, "B", "这个能炖汤吗")
    return room, s


def questions(frame: dict) -> list[dict]:
    return frame["questions"]


def test_a_new_cluster_is_asked_once_and_its_written_answer_replaces_the_template():
    fake = FakeChat()
    with serve(fake) as host:
        desk = AnswerDesk(ChatAnswerWriter(f"http://{host}/v1", "qwen-plus", "sk-test"))
        room, script = a_show()
        source = Answering("main", room, room, desk)
        source.apply(script.events)
        [cluster] = questions(source.tick(at(4)))
        assert cluster["answer_source"] == "template"
        assert desk.work_once(timeout=5)
        assert not desk.work_once(timeout=0.01)  # asked once
        source.tick(at(5))  # the written answer is picked up here …
        [after] = [q for q in questions(source.snapshot(at(6))) if q["id"] == cluster["id"]]
        source.tick(at(7))
        desk.writer.close()
    assert after["answer_source"] == "llm" and after["suggested_answer"] == ANSWER
    [request] = fake.requests
    assert request["model"] == "qwen-plus"
    prompt = request["messages"][-1]["content"]
    assert "适合炖吗" in prompt and "五常大米 5kg" in prompt
    assert "¥59.90" in prompt and "100 件" in prompt and "黑龙江五常" in prompt
    assert request["messages"][0]["role"] == "system"


@pytest.mark.parametrize(
    ("fake", "key"),
    [
        (FakeChat(status=503), "sk-test"),  # the endpoint is overloaded
        (FakeChat(), "sk-wrong"),  # a wrong key: 401
        (FakeChat(content="亲，{price} 元哦"), "sk-test"),  # a placeholder left in it
        (FakeChat(content="   "), "sk-test"),  # nothing said
    ],
)
def test_a_failing_endpoint_or_an_unusable_answer_keeps_the_template(fake, key):
    with serve(fake) as host:
        desk = AnswerDesk(ChatAnswerWriter(f"http://{host}/v1", "qwen-plus", key))
        room, script = a_show()
        source = Answering("main", room, room, desk)
        source.apply(script.events)
        source.tick(at(4))
        assert desk.work_once(timeout=5)
        source.tick(at(5))
        [cluster] = questions(source.snapshot(at(6)))
        source.tick(at(7))
        assert not desk.work_once(timeout=0.01)  # not asked again
        desk.writer.close()
    assert cluster["answer_source"] == "template" and "{" not in cluster["suggested_answer"]


def test_an_unreachable_endpoint_never_holds_a_frame_back():
    # Nothing listens on port 9: the call fails; the room's tick does not wait for it.
    desk = AnswerDesk(ChatAnswerWriter("http://127.0.0.1:9/v1", "m", timeout=0.5))
    room, script = a_show()
    source = Answering("main", room, room, desk)
    source.apply(script.events)
    began = time.monotonic()
    source.tick(at(4))
    assert time.monotonic() - began < 0.5
    assert desk.work_once(timeout=1)
    [cluster] = questions(source.snapshot(at(5)))
    assert cluster["answer_source"] == "template"
    desk.writer.close()


def test_an_answer_is_one_line_short_and_has_no_placeholder():
    assert usable("  「可以炖的，\n软糯好吃」 ") == "可以炖的， 软糯好吃"
    assert usable("{{ product }} 很好") is None
    assert usable("好" * 161) is None
    assert usable(None) is None


def test_the_desk_comes_with_both_settings_and_not_otherwise(sqlite_url):
    with pytest.raises(ValidationError, match="go together"):
        make_settings(sqlite_url).model_validate(
            {"database_url": sqlite_url, "live_answer_llm_url": "http://127.0.0.1:1/v1"}
        )
    plain = bootstrap.open_runtime(make_settings(sqlite_url))
    try:
        assert live_jobs.answer_desk(plain) is None
    finally:
        plain.close()
    settings = make_settings(sqlite_url).model_copy(
        update={"live_answer_llm_url": "http://127.0.0.1:1/v1", "live_answer_llm_model": "m"}
    )
    runtime = bootstrap.open_runtime(settings)
    try:
        desk = live_jobs.answer_desk(runtime)
        assert isinstance(desk, AnswerDesk) and desk in runtime.threads
        assert live_jobs.answer_desk(runtime) is desk  # declared once
    finally:
        runtime.close()
