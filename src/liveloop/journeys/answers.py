"""The journey action that sends a person the content matching what they asked: the ``content``
step finds, among the questions the person asked in a show and got no answer to (the post-live
report's 提问未获回复, read through ``live.service.asked_of``), the first one the content library
answers (``content.service.matching`` on its aspect and product), and keeps that item in the
state's context for the messages that follow.

``matching`` ranks every item about the product, those about the aspect first; the step takes
only an item that is about the question's aspect too (its ``aspect:`` tag or the aspect's topic:
usage → 烹饪演示), so "几天能到" is never answered with a stew recipe. A question about no
particular aspect takes any item about its product.

Invariant: the step only reads — it queues nothing itself — so the message that carries the item
is an ordinary ``send`` step with its idempotency key and guard rails; a person whose questions
match nothing goes to ``on_none`` with no ``content`` in their context.
"""

from __future__ import annotations

from typing import Any

from liveloop.content import service as content
from liveloop.content.contracts import TOPIC_OF_ASPECT, ContentView, aspect_tag
from liveloop.errors import DomainError
from liveloop.journeys import context
from liveloop.journeys import definition as d
from liveloop.journeys.contracts import StepOutcome
from liveloop.journeys.stepper import Outcome, Wake
from liveloop.live import service as live
from liveloop.live.contracts import AskedQuestion, Aspect

# Items looked at per question (the best ones about the aspect come first).
CANDIDATES = 20


def find_content(wake: Wake, step: d.FindContent) -> Outcome:
    show = _show_of(wake.state.context.get("trigger", {}))
    since = None if show is not None else wake.at - d.duration(step.within)
    asked = live.asked_of(wake.session, wake.state.customer_id, show, since=since)
    if not asked:
        return Outcome(
            StepOutcome.SKIPPED, next=step.on_none, detail="no question of theirs was left open"
        )
    context.remember(wake, "asked", _asked_facts(asked[0]))
    for question in asked:
        try:
            hits = content.matching(wake.session, question.aspect, question.sku, CANDIDATES)
        except DomainError:  # a sku outside the library's vocabulary: nothing can match it
            continue
        for hit in hits:
            if _answers(hit.item, question) and (step.kind is None or hit.item.kind == step.kind):
                context.remember(wake, "asked", _asked_facts(question))
                context.remember(wake, "content", _content_facts(hit.item, step.excerpt))
                return Outcome(StepOutcome.FOUND, detail=f"content {hit.item.id}")
    return Outcome(
        StepOutcome.SKIPPED,
        next=step.on_none,
        detail="nothing in the content library answers what they asked",
    )


def _answers(item: ContentView, question: AskedQuestion) -> bool:
    """Whether ``item`` is about what was asked: the aspect's tag or topic (any item about the
    product, for a question about no particular aspect)."""
    aspect = question.aspect
    if aspect is Aspect.NONE:
        return True
    topic = TOPIC_OF_ASPECT.get(aspect)
    about = {aspect_tag(aspect), *([topic.value] if topic is not None else [])}
    return not about.isdisjoint(item.tags)


def _show_of(trigger: dict[str, Any]) -> int | None:
    value = trigger.get("live_session_id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _asked_facts(question: AskedQuestion) -> dict[str, Any]:
    return {
        "text": question.text,
        "aspect": question.aspect.value,
        "sku": question.sku or "",
        "product": question.product or "",
        "live_session_id": question.live_session_id,
    }


def _content_facts(item: ContentView, excerpt: int) -> dict[str, Any]:
    body = " ".join(item.body.split())
    cut = body[:excerpt] + ("…" if len(body) > excerpt else "") if excerpt else ""
    return {
        "id": item.id,
        "kind": str(item.kind),
        "title": item.title,
        "excerpt": cut,
        "media_path": item.media_path or "",
    }
