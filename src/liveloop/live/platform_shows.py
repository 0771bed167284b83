"""Shows held on a platform a connector pulls (a WeCom living id for one of our shows), and
the pull itself: once the platform says the show ended, its viewers' events are mapped onto
our live spec (``live.mapping``, as the webhook's are) and appended to the event log, where
the ``profiles`` consumer resolves each person with OneID and counts their watch time.

Invariants:
- the platform is asked outside any transaction; what it said is written in one;
- every pulled event's message id derives from the platform's show and viewer, so a second
  pull of the same show (a retry, a re-run) appends nothing new;
- a viewer named by a WeCom ``external_userid`` that a CRM customer holds (an identity of type
  ``external_userid`` or the trait ``wecom_external_userid``) is that customer on the row;
- a refusal for good (a wrong secret) stops the pulls of that show with its reason kept, in
  Chinese; a rate limit or an outage tries again later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from liveloop.clock import Clock
from liveloop.errors import DomainError
from liveloop.identity import service as identity
from liveloop.ingest import service as ingest
from liveloop.live import mapping, webhook
from liveloop.live.action_tables import LivePlatformShow, PullState
from liveloop.live.connectors.base import (
    ConnectorError,
    Platform,
    PulledShow,
    Refused,
    Registry,
    ShowRef,
)
from liveloop.live.models import LiveSession
from liveloop.profiles import service as profiles
from liveloop.store.consumers import backoff
from liveloop.store.engine import transaction
from liveloop.store.eventlog import append_rows
from liveloop.store.outbox import RetryAfter

log = logging.getLogger(__name__)

NOT_ENDED_AGAIN = timedelta(minutes=5)  # ask again this much later while the show is on
MAX_ATTEMPTS = 20
NO_CONNECTOR_AGAIN = timedelta(hours=1)
NO_CONNECTOR = "此平台没有接入连接器：请配置企业微信直播的企业 ID 和 Secret"


class PlatformShowError(DomainError):
    """A show cannot be linked to a platform's show as asked."""


@dataclass(frozen=True, slots=True)
class PlatformShowView:
    live_session_id: int
    platform: str
    platform_show_id: str
    state: str  # a PullState
    attempts: int
    last_error: str | None
    pulled_at: datetime | None
    viewers: int
    info: dict[str, Any]

    @classmethod
    def of(cls, row: LivePlatformShow) -> PlatformShowView:
        return cls(
            row.live_session_id,
            row.platform,
            row.platform_show_id,
            row.state,
            row.attempts,
            row.last_error,
            row.pulled_at,
            row.viewers,
            dict(row.info or {}),
        )


def link_platform_show(
    session: Session,
    *,
    live_session_id: int,
    platform: Platform | str,
    platform_show_id: str,
    now: datetime,
) -> PlatformShowView:
    """Say which platform show one of ours is (linking the same pair again changes nothing);
    the pull task pulls it once the platform says it ended."""
    try:
        platform = Platform(str(platform))
    except ValueError:
        raise PlatformShowError(f"unknown platform {platform!r}") from None
    if not 1 <= len(platform_show_id) <= 128:
        raise PlatformShowError("platform_show_id must be 1-128 characters")
    if session.get(LiveSession, live_session_id) is None:
        raise PlatformShowError(f"no live session {live_session_id}")
    row = session.scalars(
        select(LivePlatformShow).where(LivePlatformShow.live_session_id == live_session_id)
    ).one_or_none()
    if row is not None:
        if (row.platform, row.platform_show_id) != (platform.value, platform_show_id):
            raise PlatformShowError(
                f"live session {live_session_id} is already {row.platform} {row.platform_show_id}"
            )
        return PlatformShowView.of(row)
    row = LivePlatformShow(
        live_session_id=live_session_id,
        platform=platform.value,
        platform_show_id=platform_show_id,
        state=PullState.WAITING,
        next_pull_at=now,
        attempts=0,
        viewers=0,
        info={},
    )
    session.add(row)
    session.flush()
    return PlatformShowView.of(row)


def platform_show_of(session: Session, live_session_id: int) -> PlatformShowView | None:
    row = session.scalars(
        select(LivePlatformShow).where(LivePlatformShow.live_session_id == live_session_id)
    ).one_or_none()
    return PlatformShowView.of(row) if row is not None else None


def repull(session: Session, live_session_id: int, now: datetime) -> None:
    """Pull a show again (after fixing a secret, say); what was written stays written once."""
    row = session.scalars(
        select(LivePlatformShow).where(LivePlatformShow.live_session_id == live_session_id)
    ).one_or_none()
    if row is None:
        raise PlatformShowError(f"live session {live_session_id} is on no platform")
    row.state, row.next_pull_at, row.attempts, row.last_error = PullState.WAITING, now, 0, None


