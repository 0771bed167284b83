"""The content library over HTTP (``/v1/content``): operators add and change items; operators,
hosts and analysts list, read and search them. Every input is checked here or by the service
and refused with a 4xx and its reason."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.content import service
from liveloop.content.contracts import ClipSource, ContentHit, ContentKind, ContentView
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(prefix="/v1/content", tags=["content"])
Reader = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.HOST, Role.ANALYST))]
Editor = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Title = Annotated[str, Field(min_length=1, max_length=128, pattern=NO_CONTROL_CHARS)]
Body = Annotated[str, Field(max_length=20_000)]
Tag = Annotated[str, Field(min_length=1, max_length=48, pattern=NO_CONTROL_CHARS)]
MediaPath = Annotated[str, Field(max_length=512, pattern=NO_CONTROL_CHARS)]


class ClipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    live_session_id: int = Field(ge=1, le=2**31 - 1)
    start_s: float = Field(ge=0, le=86_400)
    end_s: float = Field(gt=0, le=86_400)

    @model_validator(mode="after")
    def _ordered(self) -> ClipIn:
        if self.end_s <= self.start_s:
            raise ValueError("end_s must be after start_s")
        return self


class ContentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ContentKind
    title: Title
    body: Body = ""
    tags: list[Tag] = Field(default_factory=list, max_length=16)
    clip: ClipIn | None = None
    media_path: MediaPath | None = None
    key: str | None = Field(default=None, min_length=1, max_length=160, pattern=NO_CONTROL_CHARS)


class ContentPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title | None = None
    body: Body | None = None
    tags: list[Tag] | None = Field(default=None, max_length=16)
    media_path: MediaPath | None = None


class ClipOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    live_session_id: int
    start_s: float
    end_s: float


class ContentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    key: str
    kind: ContentKind
    title: str
    body: str
    tags: list[str]
    clip: ClipOut | None
    media_path: str | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


class HitOut(BaseModel):
    item: ContentOut
    score: float


def _out(item: ContentView) -> ContentOut:
    return ContentOut.model_validate(item)


def _hit(hit: ContentHit) -> HitOut:
    return HitOut(item=_out(hit.item), score=round(hit.score, 4))


@router.get("")
def list_content(
    session: ReadSessionDep,
    _: Reader,
    kind: ContentKind | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> list[ContentOut]:
    """Newest first; ``before`` pages on by id."""
    return [_out(i) for i in service.list_content(session, kind=kind, limit=limit, before=before)]


@router.get("/search")
def search_content(
    session: ReadSessionDep,
    _: Reader,
    q: Annotated[str, Query(max_length=200, pattern=NO_CONTROL_CHARS)] = "",
    tag: Annotated[list[Tag] | None, Query(max_length=16, description="each must match")] = None,
    kind: ContentKind | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[HitOut]:
    """Chinese text (cut by jieba) and tags, best first; no ``q``: the tags alone, newest
    first. Query text is only ever searched for, never parsed (``AND (`` is two words)."""
    hits = service.search(session, q, tags=tag or (), kind=kind, limit=limit)
    return [_hit(h) for h in hits]


@router.get("/{item_id}")
def get_content(item_id: ItemId, session: ReadSessionDep, _: Reader) -> ContentOut:
    return _out(service.get_content(session, item_id))


@router.post("")
def add_content(
    body: ContentIn, session: SessionDep, runtime: RuntimeDep, principal: Editor
) -> ContentOut:
    """Add an item; the same clip span (or ``key``) again returns the item already there."""
    clip = ClipSource(**body.clip.model_dump()) if body.clip else None
    item = service.NewContent(
        kind=body.kind,
        title=body.title,
        body=body.body,
        tags=body.tags,
        clip=clip,
        media_path=body.media_path,
        key=body.key,
    )
    return _out(service.add_content(session, item, by=principal.name, now=runtime.clock.now()))


@router.patch("/{item_id}")
def update_content(
    item_id: ItemId,
    body: ContentPatch,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Editor,
) -> ContentOut:
    changes = service.ContentChanges(**body.model_dump())
    now = runtime.clock.now()
    return _out(service.update_content(session, item_id, changes, by=principal.name, now=now))
