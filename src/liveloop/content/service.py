"""Content facade: the library of clips, recipes and 话术 — add, change, read, search in
Chinese and by tag, and the items that answer a person's question (``matching``, what the
journey action "send the content matching what they asked" calls); clips cut from a show's
recording and the topics suggested for them.

Every function takes the caller's session. Writes reach the search index after the session
commits; searches first bring the index up to the table if it is behind (decision 0025).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from liveloop.content import library, tokens
from liveloop.content.clips import ClipError as ClipError
from liveloop.content.clips import ClipFile as ClipFile
from liveloop.content.clips import cut_clip as cut_clip
from liveloop.content.clips import suggest_topics as suggest_topics
from liveloop.content.contracts import (
    TOPIC_OF_ASPECT,
    ContentHit,
    ContentKind,
    ContentView,
    aspect_tag,
    sku_tag,
)
from liveloop.content.library import ContentChanges as ContentChanges
from liveloop.content.library import ContentError as ContentError
from liveloop.content.library import NewContent as NewContent
from liveloop.content.library import UnknownContent as UnknownContent
from liveloop.errors import DomainError
from liveloop.live.contracts import Aspect

MAX_LIMIT = 100
# How much each tag an item carries counts in ``matching``.
SAME_ASPECT, SAME_TOPIC = 2.0, 1.0


class QueryTooLong(DomainError):
    """A search query longer than a search box holds."""

    status = 422


def add_content(session: Session, item: NewContent, *, by: str, now: datetime) -> ContentView:
    """Add an item (idempotent on its key: the same clip span or key again returns the item
    as it is). Raises ``ContentError`` for an empty title, an unknown tag, a bad span."""
    return library.add(session, item, by=by, now=now)


def update_content(
    session: Session, item_id: int, changes: ContentChanges, *, by: str, now: datetime
) -> ContentView:
    return library.update(session, item_id, changes, by=by, now=now)


def get_content(session: Session, item_id: int) -> ContentView:
    return library.get(session, item_id)


def list_content(
    session: Session,
    *,
    kind: ContentKind | None = None,
    limit: int = 50,
    before: int | None = None,
) -> list[ContentView]:
    """Newest first; ``before`` pages on by id."""
    return library.listed(session, kind=kind, limit=min(max(limit, 1), 500), before=before)


def search(
    session: Session,
    query: str,
    *,
    tags: Sequence[str] = (),
    kind: ContentKind | None = None,
    limit: int = 20,
) -> list[ContentHit]:
    """Items whose title or body shares words with ``query`` (cut by jieba; title words count
    more), carrying every tag in ``tags`` and of ``kind``, best first. An empty query
    filters only (newest first); a query with no searchable word finds nothing."""
    if len(query) > tokens.MAX_QUERY_CHARS:
        raise QueryTooLong(f"a search query holds at most {tokens.MAX_QUERY_CHARS} characters")
    wanted = library.checked_tags(tags)
    limit = min(max(limit, 1), MAX_LIMIT)
    own, related = tokens.query_terms(query)
    if query.strip() and not own:
        return []
    index = library.index_of(session)
    library.catch_up(session, index)
    scored = index.search(own, related, tags=wanted, kind=kind.value if kind else None, limit=limit)
    return [ContentHit(view, score) for view, score in library.hits_of(session, scored)]


def matching(
    session: Session, aspect: Aspect | None, sku: str | None, limit: int = 3
) -> list[ContentHit]:
    """The items that answer a question about ``aspect`` of ``sku``: with a sku, items tagged
    with it, those also about the aspect (its ``aspect:`` tag, then its topic, e.g. health →
    营养科普) first; without one, items about the aspect. Nothing when neither is given."""
    aspect = None if aspect is None or Aspect(aspect) is Aspect.NONE else Aspect(aspect)
    required = [sku_tag(sku)] if sku else []
    preferred: list[tuple[str, float]] = []
    if aspect is not None:
        preferred.append((aspect_tag(aspect), SAME_ASPECT))
        topic = TOPIC_OF_ASPECT.get(aspect)
        if topic is not None:
            preferred.append((topic.value, SAME_TOPIC))
    library.checked_tags([*required, *(t for t, _ in preferred)])
    index = library.index_of(session)
    library.catch_up(session, index)
    scored = index.matching(
        required=required, preferred=preferred, limit=min(max(limit, 1), MAX_LIMIT)
    )
    return [ContentHit(view, score) for view, score in library.hits_of(session, scored)]


def reindex(session: Session) -> int:
    """Rebuild the search index from the table (the truth); returns the items indexed."""
    return library.rebuild(session)


def catch_up(session: Session) -> int:
    """Index what the table holds and the index has not seen yet (a process's start)."""
    return library.catch_up(session)
