"""Items of the library written and read, and the index kept in step with them.

A write changes the row and raises its ``revision`` in the caller's transaction; the index
doc is made then and written to the index only after that transaction commits (a rollback
leaves the index untouched). Should the index miss a commit — the process died between the
two, or another process wrote — ``catch_up`` finds it behind the table's highest revision and
re-indexes what it has not seen, before the next search and when a process starts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha1
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from liveloop.content import tokens
from liveloop.content.contracts import (
    ClipSource,
    ContentKind,
    ContentView,
    is_known_tag,
)
from liveloop.content.index import ContentIndex, IndexBusy, IndexDoc, for_store
from liveloop.content.models import ContentItem
from liveloop.errors import DomainError

log = logging.getLogger(__name__)

MAX_TITLE = 128
MAX_BODY = 20_000
MAX_TAGS = 16
MAX_CLIP_SECONDS = 4 * 3600
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PENDING = "liveloop.content.pending"
_LISTENING = "liveloop.content.listening"


class ContentError(DomainError):
    """A content item that cannot be written as given."""


class UnknownContent(ContentError):
    """No content item with that id."""

    status = 404


@dataclass(frozen=True, slots=True)
class NewContent:
    """An item to add. ``key`` names its business fact (made for you when omitted: a clip's
    show and span, else its kind and title); adding the same key again returns the item."""

    kind: ContentKind
    title: str
    body: str = ""
    tags: Sequence[str] = ()
    clip: ClipSource | None = None
    media_path: str | None = None
    key: str | None = None


@dataclass(frozen=True, slots=True)
class ContentChanges:
    """What an update changes; None leaves a field as it is."""

    title: str | None = None
    body: str | None = None
    tags: Sequence[str] | None = None
    media_path: str | None = None


# -- validation --------------------------------------------------------------------------------


def _text(value: str, field: str, *, limit: int, required: bool) -> str:
    value = value.strip()
    if required and not value:
        raise ContentError(f"{field} must not be empty")
    if len(value) > limit:
        raise ContentError(f"{field} is longer than {limit} characters")
    if _CONTROL.search(value):
        raise ContentError(f"{field} holds a control character")
    return value


def checked_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """The tags, each once in the order given, all from the vocabulary (see contracts)."""
    unique = tuple(dict.fromkeys(t.strip() for t in tags))
    unknown = [t for t in unique if not is_known_tag(t)]
    if unknown:
        raise ContentError(
            f"unknown tags {unknown[:5]}: use 产地探访, 营养科普, 烹饪演示, 用户证言, "
            "sku:<SKU> or aspect:<price|taste|health|logistics|freshness|packaging|usage|"
            "stock|origin>"
        )
    if len(unique) > MAX_TAGS:
        raise ContentError(f"at most {MAX_TAGS} tags")
    return unique


def _clip_key(clip: ClipSource) -> str:
    return f"clip:{clip.live_session_id}:{round(clip.start_s * 1000)}:{round(clip.end_s * 1000)}"


def _check_clip(kind: ContentKind, clip: ClipSource | None) -> None:
    if kind is ContentKind.CLIP and clip is None:
        raise ContentError("a clip names the show and span it was cut from")
    if kind is not ContentKind.CLIP and clip is not None:
        raise ContentError(f"a {kind.value} has no show span; only clips do")
    if clip is None:
        return
    if clip.live_session_id < 1:
        raise ContentError("live_session_id must be a show's id")
    if not 0 <= clip.start_s < clip.end_s:
        raise ContentError("a clip starts at or after 0 s and ends after it starts")
    if clip.end_s - clip.start_s > MAX_CLIP_SECONDS:
        raise ContentError("a clip is at most 4 hours long")


# -- rows and views ----------------------------------------------------------------------------


def view(row: Any) -> ContentView:
    """The view of a row (an ORM row or a core row of the same columns)."""
    clip = None
    if row.live_session_id is not None and row.start_ms is not None and row.end_ms is not None:
        clip = ClipSource(row.live_session_id, row.start_ms / 1000, row.end_ms / 1000)
    return ContentView(
        id=row.id,
        key=row.key,
        kind=ContentKind(row.kind),
        title=row.title,
        body=row.body,
        tags=tuple(row.tags),
        clip=clip,
        media_path=row.media_path,
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def index_doc(row: ContentItem) -> IndexDoc:
    return IndexDoc(
        id=row.id,
        kind=row.kind,
        tags=tuple(row.tags),
        title=tokens.indexed(row.title),
        body=tokens.indexed(row.body),
    )


def _next_revision(session: Session) -> int:
    return (session.scalar(select(func.max(ContentItem.revision))) or 0) + 1


def add(session: Session, item: NewContent, *, by: str, now: datetime) -> ContentView:
    kind = ContentKind(item.kind)
    title = _text(item.title, "title", limit=MAX_TITLE, required=True)
    body = _text(item.body, "body", limit=MAX_BODY, required=False)
    tags = checked_tags(item.tags)
    _check_clip(kind, item.clip)
    media = (
        _text(item.media_path, "media_path", limit=512, required=False) if item.media_path else None
    )
    if item.key is not None:
        key = _text(item.key, "key", limit=160, required=True)
    elif item.clip is not None:
        key = _clip_key(item.clip)
    else:
        digest = sha1(tokens.fold(title).encode(), usedforsecurity=False).hexdigest()[:20]
        key = f"{kind.value}:{digest}"
    existing = session.scalar(select(ContentItem).where(ContentItem.key == key))
    if existing is not None:
        return view(existing)
    clip = item.clip
    row = ContentItem(
        key=key,
        kind=kind.value,
        title=title,
        body=body,
        tags=list(tags),
        live_session_id=clip.live_session_id if clip else None,
        start_ms=round(clip.start_s * 1000) if clip else None,
        end_ms=round(clip.end_s * 1000) if clip else None,
        media_path=media,
        created_at=now,
        created_by=by,
        updated_at=now,
        updated_by=by,
        revision=_next_revision(session),
    )
    session.add(row)
    session.flush()
    _index_after_commit(session, row)
    return view(row)


def update(
    session: Session, item_id: int, changes: ContentChanges, *, by: str, now: datetime
) -> ContentView:
    row = session.get(ContentItem, item_id)
    if row is None:
        raise UnknownContent(f"no content item {item_id}")
    if changes.title is not None:
        row.title = _text(changes.title, "title", limit=MAX_TITLE, required=True)
    if changes.body is not None:
        row.body = _text(changes.body, "body", limit=MAX_BODY, required=False)
    if changes.tags is not None:
        row.tags = list(checked_tags(changes.tags))
    if changes.media_path is not None:
        row.media_path = _text(changes.media_path, "media_path", limit=512, required=False) or None
    row.updated_at, row.updated_by = now, by
    row.revision = _next_revision(session)
    session.flush()
    _index_after_commit(session, row)
    return view(row)


def get(session: Session, item_id: int) -> ContentView:
    row = session.get(ContentItem, item_id)
    if row is None:
        raise UnknownContent(f"no content item {item_id}")
    return view(row)


def listed(
    session: Session, *, kind: ContentKind | None, limit: int, before: int | None
) -> list[ContentView]:
    query = select(ContentItem).order_by(ContentItem.id.desc()).limit(limit)
    if kind is not None:
        query = query.where(ContentItem.kind == kind.value)
    if before is not None:
        query = query.where(ContentItem.id < before)
    return [view(row) for row in session.scalars(query)]


def by_ids(session: Session, ids: Sequence[int]) -> dict[int, ContentView]:
    """Views of the rows with these ids, read with core (a search's hits: no ORM identity
    map to fill on the hot path)."""
    if not ids:
        return {}
    table = ContentItem.__table__
    rows = session.connection().execute(select(table).where(table.c.id.in_(ids)))
    return {row.id: view(row) for row in rows}


def table_revision(session: Session) -> int:
    """The highest revision the table holds (an index lookup)."""
    found = session.connection().execute(select(func.max(ContentItem.revision))).scalar()
    return int(found or 0)


# -- the index in step with the table ------------------------------------------------------------


def index_of(session: Session) -> ContentIndex:
    bind = session.get_bind()
    return for_store(str(bind.engine.url))


def _index_after_commit(session: Session, row: ContentItem) -> None:
    pending: dict[int, tuple[int, IndexDoc]] = session.info.setdefault(_PENDING, {})
    pending[row.id] = (row.revision, index_doc(row))
    if not session.info.get(_LISTENING):
        event.listen(session, "after_commit", _write_pending)
        event.listen(session, "after_rollback", _drop_pending)
        session.info[_LISTENING] = True


def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _write_pending(session: Session) -> None:
    pending: dict[int, tuple[int, IndexDoc]] = session.info.pop(_PENDING, {})
    if not pending:
        return
    index = index_of(session)
    revisions = sorted(revision for revision, _ in pending.values())
    # Caught up only if nothing was committed between what the index holds and these writes
    # (otherwise ``catch_up`` fills the gap before the next search).
    contiguous = revisions == list(range(index.revision + 1, index.revision + 1 + len(revisions)))
    docs = [doc for _, doc in sorted(pending.values(), key=lambda p: p[0])]
    try:
        index.write(docs, revision=revisions[-1] if contiguous else None)
    except IndexBusy:
        log.info("content index busy; it catches up before its next search")
    except Exception:
        log.exception("content index not updated after commit; it catches up on next search")


def catch_up(session: Session, index: ContentIndex | None = None) -> int:
    """Bring the index up to the table (see the module docstring); returns docs written."""
    index = index or index_of(session)
    table = table_revision(session)
    if table == index.revision:
        return 0
    try:
        if table < index.revision:  # the store was reset or restored: start over
            return index.write(_docs(session, after=0), revision=table, everything=True)
        return index.write(_docs(session, after=index.revision), revision=table)
    except IndexBusy:
        index.catch_up_from_disk()
        return 0


def rebuild(session: Session) -> int:
    """The whole index anew from the table; returns how many items it holds."""
    index = index_of(session)
    table = table_revision(session)
    return index.write(_docs(session, after=0), revision=table, everything=True, threads=2)


def _docs(session: Session, *, after: int) -> Iterator[IndexDoc]:
    query = (
        select(ContentItem)
        .where(ContentItem.revision > after)
        .order_by(ContentItem.revision)
        .execution_options(yield_per=2_000)
    )
    for row in session.scalars(query):
        yield index_doc(row)


def hits_of(session: Session, scored: Sequence[tuple[int, float]]) -> list[Any]:
    """Scored ids → (view, score), in the index's order, leaving out ids the table lacks."""
    views = by_ids(session, [i for i, _ in scored])
    return [(views[i], score) for i, score in scored if i in views]
