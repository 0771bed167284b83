"""UGC over HTTP, ``/v1/ugc``: recipes and reviews, likes, the moderation queue and its
decisions, polls and votes, honours, KOC scores.

The mini-program's backend (an integrator's key) submits recipes, reviews, likes and votes on
behalf of customers, naming each by any identifier OneID knows (``{"type": "oneid" | "phone" |
"unionid" …, "value": …}``, resolved as orders resolve buyers); operators moderate, run polls
and award honours; analysts read. Only approved recipes and reviews are public: anyone but an
operator asking for one still waiting or rejected gets a 404. Phone numbers inside a text are
masked for a role that does not see phones whole.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from liveloop.access.contracts import PiiField, Role
from liveloop.access.service import Principal, sees
from liveloop.commerce import service as commerce
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.profiles import service as profiles
from liveloop.ugc import service as ugc
from liveloop.ugc.contracts import Honour, UgcKind, UgcStatus, UnknownUgc
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(prefix="/v1/ugc", tags=["ugc"])

Reader = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.ANALYST, Role.INTEGRATOR))]
Moderator = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
Submitter = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.INTEGRATOR))]
ScoreReader = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.ANALYST))]
PersonReader = Annotated[
    Principal,
    Depends(require_roles(Role.OPERATOR, Role.ANALYST, Role.INTEGRATOR, Role.GUIDE)),
]
BuyerType = Literal[commerce.BUYER_TYPES]  # type: ignore[valid-type]
Text = Annotated[str, Field(min_length=1, max_length=5000, pattern=NO_CONTROL_CHARS)]
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")]
PollCode = Annotated[str, Path(max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")]
Sku = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.\-]+$")]
Photo = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.:/-]+$")]
Month = Annotated[str, Field(pattern=r"^20\d\d-(0[1-9]|1[0-2])$", description="2026-05")]
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]
OneId = Annotated[str, Path(min_length=1, max_length=32)]


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: BuyerType = Field(description="oneid, phone, unionid, openid, member_no …")
    value: Annotated[str, Field(min_length=1, max_length=128, pattern=NO_CONTROL_CHARS)]


class RecipeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer: CustomerIn
    title: Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)]
    body: Text
    skus: Annotated[list[Sku], Field(max_length=20)] = []
    photos: Annotated[list[Photo], Field(max_length=9)] = []
    client_ref: (
        Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")] | None
    ) = Field(None, description="the mini-program's id for this draft: a retry is the same item")


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer: CustomerIn
    order_no: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
    sku: Sku
    rating: Annotated[int, Field(ge=1, le=5)]
    body: Annotated[str, Field(min_length=1, max_length=2000, pattern=NO_CONTROL_CHARS)]
    photos: Annotated[list[Photo], Field(max_length=9)] = []


class LikeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer: CustomerIn


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Field(min_length=1, max_length=200, pattern=NO_CONTROL_CHARS)]


class ItemOut(BaseModel):
    id: int
    kind: UgcKind
    oneid: str | None
    title: str | None
    body: str
    skus: list[str]
    photos: list[str]
    order_no: str | None
    sku: str | None
    rating: int | None
    status: UgcStatus
    flags: list[str]
    hits: list[str]
    likes: int
    submitted_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    reason: str | None


class LikedOut(BaseModel):
    ugc_id: int
    likes: int
    created: bool


class OptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: Code
    label: Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)]


class PollIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code
    title: Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)]
    options: Annotated[list[OptionIn], Field(min_length=2, max_length=10)]
    opens_at: AwareDatetime
    closes_at: AwareDatetime


class OptionOut(BaseModel):
    key: str
    label: str
    votes: int
    share: float


class PollOut(BaseModel):
    code: str
    title: str
    opens_at: datetime
    closes_at: datetime
    open: bool
    votes: int
    options: list[OptionOut]


class VoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer: CustomerIn
    option: Code


class VotedOut(BaseModel):
    poll: str
    option: str
    oneid: str | None
    voted_at: datetime
    created: bool


class HonourIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    honour: Honour
    month: Month
    oneid: Annotated[str, Field(min_length=1, max_length=32)]
    points: Annotated[int, Field(ge=0, le=10_000)] | None = None
    reason: Annotated[str, Field(min_length=1, max_length=200, pattern=NO_CONTROL_CHARS)] | None = (
        None
    )
    ugc_id: Annotated[int, Field(ge=1)] | None = None


class BestRecipeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    month: Month
    points: Annotated[int, Field(ge=0, le=10_000)] | None = None


class HonourOut(BaseModel):
    honour: Honour
    name: str
    month: str
    oneid: str | None
    ugc_id: int | None
    recipe_title: str | None
    points: int
    reason: str
    awarded_at: datetime
    awarded_by: str
    created: bool


class KocOut(BaseModel):
    oneid: str | None
    score: int
    influence: int
    expertise: int
    activity: int
    recognised: bool
    recognised_at: datetime | None
    scored_at: datetime
    counts: dict[str, float]


def _oneids(session: Session, people: list[int]) -> dict[int, str]:
    return profiles.oneids_of(session, people)


def _items(session: Session, found: list[ugc.ItemView], principal: Principal) -> list[ItemOut]:
    oneids = _oneids(session, [i.customer_id for i in found])
    whole = sees(principal.role, PiiField.PHONE)
    return [
        ItemOut(
            **{k: getattr(i, k) for k in ItemOut.model_fields if k not in ("oneid", "body")},
            oneid=oneids.get(i.customer_id),
            body=i.body if whole else ugc.mask_phones(i.body),
        )
        for i in found
    ]


def _item(session: Session, item: ugc.ItemView, principal: Principal) -> ItemOut:
    return _items(session, [item], principal)[0]


def _customer(session: Session, body: CustomerIn, at: datetime, principal: Principal) -> int:
    return commerce.resolve_buyer(session, body.type, body.value, at=at, source=_source(principal))


def _source(principal: Principal) -> str:
    return f"api:{principal.name}"[:64]


def _submitted(
    session: Session, item: ugc.ItemView, principal: Principal, response: Response
) -> ItemOut:
    """A submission's answer: 201 when this call made it, 200 for a retry that found it."""
    if not item.created:
        response.status_code = 200
    return _item(session, item, principal)


