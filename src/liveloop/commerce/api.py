"""Coupons over HTTP: templates (operators and admins edit; guides and hosts read), issuing a
coupon to a person by OneID, listing and reading coupons, voiding one.

Errors leave as ``{"error", "reason", "details"}``: a template that cannot mean one thing is a
422 naming the field, an unknown template/coupon/person a 404, a limit or frozen template a 409.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.commerce.catalog.api import router as products_router  # noqa: F401 - for the app
from liveloop.commerce.contracts import CouponStatus
from liveloop.commerce.coupons import issuing, listing, templates
from liveloop.commerce.coupons.errors import UnknownCustomer
from liveloop.commerce.coupons.templates import TemplateSpec, TemplateView
from liveloop.commerce.orders import api as orders_api
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.profiles import service as profiles
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(tags=["coupons"])
# Orders have their own router (commerce.orders.api); the app takes it from here.
orders_router = orders_api.router
Reader = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.GUIDE, Role.HOST))]
Editor = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
TemplateCode = Annotated[str, Path(max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")]
CouponCode = Annotated[str, Path(max_length=24, pattern=r"^[A-Z2-7]+$")]


class TemplateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name: str
    kind: str
    amount: Decimal | None
    pay_percent: int | None = Field(description="what the customer pays: 85 = 85折")
    cap: Decimal | None
    threshold: Decimal
    starts_at: datetime | None
    ends_at: datetime | None
    valid_days: int | None
    valid_hours: int | None
    per_person_limit: int | None
    total_limit: int | None
    issued_count: int
    scope: str
    scope_values: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: TemplateView) -> TemplateOut:
        return cls.model_validate(view)


class IssueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    template: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    oneid: str = Field(min_length=1, max_length=32)
    idempotency_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        pattern=NO_CONTROL_CHARS,
        description="repeat it to retry safely; left out, every call issues a new coupon",
    )
    skus: list[str] | None = Field(default=None, min_length=1, max_length=100)
    valid_hours: int | None = Field(default=None, ge=1, le=templates.MAX_VALID_HOURS)


class CouponOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    template_code: str
    template_name: str
    oneid: str
    status: str
    issued_at: datetime
    valid_from: datetime
    valid_until: datetime
    skus: list[str] | None
    order_no: str | None
    discount: Decimal | None
    redeemed_at: datetime | None
    source: str


class CouponPageOut(BaseModel):
    total: int
    page: int
    page_size: int
    rows: list[CouponOut]


class VoidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=200, pattern=NO_CONTROL_CHARS)


def _person(session: Session, oneid: str) -> int:
    person = profiles.find_by_oneid(session, oneid)
    if person is None:
        raise UnknownCustomer(f"no customer with OneID {oneid}")
    return person


@router.get("/v1/coupon-templates")
def list_templates(
    session: ReadSessionDep, _: Reader, active: bool | None = None
) -> list[TemplateOut]:
    return [TemplateOut.of(v) for v in templates.list_templates(session, active=active)]


@router.post("/v1/coupon-templates", status_code=201)
def create_template(
    spec: TemplateSpec, session: SessionDep, runtime: RuntimeDep, _: Editor
) -> TemplateOut:
    return TemplateOut.of(templates.create_template(session, spec, runtime.clock.now()))


@router.get("/v1/coupon-templates/{code}")
def get_template(code: TemplateCode, session: ReadSessionDep, _: Reader) -> TemplateOut:
    return TemplateOut.of(templates.get_template(session, code))


@router.put("/v1/coupon-templates/{code}")
def update_template(
    code: TemplateCode, spec: TemplateSpec, session: SessionDep, runtime: RuntimeDep, _: Editor
) -> TemplateOut:
    """Replace the definition; once coupons were issued, value and scope are frozen (409)."""
    return TemplateOut.of(templates.update_template(session, code, spec, runtime.clock.now()))


@router.delete("/v1/coupon-templates/{code}", status_code=204)
def delete_template(code: TemplateCode, session: SessionDep, _: Editor) -> Response:
    """Only a template that never issued a coupon; otherwise switch it off (409)."""
    templates.delete_template(session, code)
    return Response(status_code=204)


@router.post("/v1/coupons", status_code=201)
def issue(
    body: IssueIn, session: SessionDep, runtime: RuntimeDep, principal: Editor, response: Response
) -> CouponOut:
    """Issue a coupon by hand; 200 with the same coupon when the idempotency key repeats."""
    issued = issuing.issue_coupon(
        session,
        body.template,
        _person(session, body.oneid),
        runtime.clock.now(),
        idempotency_key=body.idempotency_key or f"api:{uuid.uuid4().hex}",
        skus=body.skus,
        valid_hours=body.valid_hours,
        source=f"api:{principal.name}"[:64],
    )
    if not issued.created:
        response.status_code = 200
    return CouponOut.model_validate(listing.get_coupon(session, issued.code))


@router.get("/v1/coupons")
def list_coupons(
    session: ReadSessionDep,
    _: Reader,
    customer: Annotated[str | None, Query(max_length=32, description="OneID")] = None,
    status: CouponStatus | None = None,
    template: Annotated[str | None, Query(max_length=32)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> CouponPageOut:
    """Coupons newest first; ``customer`` is a OneID (merged people's coupons included)."""
    found = listing.list_coupons(
        session,
        customer_id=_person(session, customer) if customer else None,
        status=status,
        template_code=template,
        limit=page_size,
        offset=(page - 1) * page_size,
    )
    return CouponPageOut(
        total=found.total,
        page=page,
        page_size=page_size,
        rows=[CouponOut.model_validate(row) for row in found.rows],
    )


@router.get("/v1/coupons/{code}")
def get_coupon(code: CouponCode, session: ReadSessionDep, _: Reader) -> CouponOut:
    return CouponOut.model_validate(listing.get_coupon(session, code))


@router.post("/v1/coupons/{code}/void")
def void(
    code: CouponCode, body: VoidIn, session: SessionDep, runtime: RuntimeDep, principal: Editor
) -> CouponOut:
    """Withdraw an unused coupon (409 when it was redeemed, expired or voided)."""
    issuing.void_coupon(
        session, code, runtime.clock.now(), reason=body.reason, source=f"api:{principal.name}"
    )
    return CouponOut.model_validate(listing.get_coupon(session, code))
