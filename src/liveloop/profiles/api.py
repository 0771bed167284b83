"""GET /v1/profiles/{oneid} and GET /v1/profiles?type=&value= (any identifier)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from sqlalchemy import select

from liveloop.access.models import Role
from liveloop.access.service import Principal
from liveloop.deps import ReadSessionDep, require_roles
from liveloop.identity import service as identity
from liveloop.identity.models import IdentityType
from liveloop.profiles.models import Customer
from liveloop.profiles.service import current_id
from liveloop.profiles.view import Profile, build

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
    alive = session.get(Customer, current_id(session, customer.id))
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
