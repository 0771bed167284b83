"""Members and points over HTTP: a member's tier, growth and balances (``owed`` when a refund
clawed back points already spent), their ledger paged, an admin's adjustment (unique on the
client's key), and the rules — tiers (thresholds, grading window, benefits) and points (rates,
expiry, interaction rewards).

Errors leave as ``{"error", "reason", "details"}``: an unknown OneID is a 404, rules that
cannot mean one thing a 422, a debit beyond the balance or a reused key a 409.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.loyalty import service
from liveloop.loyalty.contracts import LedgerLine, MemberView
from liveloop.loyalty.errors import UnknownMember
from liveloop.loyalty.service import PointsRules, TierRules
from liveloop.profiles import service as profiles
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(tags=["loyalty"])
Reader = Annotated[
    Principal, Depends(require_roles(Role.OPERATOR, Role.GUIDE, Role.ANALYST, Role.HOST))
]
Editor = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
Admin = Annotated[Principal, Depends(require_roles())]
OneId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]


class BenefitsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    birthday_coupon: str | None
    early_entry_minutes: int
    nutrition_advisor: bool


class MemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    oneid: str
    tier: str
    growth: Decimal
    window_start: datetime | None
    window_end: datetime | None
    next_tier: str | None
    growth_to_next: Decimal | None
    available: int = Field(description="may be negative: a refund clawed back spent points")
    frozen: int = Field(description="earned on orders still inside their after-sales window")
    owed: int = Field(description="points the member owes (−available when negative, else 0)")
    next_expiry_at: datetime | None
    next_expiry_points: int
    benefits: BenefitsOut

    @classmethod
    def of(cls, view: MemberView) -> MemberOut:
        return cls.model_validate(view)


class LedgerLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    posting_id: int
    at: datetime
    kind: str
    kind_name: str
    source_key: str
    order_no: str | None
    available_change: int
    frozen_change: int
    available_after: int
    memo: str
    details: dict[str, Any]

    @classmethod
    def of(cls, line: LedgerLine) -> LedgerLineOut:
        return cls.model_validate(line)


class LedgerPageOut(BaseModel):
    total: int
    page: int
    page_size: int
    rows: list[LedgerLineOut]


class AdjustIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    points: int = Field(ge=-10_000_000, le=10_000_000, description="credit (> 0) or debit (< 0)")
    reason: str = Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)
    key: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="the client's key: repeating it changes nothing",
    )


class AdjustOut(BaseModel):
    posting_id: int
    created: bool
    member: MemberOut


def _person(session: Any, oneid: str) -> int:
    person = profiles.find_by_oneid(session, oneid)
    if person is None:
        raise UnknownMember(f"没有 OneID 为 {oneid} 的客户 (no such person)")
    return person


@router.get("/v1/members/{oneid}")
def get_member(oneid: OneId, session: ReadSessionDep, runtime: RuntimeDep, _: Reader) -> MemberOut:
    """Tier, growth in the grading window, points available / frozen / owed, next expiry."""
    return MemberOut.of(service.member_by_oneid(session, oneid, runtime.clock.now()))


@router.get("/v1/members/{oneid}/points")
def get_ledger(
    oneid: OneId,
    session: ReadSessionDep,
    _: Reader,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> LedgerPageOut:
    """The member's postings, newest first, with the available balance after each."""
    found = service.ledger_of(session, _person(session, oneid), page=page, page_size=page_size)
    return LedgerPageOut(
        total=found.total,
        page=found.page,
        page_size=found.page_size,
        rows=[LedgerLineOut.of(line) for line in found.rows],
    )


@router.post("/v1/members/{oneid}/points/adjust", status_code=201)
def adjust(
    oneid: OneId,
    body: AdjustIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Admin,
    response: Response,
) -> AdjustOut:
    """Credit or debit points by hand, with a reason; 200 and the same posting when ``key``
    repeats, 409 when the key was used otherwise or a debit exceeds the balance."""
    person = _person(session, oneid)
    now = runtime.clock.now()
    posting_id, created = service.adjust_points(
        session,
        customer_id=person,
        points=body.points,
        reason=body.reason,
        key=body.key,
        at=now,
        by=principal.name,
        tz=runtime.settings.tz,
    )
    if not created:
        response.status_code = 200
    member = service.member_by_oneid(session, oneid, now)
    return AdjustOut(posting_id=posting_id, created=created, member=MemberOut.of(member))


@router.get("/v1/loyalty/tiers")
def get_tiers(session: ReadSessionDep, _: Reader) -> TierRules:
    return service.tier_rules(session)


@router.put("/v1/loyalty/tiers")
def put_tiers(
    body: TierRules, session: SessionDep, runtime: RuntimeDep, principal: Editor
) -> TierRules:
    """Thresholds, the grading window and benefits: upgrades by them from the next growth,
    downgrades only at each member's window end."""
    return service.set_tier_rules(session, body, runtime.clock.now(), principal.name)


@router.get("/v1/loyalty/points-rules")
def get_points_rules(session: ReadSessionDep, _: Reader) -> PointsRules:
    return service.points_rules(session)


@router.put("/v1/loyalty/points-rules")
def put_points_rules(
    body: PointsRules, session: SessionDep, runtime: RuntimeDep, principal: Editor
) -> PointsRules:
    """Earning rate, checkout value, expiry months, interaction rewards and their daily caps."""
    return service.set_points_rules(session, body, runtime.clock.now(), principal.name)
