"""A show's highlight candidates into the library: when live states ``Live Report Ready``, each
clip candidate of its report (a comment-rate or GMV peak, the best 讲解) becomes a clip item,
titled by why it was picked, its body the comments said in it, tagged by topic (产地探访 /
营养科普 / 烹饪演示 / 用户证言, from those comments) and by the products it names. The media is
cut later, when a recording is given (``cut_clip``); until then the item is the span to cut.

Invariant: a clip is unique per show and span (its key), so a remade report adds only the
spans it did not pick before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from liveloop.content.clips import suggest_topics
from liveloop.content.contracts import ClipSource, ContentKind
from liveloop.content.library import NewContent, add
from liveloop.live import events as live_events
from liveloop.store.consumers import Consumers
from liveloop.store.eventlog import LoggedEvent

HIGHLIGHTS_CONSUMER = "content-highlights"
BODY_LIMIT = 2_000


def subscribe(consumers: Consumers) -> None:
    if HIGHLIGHTS_CONSUMER not in consumers:
        consumers.subscribe(
            HIGHLIGHTS_CONSUMER, add_highlights, names={live_events.LIVE_REPORT_READY}
        )


def add_highlights(session: Session, event: LoggedEvent) -> None:
    props = event.properties
    show = int(props["live_session_id"])
    for clip in props.get("clips") or ():
        add(
            session,
            _clip_item(show, str(props.get("title") or "直播"), clip),
            by="system",
            now=event.timestamp,
        )


def _clip_item(show: int, title: str, clip: Mapping[str, Any]) -> NewContent:
    said = [str(text) for text in clip.get("comments") or ()]
    return NewContent(
        kind=ContentKind.CLIP,
        title=f"{title} · {clip.get('why') or '高光片段'}"[:120],
        body="\n".join(said)[:BODY_LIMIT],
        tags=[topic.value for topic in suggest_topics(said)],
        clip=ClipSource(show, float(clip["from_s"]), float(clip["to_s"])),
    )
