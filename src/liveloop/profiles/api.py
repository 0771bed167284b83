"""GET /v1/profiles/{oneid} (the 360° view by OneID) and the tag rules. The lookup by any
identifier, GET /v1/profiles?type=&value=, is OneID's and lives in identity.api."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query
from pydantic import BaseModel, ConfigDict

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.profiles import service as profiles
from liveloop.profiles.rules import EventRule, ProfileRule
from liveloop.profiles.service import Profile
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(prefix="/v1/profiles", tags=["profiles"])
Reader = Annotated[Principal, Depends(require_roles(*profiles.PROFILE_READERS))]
Limit = Annotated[int, Query(ge=1, le=500, description="timeline entries")]
Before = Annotated[int | None, Query(ge=1, le=2**62, description="timeline: events before id")]


@router.get("/{oneid}", response_model=Profile)
def by_oneid(
    oneid: Annotated[str, Path(max_length=32)],
    session: ReadSessionDep,
    principal: Reader,
    timeline_limit: Limit = 50,
    before: Before = None,
) -> Profile:
    """A person by OneID; a merged OneID answers with the person it was merged into."""
    customer_id = profiles.find_by_oneid(session, oneid)
    profile = (
        None
        if customer_id is None
        else profiles.profile_of(
            session,
            customer_id,
            viewer=principal,
            timeline_limit=timeline_limit,
            before=before,
            requested_oneid=oneid,
        )
    )
    if profile is None:
        raise HTTPException(404, f"no profile with OneID {oneid!r}")
    return profile


rules_router = APIRouter(prefix="/v1/tag-rules", tags=["profiles"])
RuleEditor = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]


class TagRuleOut(BaseModel):
    id: int
    tag: str
    kind: str
    rule: dict[str, Any]
    enabled: bool
    created_at: datetime


def _rule_out(view: profiles.TagRuleView) -> TagRuleOut:
    return TagRuleOut(
        id=view.id,
        tag=view.tag,
        kind=view.kind,
        rule=view.rule,
        enabled=view.enabled,
        created_at=view.created_at,
    )


@rules_router.get("")
def list_rules(session: ReadSessionDep, _: RuleEditor) -> list[TagRuleOut]:
    return [_rule_out(r) for r in profiles.list_tag_rules(session)]


@rules_router.post("", status_code=201)
def add_rule(
    rule: Annotated[EventRule | ProfileRule, Body(discriminator="kind")],
    session: SessionDep,
    runtime: RuntimeDep,
    _: RuleEditor,
) -> TagRuleOut:
    """Add a tag rule (see profiles/rules.py for the language); it applies from the next event."""
    return _rule_out(profiles.add_tag_rule(session, rule, runtime.clock.now()))


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
    try:
        return _rule_out(profiles.switch_tag_rule(session, rule_id, enabled=body.enabled))
    except LookupError:
        raise HTTPException(404, f"no tag rule {rule_id}") from None
