"""GET /v1/profiles/{oneid} and GET /v1/profiles?type=&value= (any identifier)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.identity import service as identity
from liveloop.identity.contracts import IdentityType
from liveloop.profiles.models import Customer, TagRule
from liveloop.profiles.rules import EventRule, ProfileRule
from liveloop.profiles.service import survivor_of
from liveloop.profiles.view import Profile, build
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(prefix="/v1/profiles", tags=["profiles"])
Reader = Annotated[
    Principal,
    Depends(require_roles(Role.OPERATOR, Role.GUIDE, Role.ANALYST, Role.INTEGRATOR, Role.HOST)),
]
# Who sees personal data unmasked: the people who serve the customer.
UNMASKED = {Role.ADMIN, Role.OPERATOR, Role.GUIDE}
Limit = Annotated[int, Query(ge=1, le=500, description="timeline entries")]
Before = Annotated[int | None, Query(ge=1, le=2**62, description="timeline: events before id")]


def _respond(
    session: ReadSessionDep,
    customer: Customer,
    principal: Principal,
    limit: int,
    before: int | None,
    requested: str | None = None,
) -> Profile:
    alive = session.get(Customer, survivor_of(session, customer.id))
    if alive is None:  # pragma: no cover - merges always point at an existing person
        raise HTTPException(404, "no such profile")
    profile = build(
        session, alive, masked=principal.role not in UNMASKED, timeline_limit=limit, before=before
    )
    if requested and requested != alive.oneid:
        profile.resolved_from = requested
    return profile


@router.get("/{oneid}", response_model=Profile)
def by_oneid(
    oneid: Annotated[str, Path(max_length=32)],
    session: ReadSessionDep,
    principal: Reader,
    timeline_limit: Limit = 50,
    before: Before = None,
) -> Profile:
    """A person by OneID; a merged OneID answers with the person it was merged into."""
    customer = session.scalars(select(Customer).where(Customer.oneid == oneid)).one_or_none()
    if customer is None:
        raise HTTPException(404, f"no profile with OneID {oneid!r}")
    return _respond(session, customer, principal, timeline_limit, before, requested=oneid)


@router.get("", response_model=Profile)
def by_identifier(
    session: ReadSessionDep,
    principal: Reader,
    type: Annotated[IdentityType, Query(description="identifier type, e.g. phone")],
    value: Annotated[str, Query(min_length=1, max_length=128)],
    timeline_limit: Limit = 50,
    before: Before = None,
) -> Profile:
    """A person by any identifier, e.g. ``?type=phone&value=13800138000``."""
    try:
        normalised = identity.normalise(type, value)
    except identity.InvalidIdentifier as exc:
        raise HTTPException(400, str(exc)) from None
    customer_id = identity.holder(session, type, normalised)
    if customer_id is None:
        raise HTTPException(404, f"nobody holds {type.value} {value!r}")
    customer = session.get(Customer, customer_id)
    if customer is None:  # pragma: no cover - an identity always points at a person
        raise HTTPException(404, "no such profile")
    return _respond(session, customer, principal, timeline_limit, before)


rules_router = APIRouter(prefix="/v1/tag-rules", tags=["profiles"])
RuleEditor = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]


class TagRuleOut(BaseModel):
    id: int
    tag: str
    kind: str
    rule: dict[str, Any]
    enabled: bool
    created_at: datetime


def _rule_out(row: TagRule) -> TagRuleOut:
    return TagRuleOut(
        id=row.id,
        tag=row.tag,
        kind=row.kind,
        rule=row.rule,
        enabled=row.enabled,
        created_at=row.created_at,
    )


@rules_router.get("")
def list_rules(session: ReadSessionDep, _: RuleEditor) -> list[TagRuleOut]:
    return [_rule_out(r) for r in session.scalars(select(TagRule).order_by(TagRule.id))]


@rules_router.post("", status_code=201)
def add_rule(
    rule: Annotated[EventRule | ProfileRule, Body(discriminator="kind")],
    session: SessionDep,
    runtime: RuntimeDep,
    _: RuleEditor,
) -> TagRuleOut:
    """Add a tag rule (see profiles/rules.py for the language); it applies from the next event."""
    row = TagRule(
        tag=rule.tag,
        kind=rule.kind,
        rule=rule.model_dump(by_alias=True, exclude_none=True),
        enabled=True,
        created_at=runtime.clock.now(),
    )
    session.add(row)
    session.flush()
    return _rule_out(row)


class RuleSwitch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool


@rules_router.patch("/{rule_id}")
def switch_rule(
    rule_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: RuleSwitch,
    session: SessionDep,
    _: RuleEditor,
) -> TagRuleOut:
    row = session.get(TagRule, rule_id)
    if row is None:
        raise HTTPException(404, f"no tag rule {rule_id}")
    row.enabled = body.enabled
    return _rule_out(row)
