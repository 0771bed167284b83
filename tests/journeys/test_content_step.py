"""The journey action that sends a person the content matching what they asked: a viewer whose
question the show left open gets, in 直播提问未回复, the library's item on that product and aspect
in a WeCom message; a viewer whose question the library cannot answer gets no message but a
guide's task; and a content step is checked like every other step before it is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from liveloop.channels import jobs as channels_jobs
from liveloop.content import service as content
from liveloop.content.contracts import ContentKind
from liveloop.guides.models import GuideTask
from liveloop.journeys.definition import DefinitionError, parse
from liveloop.live import service as lives
from liveloop.live.contracts import FollowUp
from liveloop.store.engine import transaction
from tests.journeys.test_builtins import messages_of, switch
from tests.journeys.test_live_follow_ups import show
from tests.live.test_report import ended_show

STEW = content.NewContent(
    ContentKind.RECIPE,
    "五常大米排骨炖饭",
    "排骨焯水后和泡好的五常大米一起小火炖四十分钟，米粒吸饱汤汁，软糯不散。",
    tags=["烹饪演示", "sku:RICE-5KG", "aspect:usage"],
)


def library(world, *items):
    with transaction(world.runtime.sessions) as session:
        return [
            content.add_content(session, item, by="test", now=world.clock.now()) for item in items
        ]


def asked(aspect, sku, text, product=None):
    return {"asked": [{"aspect": aspect, "sku": sku, "text": text, "product": product}]}


def found(world, live, people):
    """The show's 提问未获回复 audience, with what each person asked."""
    with transaction(world.runtime.sessions) as session:
        lives.save_audiences(
            session,
            live,
            {FollowUp.ASKED_UNANSWERED: list(people)},
            world.clock.now(),
            {FollowUp.ASKED_UNANSWERED: people},
        )


def tasks_of(world):
    with transaction(world.runtime.read_sessions) as session:
        return {t.customer_id: t for t in session.scalars(select(GuideTask))}


def delivered(world):
    world.run()
    world.runtime.outbox.drain_until_idle(world.runtime.sessions, world.clock)


def test_a_viewer_who_asked_whether_it_stews_gets_the_cooking_recipe(world):
    channels_jobs.register(world.runtime)
    switch(world, "live-asked-unanswered")
    library(world, STEW)
    live = show(world)
    cook = world.person("想炖饭")
    found(world, live, {cook: asked("usage", "RICE-5KG", "适合炖吗", "五常大米")})
    delivered(world)

    (reply,) = messages_of(world, cook)
    assert reply.body.startswith("您在直播间问的「适合炖吗」，这里有详细解答：《五常大米排骨炖饭》")
    assert "排骨焯水" in reply.body and reply.purpose == "service"
    assert cook not in tasks_of(world), "a question the library answered is no guide's task"
    assert ("find", "found") in world.steps_of(cook)


def test_a_question_the_library_cannot_answer_goes_to_a_guide_with_no_message(world):
    channels_jobs.register(world.runtime)
    switch(world, "live-asked-unanswered")
    library(world, STEW)
    live = show(world)
    lost = world.person("问物流")
    found(world, live, {lost: asked("logistics", "RICE-5KG", "几天能到")})
    delivered(world)

    assert messages_of(world, lost) == []
    task = tasks_of(world)[lost]
    assert task.title == "回复直播间未答的提问：问物流"
    assert "「几天能到」" in task.body
    assert ("find", "skipped") in world.steps_of(lost)


def test_the_show_of_the_trigger_is_the_one_whose_questions_count(world):
    switch(world, "live-asked-unanswered")
    library(world, STEW)
    earlier = show(world, "第一场")
    person = world.person("两场都来")
    found(world, earlier, {person: asked("usage", "RICE-5KG", "适合炖吗")})
    world.run()
    assert world.steps_of(person) == [("find", "found"), ("reply", "queued")]

    world.advance(days=2)
    later = show(world, "第二场")
    with transaction(world.runtime.read_sessions) as session:
        assert lives.asked_of(session, person, later) == []
        (question,) = lives.asked_of(session, person)  # their latest show with a question
    assert question.live_session_id == earlier and question.sku == "RICE-5KG"
    found(world, later, {person: asked("price", "RICE-5KG", "多少钱")})
    world.run()
    # Entered again by the second show's segment: its price question, which no item answers.
    assert world.steps_of(person)[2:] == [("find", "skipped"), ("answer", "created")]
    assert "「多少钱」" in tasks_of(world)[person].body


def test_a_report_records_what_each_viewer_asked_and_the_journey_answers_it(runtime, client):
    from tests.journeys.conftest import build_world

    world = build_world(runtime)
    channels_jobs.register(runtime)
    switch(world, "live-asked-unanswered")
    library(world, STEW)
    live = ended_show(runtime, client)  # u2 and u4 asked 适合炖吗 while the rice was on air
    with transaction(runtime.read_sessions) as session:
        report = lives.report_of(session, live)
        (stew,) = [c for c in report.document["questions"]["clusters"] if "炖" in c["text"]]
        questions = {c: lives.asked_of(session, c, live) for c in stew["customer_ids"]}
    assert len(questions) == 2
    for person_asked in questions.values():
        assert [(q.aspect, q.sku) for q in person_asked] == [("usage", "RICE-5KG")]
    world.clock.advance(hours=1)  # the show's clock ran at its start; the segment came at its end
    delivered(world)
    for person in questions:
        (reply,) = messages_of(world, person)
        assert "《五常大米排骨炖饭》" in reply.body
    (price_asker,) = {s.customer_id for s in world.states()} - set(questions)
    assert messages_of(world, price_asker) == []  # 这个米多少钱: nothing in the library
    assert set(tasks_of(world)) == {price_asker}


def journey_with(*steps):
    return {
        "key": "answer-them",
        "name": "解答",
        "trigger": {"type": "event", "event": "Segment Entered"},
        "steps": list(steps),
    }


REPLY = {
    "id": "reply",
    "type": "send",
    "channel": "wecom",
    "template": "t",
    "requires": ["content"],
}


@pytest.mark.parametrize(
    ("step", "path"),
    [
        ({"id": "find", "type": "content", "kind": "video"}, "steps.0.content.kind"),
        ({"id": "find", "type": "content", "excerpt": 501}, "steps.0.content.excerpt"),
        ({"id": "find", "type": "content", "excerpt": -1}, "steps.0.content.excerpt"),
        ({"id": "find", "type": "content", "within": "two weeks"}, "steps.0.content.within"),
        ({"id": "find", "type": "content", "aspect": "usage"}, "steps.0.content.aspect"),
    ],
)
def test_a_content_steps_fields_are_checked(step, path):
    with pytest.raises(DefinitionError) as refused:
        parse(journey_with(step, REPLY))
    assert refused.value.status == 422
    assert path in [detail["path"] for detail in refused.value.details]


def test_a_content_step_goes_nowhere_that_is_no_step_and_content_needs_a_content_step():
    for steps, reason in (
        (
            ({"id": "find", "type": "content", "on_none": "guide"}, REPLY),
            "'guide', which is no step",
        ),
        ((REPLY,), "requires content, but no content step finds any"),
    ):
        with pytest.raises(DefinitionError) as refused:
            parse(journey_with(*steps))
        assert any(reason in detail["reason"] for detail in refused.value.details)
    journey = parse(journey_with({"id": "find", "type": "content", "on_none": "end"}, REPLY))
    assert journey.steps[0].excerpt == 60 and journey.steps[0].within == "14d"
