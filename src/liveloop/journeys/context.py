"""What a journey knows about the person it is moving: the trigger's properties, the products
that matter to them (looked at most, recommended after a purchase), the coupon it gave them.
Steps read it; templates get it as variables."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from liveloop import spec
from liveloop.analytics import service as analytics
from liveloop.analytics.contracts import SIDE_JOIN
from liveloop.channels import service as channels
from liveloop.commerce import service as commerce
from liveloop.errors import DomainError
from liveloop.journeys.stepper import Wake
from liveloop.profiles import service as profiles
from liveloop.store.eventlog import Event

LOOKED_AT = (spec.LIVE_PRODUCT_CLICKED, spec.PRODUCT_VIEWED, spec.PRODUCT_ADDED)
LOOK_BACK = timedelta(days=7)


def remember(wake: Wake, name: str, value: Any) -> None:
    wake.state.context = {**wake.state.context, name: value}


def variables(wake: Wake) -> dict[str, Any]:
    """Template variables: ``customer`` (name, oneid, city), ``journey``, ``trigger`` (the
    entering event's properties), ``coupon`` once a step issued one, ``content`` and ``asked``
    once a content step found them, and — for journeys that
    name them in ``products`` — ``product`` (looked at most) and ``recommended``."""
    person = profiles.person_of(wake.session, wake.state.customer_id)
    if person is None:  # a state's person is a foreign key: only a broken store gets here
        raise LookupError(f"journey state {wake.state.id} names no customer")
    facts = {
        "customer": {"oneid": person.oneid, "name": person.name or "", "city": person.city or ""},
        "journey": {"key": wake.journey.key, "name": wake.journey.name},
        "trigger": dict(wake.state.context.get("trigger", {})),
    }
    for found in ("coupon", "content", "asked"):  # once a step issued or found one
        if found in wake.state.context:
            facts[found] = wake.state.context[found]
    for name, kind in (("product", "most_viewed"), ("recommended", "recommended")):
        if kind not in wake.definition.products:
            continue
        sku = product(wake, kind)
        if sku is not None:
            facts[name] = _product_facts(wake, sku)
    return facts


def render_text(wake: Wake, text: str) -> str:
    """A short text (a task's title) with ``{{ customer.name }}``-style variables; a text that
    does not render is kept as written rather than failing the step."""
    if "{" not in text:
        return text
    try:
        return channels.render(text, variables(wake), "text")
    except DomainError:
        return text


def product(wake: Wake, kind: str | None) -> str | None:
    """A SKU for the person: ``trigger`` (the entering event's), ``most_viewed`` (looked at most
    in the trigger's live, else in the last week) or ``recommended`` (basket rules)."""
    cache = wake.state.context.get("products", {})
    if kind in cache:
        return cache[kind]
    if kind == "trigger":
        sku = wake.state.context.get("trigger", {}).get("sku")
    elif kind == "most_viewed":
        sku = _most_viewed(wake)
    elif kind == "recommended":
        sku = _recommended(wake)
    else:
        return None
    remember(wake, "products", {**cache, kind: sku})
    return sku if isinstance(sku, str) else None


def coupon_facts(coupon: Any) -> dict[str, Any]:
    return {
        "code": coupon.code,
        "name": getattr(coupon, "name", ""),
        "valid_until": coupon.valid_until.isoformat(),
    }


def _most_viewed(wake: Wake) -> str | None:
    trigger = wake.state.context.get("trigger", {})
    query = select(Event.properties).where(
        Event.customer_id == wake.state.customer_id,
        Event.name.in_(LOOKED_AT),
        Event.timestamp >= wake.state.entered_at - LOOK_BACK,
        Event.timestamp <= wake.now,
    )
    counts: dict[str, int] = {}
    for properties in wake.session.scalars(query.order_by(Event.id.desc()).limit(500)):
        live = trigger.get("live_session_id")
        if live is not None and properties.get("live_session_id") not in (None, live):
            continue
        sku = properties.get("sku")
        if isinstance(sku, str):
            counts[sku] = counts.get(sku, 0) + 1
    return max(sorted(counts), key=counts.__getitem__) if counts else None


def _recommended(wake: Wake) -> str | None:
    """The best basket rule whose left side the person's trigger order holds, for a product
    they did not buy in it (highest lift first, as the rules report is ordered)."""
    trigger = wake.state.context.get("trigger", {})
    bought = {line.get("sku") for line in trigger.get("products", []) if isinstance(line, dict)}
    if not bought:
        return None
    for rule in analytics.report_rows(wake.session, "basket_rules"):
        left = set(str(rule.get("antecedents", "")).split(SIDE_JOIN))
        right = [sku for sku in str(rule.get("consequents", "")).split(SIDE_JOIN) if sku]
        if left <= bought and right and not set(right) & bought:
            return right[0]
    return None


def _product_facts(wake: Wake, sku: str) -> dict[str, Any]:
    row = commerce.product(wake.session, sku)
    if row is None:
        return {"sku": sku, "name": sku, "price": ""}
    return {"sku": sku, "name": row.name, "price": str(row.price)}
