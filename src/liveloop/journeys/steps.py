"""What each kind of step does. Flow steps (waits, branches, splits) only move the state;
action steps hand their effect to the domain that owns it, in the batch's transaction, with the
step's idempotency key. A domain's refusal (no such template, a coupon limit reached) is the
step's outcome — ``failed`` with the reason — and the person goes on; anything else raises and
the state is retried (see ``stepper``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from liveloop.errors import DomainError
from liveloop.journeys import context
from liveloop.journeys import definition as d
from liveloop.journeys.answers import find_content
from liveloop.journeys.contracts import VARIANT, StepOutcome
from liveloop.journeys.stepper import Executor, Outcome, Wake, happened, next_local, variant_of
from liveloop.profiles import service as profiles


def wait(wake: Wake, step: d.Wait) -> Outcome:
    return Outcome(wait_until=wake.at + d.duration(step.duration))


def wait_until(wake: Wake, step: d.WaitUntil) -> Outcome:
    earliest = wake.at + d.duration(step.min)
    return Outcome(wait_until=next_local(earliest, step.at, _timezone(wake)))


def wait_for_event(wake: Wake, step: d.WaitForEvent) -> Outcome:
    # The event may already be in the log: the consumer handled it while this state was still
    # on an earlier step (a cart paid for within the same minute, or a worker catching up).
    if happened(wake.session, wake.state.customer_id, step.event, wake.at, wake.now):
        return Outcome(StepOutcome.EVENT, next=step.on_event)
    start = wake.at
    if step.until_property is not None:
        named = wake.state.context.get("trigger", {}).get(step.until_property)
        try:
            moment = datetime.fromisoformat(str(named))
            start = moment if moment.tzinfo else moment.replace(tzinfo=wake.tz)
        except ValueError:
            pass  # no usable time in the trigger: count from now, as without the property
    return Outcome(
        StepOutcome.WAITING, wait_for=step.event, wait_until=start + d.duration(step.timeout)
    )


def branch(wake: Wake, step: d.Branch) -> Outcome:
    from liveloop.segments.service import members_among, parse_rule

    wake.session.flush()  # the rule reads what earlier steps changed (traits, say)
    person = wake.state.customer_id
    # Windows ("ordered within 3 hours") count back from when the step was due, so a worker
    # catching up decides as it would have on time.
    rule = parse_rule(step.condition)
    inside = person in members_among(wake.session, rule, [person], min(wake.at, wake.now))
    return Outcome(
        StepOutcome.THEN if inside else StepOutcome.ELSE,
        next=step.then if inside else step.otherwise,
    )


def split(wake: Wake, step: d.Split) -> Outcome:
    variant = variant_of(wake.journey.key, step.id, wake.state.customer_id, step.variants)
    wake.state.variant = variant.name
    return Outcome(f"{VARIANT}{variant.name}", next=variant.next)


def exit_journey(wake: Wake, step: d.Exit) -> Outcome:
    return Outcome(StepOutcome.EXIT, next=d.END)


def send(wake: Wake, step: d.Send) -> Outcome:
    from liveloop.channels.service import queue_message

    variables = context.variables(wake)
    missing = [name for name in step.requires if name not in variables]
    if missing:
        return Outcome(StepOutcome.SKIPPED, detail=f"no {', '.join(missing)} for this person")
    try:
        message_id = queue_message(
            wake.session,
            customer_id=wake.state.customer_id,
            channel=step.channel,
            template_code=step.template,
            variables=variables,
            purpose=step.purpose,
            idempotency_key=wake.key(step.id),
            now=wake.now,
            origin=wake.origin(step.id),
        )
    except DomainError as exc:
        return Outcome(StepOutcome.FAILED, detail=str(exc))
    return Outcome(StepOutcome.QUEUED, message_id=message_id)


def issue_coupon(wake: Wake, step: d.IssueCoupon) -> Outcome:
    from liveloop.commerce.service import issue_coupon as issue

    sku = context.product(wake, step.on_product) if step.on_product else None
    if step.on_product and sku is None:
        return Outcome(StepOutcome.SKIPPED, detail=f"no {step.on_product} product for this person")
    template = _tier_template(wake, step) or step.template
    try:
        coupon = issue(
            wake.session,
            template,
            wake.state.customer_id,
            wake.now,
            idempotency_key=wake.key(step.id),
            skus=[sku] if sku else None,
            valid_hours=step.valid_hours,
            source=f"journey:{wake.journey.key}",
        )
    except DomainError as exc:
        return Outcome(StepOutcome.FAILED, detail=str(exc))
    context.remember(wake, "coupon", context.coupon_facts(coupon))
    return Outcome(StepOutcome.ISSUED, detail=coupon.code)


def _tier_template(wake: Wake, step: d.IssueCoupon) -> str | None:
    """The member tier's coupon template for ``step.from_tier``, when the tier has one that
    exists (else None: the step's own template)."""
    if step.from_tier is None:
        return None
    from liveloop.commerce.service import has_coupon_template
    from liveloop.loyalty.service import benefits_of

    code = getattr(benefits_of(wake.session, wake.state.customer_id).benefits, step.from_tier)
    return code if code and has_coupon_template(wake.session, code) else None


def tag(wake: Wake, step: d.Tag) -> Outcome:
    from liveloop.profiles.service import change_tags

    change_tags(
        wake.session,
        wake.state.customer_id,
        add=step.add,
        remove=step.remove,
        source=f"journey:{wake.journey.key}",
        at=wake.now,
    )
    return Outcome()


def task(wake: Wake, step: d.GuideTask) -> Outcome:
    from liveloop.guides.service import create_task

    try:
        task_id = create_task(
            wake.session,
            customer_id=wake.state.customer_id,
            title=context.render_text(wake, step.title),
            body=context.render_text(wake, step.body),
            kind=step.kind,
            due_at=wake.now + d.duration(step.due),
            now=wake.now,
            idempotency_key=wake.key(step.id),
            origin=wake.origin(step.id),
        )
    except DomainError as exc:
        return Outcome(StepOutcome.FAILED, detail=str(exc))
    return Outcome(StepOutcome.CREATED, detail=f"task {task_id}")


def webhook(wake: Wake, step: d.Webhook) -> Outcome:
    from liveloop.channels.service import queue_webhook

    try:
        message_id = queue_webhook(
            wake.session,
            endpoint=step.endpoint,
            event_type=step.event_type,
            payload={
                "journey": wake.journey.key,
                "step": step.id,
                **context.variables(wake),
            },
            idempotency_key=wake.key(step.id),
            now=wake.now,
            origin=wake.origin(step.id),
        )
    except DomainError as exc:
        return Outcome(StepOutcome.FAILED, detail=str(exc))
    return Outcome(StepOutcome.QUEUED, message_id=message_id)


def set_trait(wake: Wake, step: d.SetTraits) -> Outcome:
    from liveloop.profiles.service import set_traits

    set_traits(wake.session, wake.state.customer_id, dict(step.traits), wake.now)
    return Outcome()


def _timezone(wake: Wake) -> Any:
    return profiles.timezone_of(wake.session, wake.state.customer_id, wake.tz)


EXECUTORS: dict[str, Executor] = {
    "wait": wait,
    "wait_until": wait_until,
    "wait_for_event": wait_for_event,
    "branch": branch,
    "split": split,
    "exit": exit_journey,
    "send": send,
    "coupon": issue_coupon,
    "content": find_content,
    "tag": tag,
    "task": task,
    "webhook": webhook,
    "set_trait": set_trait,
}