def _moderates(principal: Principal) -> bool:
    return principal.role in (Role.ADMIN, Role.OPERATOR)


def _public(item: ugc.ItemView, principal: Principal) -> ugc.ItemView:
    if item.status != UgcStatus.APPROVED and not _moderates(principal):
        raise UnknownUgc(f"没有这条内容 {item.id} (no such published recipe or review)")
    return item


@router.post("/recipes", status_code=201)
def submit_recipe(
    body: RecipeIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Submitter,
    response: Response,
) -> ItemOut:
    """A customer's recipe into the moderation queue (200 when ``client_ref`` repeats with the
    same content, 409 with other content)."""
    now = runtime.clock.now()
    item = ugc.submit_recipe(
        session,
        customer_id=_customer(session, body.customer, now, principal),
        title=body.title,
        body=body.body,
        skus=body.skus,
        photos=body.photos,
        client_ref=body.client_ref,
        at=now,
        source=_source(principal),
    )
    return _submitted(session, item, principal, response)


@router.get("/recipes")
def list_recipes(
    session: ReadSessionDep,
    principal: Reader,
    sku: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> list[ItemOut]:
    """Published recipes, newest first (``sku``: those using the product)."""
    return _published(session, principal, UgcKind.RECIPE, sku, limit, before)


@router.get("/recipes/{item_id}")
def get_recipe(item_id: ItemId, session: ReadSessionDep, principal: Reader) -> ItemOut:
    item = ugc.get_item(session, item_id)
    if item.kind != UgcKind.RECIPE:
        raise UnknownUgc(f"没有食谱 {item_id} (no such recipe)")
    return _item(session, _public(item, principal), principal)


@router.post("/recipes/{item_id}/likes", status_code=201)
def like_recipe(
    item_id: ItemId,
    body: LikeIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Submitter,
    response: Response,
) -> LikedOut:
    """A customer likes a published recipe, once (200 and the count unchanged on a repeat)."""
    now = runtime.clock.now()
    liked = ugc.like_recipe(
        session,
        item_id,
        customer_id=_customer(session, body.customer, now, principal),
        at=now,
        source=_source(principal),
    )
    if not liked.created:
        response.status_code = 200
    return LikedOut(ugc_id=liked.item_id, likes=liked.likes, created=liked.created)


@router.post("/reviews", status_code=201)
def submit_review(
    body: ReviewIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Submitter,
    response: Response,
) -> ItemOut:
    """A customer's review of a line of their own order into the moderation queue; one per
    order line (200 when re-sent with the same content, 409 with other)."""
    now = runtime.clock.now()
    item = ugc.submit_review(
        session,
        customer_id=_customer(session, body.customer, now, principal),
        order_no=body.order_no,
        sku=body.sku,
        rating=body.rating,
        body=body.body,
        photos=body.photos,
        at=now,
        source=_source(principal),
    )
    return _submitted(session, item, principal, response)


@router.get("/reviews")
def list_reviews(
    session: ReadSessionDep,
    principal: Reader,
    sku: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> list[ItemOut]:
    """Published reviews, newest first (``sku``: of one product)."""
    return _published(session, principal, UgcKind.REVIEW, sku, limit, before)


def _published(
    session: Session,
    principal: Principal,
    kind: UgcKind,
    sku: str | None,
    limit: int,
    before: int | None,
) -> list[ItemOut]:
    found = ugc.list_items(
        session, kind=kind, status=UgcStatus.APPROVED, sku=sku, limit=limit, before=before
    )
    return _items(session, found, principal)


@router.get("/moderation")
def moderation_queue(
    session: ReadSessionDep,
    principal: Moderator,
    kind: UgcKind | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ItemOut]:
    """What waits for a moderator: what the pre-check flagged first, then the longest waiting."""
    return _items(session, ugc.moderation_queue(session, kind=kind, limit=limit), principal)


@router.post("/items/{item_id}/approve")
def approve(
    item_id: ItemId, session: SessionDep, runtime: RuntimeDep, principal: Moderator
) -> ItemOut:
    """Publish a recipe or review (409 when it was decided otherwise already)."""
    item = ugc.approve(session, item_id, by=principal.name, at=runtime.clock.now())
    return _item(session, item, principal)


@router.post("/items/{item_id}/reject")
def reject(
    item_id: ItemId, body: RejectIn, session: SessionDep, runtime: RuntimeDep, principal: Moderator
) -> ItemOut:
    """Refuse a recipe or review with the reason its author sees."""
    item = ugc.reject(
        session, item_id, by=principal.name, reason=body.reason, at=runtime.clock.now()
    )
    return _item(session, item, principal)


def _poll(view: ugc.PollView, now: datetime) -> PollOut:
    return PollOut(
        code=view.code,
        title=view.title,
        opens_at=view.opens_at,
        closes_at=view.closes_at,
        open=view.open_at(now),
        votes=view.votes,
        options=[
            OptionOut(key=o.key, label=o.label, votes=o.votes, share=o.share) for o in view.options
        ],
    )


@router.get("/polls")
def list_polls(session: ReadSessionDep, runtime: RuntimeDep, _: Reader) -> list[PollOut]:
    now = runtime.clock.now()
    return [_poll(p, now) for p in ugc.list_polls(session)]


@router.post("/polls", status_code=201)
def create_poll(
    body: PollIn, session: SessionDep, runtime: RuntimeDep, principal: Moderator
) -> PollOut:
    now = runtime.clock.now()
    spec = ugc.PollSpec(
        code=body.code,
        title=body.title,
        options=[(o.key, o.label) for o in body.options],
        opens_at=body.opens_at,
        closes_at=body.closes_at,
    )
    return _poll(ugc.create_poll(session, spec, at=now, by=principal.name), now)


@router.get("/polls/{code}")
def get_poll(code: PollCode, session: ReadSessionDep, runtime: RuntimeDep, _: Reader) -> PollOut:
    """A poll with its results."""
    return _poll(ugc.get_poll(session, code), runtime.clock.now())


@router.post("/polls/{code}/votes", status_code=201)
def vote(
    code: PollCode,
    body: VoteIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Submitter,
    response: Response,
) -> VotedOut:
    """A customer's one vote: 200 and nothing changed when the same vote repeats; 409 for a
    second choice or a poll that is not open."""
    now = runtime.clock.now()
    voted = ugc.vote(
        session,
        code,
        customer_id=_customer(session, body.customer, now, principal),
        option=body.option,
        at=now,
        source=_source(principal),
    )
    if not voted.created:
        response.status_code = 200
    return VotedOut(
        poll=voted.poll,
        option=voted.option,
        oneid=_oneids(session, [voted.customer_id]).get(voted.customer_id),
        voted_at=voted.voted_at,
        created=voted.created,
    )


def _honours(session: Session, found: list[ugc.HonourView]) -> list[HonourOut]:
    oneids = _oneids(session, [h.customer_id for h in found])
    return [
        HonourOut(
            honour=h.honour,
            name=h.name,
            month=h.month,
            oneid=oneids.get(h.customer_id),
            ugc_id=h.item_id,
            recipe_title=h.item_title,
            points=h.points,
            reason=h.reason,
            awarded_at=h.awarded_at,
            awarded_by=h.awarded_by,
            created=h.created,
        )
        for h in found
    ]


@router.get("/honours")
def list_honours(
    session: ReadSessionDep,
    _: Reader,
    month: Annotated[str | None, Query(pattern=r"^20\d\d-(0[1-9]|1[0-2])$")] = None,
) -> list[HonourOut]:
    return _honours(session, ugc.list_honours(session, month=month))


def _person(session: Session, oneid: str) -> int:
    found = profiles.find_by_oneid(session, oneid)
    if found is None:
        raise UnknownUgc(f"没有 OneID 为 {oneid} 的顾客 (no customer with that OneID)")
    return profiles.survivor_of(session, found)


@router.post("/honours", status_code=201)
def award_honour(
    body: HonourIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Moderator,
    response: Response,
) -> HonourOut:
    """Award 月度之星 or 最佳食谱 (with its ``ugc_id``) for a month, with points; once per
    person per honour per month (200 and the same award on a repeat, no second credit)."""
    honour = ugc.award_honour(
        session,
        body.honour,
        month=body.month,
        customer_id=_person(session, body.oneid),
        at=runtime.clock.now(),
        by=principal.name,
        tz=runtime.settings.tz,
        points=body.points,
        reason=body.reason,
        item_id=body.ugc_id,
    )
    if not honour.created:
        response.status_code = 200
    return _honours(session, [honour])[0]


@router.post("/honours/best-recipe", status_code=201)
def award_best_recipe(
    body: BestRecipeIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Moderator,
    response: Response,
) -> HonourOut:
    """最佳食谱 for a month, computed: the most-liked published recipe's author (404 when no
    recipe was liked that month; 200 when it was awarded before)."""
    honour = ugc.award_best_recipe(
        session,
        body.month,
        at=runtime.clock.now(),
        by=principal.name,
        tz=runtime.settings.tz,
        points=body.points,
    )
    if honour is None:
        raise UnknownUgc(f"{body.month} 没有获赞的已发布食谱 (no published recipe was liked)")
    if not honour.created:
        response.status_code = 200
    return _honours(session, [honour])[0]


def _kocs(session: Session, found: list[ugc.KocParts]) -> list[KocOut]:
    oneids = _oneids(session, [k.customer_id for k in found])
    return [
        KocOut(
            oneid=oneids.get(k.customer_id),
            score=k.score,
            influence=k.influence,
            expertise=k.expertise,
            activity=k.activity,
            recognised=k.recognised,
            recognised_at=k.recognised_at,
            scored_at=k.scored_at,
            counts=k.counts,
        )
        for k in found
    ]


@router.get("/koc-scores")
def top_kocs(
    session: ReadSessionDep,
    _: ScoreReader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    kocs_only: bool = False,
) -> list[KocOut]:
    """The highest KOC scores from the latest analytics run, best first."""
    return _kocs(session, ugc.top_kocs(session, limit, kocs_only=kocs_only))


@router.get("/koc-scores/{oneid}")
def koc_score(oneid: OneId, session: ReadSessionDep, _: PersonReader) -> KocOut:
    """A person's KOC score and its parts (404 before any analytics run scored them)."""
    found = ugc.koc_score(session, _person(session, oneid))
    if found is None:
        raise UnknownUgc("这位顾客还没有 KOC 评分 (not scored yet: run analytics)")
    return _kocs(session, [found])[0]