def pull_due(factory: sessionmaker[Session], clock: Clock, registry: Registry) -> int:
    """Pull every linked show that is due; returns how many pulls wrote their show."""
    with transaction(factory) as session:
        due = [
            (row.id, row.platform, ShowRef(row.live_session_id, room, row.platform_show_id))
            for row, room in session.execute(
                select(LivePlatformShow, LiveSession.room)
                .join(LiveSession, LiveSession.id == LivePlatformShow.live_session_id)
                .where(
                    LivePlatformShow.state == PullState.WAITING,
                    LivePlatformShow.next_pull_at <= clock.now(),
                )
                .order_by(LivePlatformShow.next_pull_at)
                .limit(20)
            )
        ]
    done = 0
    for link_id, platform, show in due:
        connector = registry.get(platform)
        if connector is None:
            with transaction(factory) as session:
                _unconnected(session, link_id, clock.now())
            continue
        try:
            pulled = connector.pull(show)
        except ConnectorError as exc:
            with transaction(factory) as session:
                _failed(session, link_id, exc, clock.now())
            continue
        with transaction(factory) as session:
            done += write_pull(session, link_id, show, pulled, clock.now())
    return done


def write_pull(
    session: Session, link_id: int, show: ShowRef, pulled: PulledShow, now: datetime
) -> int:
    """Append a pull's events and settle the link; 1 when the show was written, 0 when the
    platform's show has not ended yet."""
    row = session.get(LivePlatformShow, link_id)
    if row is None:
        return 0
    row.info = _jsonable(pulled.info)
    if not pulled.ended:
        row.next_pull_at = now + NOT_ENDED_AGAIN
        return 0
    source = _source(session, row.platform, now)
    viewers = set()
    for start in range(0, len(pulled.events), webhook.MAX_EVENTS):
        chunk = pulled.events[start : start + webhook.MAX_EVENTS]
        delivery = webhook.parse_delivery(
            {
                "events": [
                    {
                        "id": event.id,
                        "type": event.type,
                        "occurred_at": event.occurred_at.isoformat(),
                        "live_session_id": show.live_session_id,
                        "platform": row.platform,
                        "viewer": {
                            "anonymous_id": event.viewer.anonymous_id,
                            "external_ids": [
                                {"type": kind, "id": value, "collection": "wecom"}
                                for kind, value in event.viewer.external_ids
                            ],
                            "nickname": event.viewer.nickname,
                        },
                        "data": event.data,
                    }
                    for event in chunk
                ]
            }
        )
        rows = mapping.event_rows(delivery, show.room, source, now)
        for event, out in zip(chunk, rows, strict=True):
            viewers.add(event.viewer.anonymous_id)
            out["customer_id"] = _crm_customer(session, event.viewer.external_ids)
        append_rows(session, rows)
    row.state, row.pulled_at, row.viewers, row.last_error = (
        PullState.PULLED,
        now,
        len(viewers),
        None,
    )
    return 1


def _crm_customer(session: Session, external_ids: tuple[tuple[str, str], ...]) -> int | None:
    for kind, value in external_ids:
        if kind != "external_userid":
            continue
        found = identity.holder_of(session, "external_userid", value)
        if found is None:
            found = profiles.with_trait(session, "wecom_external_userid", value)
        if found is not None:
            return profiles.survivor_of(session, found)
    return None


def _unconnected(session: Session, link_id: int, now: datetime) -> None:
    """No connector for the platform in this process (its secret is not set): look again in
    an hour rather than every minute."""
    row = session.get(LivePlatformShow, link_id)
    if row is not None:
        row.next_pull_at = now + NO_CONNECTOR_AGAIN
        row.last_error = NO_CONNECTOR


def _failed(session: Session, link_id: int, exc: ConnectorError, now: datetime) -> None:
    row = session.get(LivePlatformShow, link_id)
    if row is None:
        return
    row.attempts += 1
    row.last_error = (exc.reason if isinstance(exc, Refused) else str(exc))[:2000]
    if isinstance(exc, Refused) or row.attempts >= MAX_ATTEMPTS:
        row.state = PullState.FAILED
        log.warning("live pull of show %s failed for good: %s", row.live_session_id, row.last_error)
        return
    delay = exc.delay if isinstance(exc, RetryAfter) else backoff(row.attempts)
    row.next_pull_at = now + delay


def _source(session: Session, platform: str, now: datetime) -> ingest.SourceInfo:
    """The ingest source a platform's pulled events are written under (made on first use)."""
    name = f"connector-{platform}"
    for source in ingest.list_sources(session):
        if source.name == name:
            return source
    return ingest.create_source(session, name, now, kind=ingest.SourceKind.SERVER).source


def _jsonable(info: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in info.items() if isinstance(v, str | int | float | bool | type(None))}
