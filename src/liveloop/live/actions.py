"""The host console's one-click actions: each is a row of the append-only action log (the
show's timeline markers and its audit trail), a ``Live Action Taken`` event, and a delivery to
the room through its connector (the ``live-action`` outbox message) — all in one transaction.

Invariants:
- one action per idempotency ``key``: a replayed click returns the first action and writes
  nothing new (the unique key holds it under concurrency too);
- an action is taken only in a show that is on air, with a target its kind needs (a coupon
  template that exists, a product, a question cluster, a comment …);
- an action's facts never change and no code path deletes one; the database refuses both too
  (triggers of migration 0014), except the retention purge's deletes of what is older than
  ``LIVELOOP_LIVE_RETENTION_DAYS`` (``live.retention``). Only the delivery columns move.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.errors import DomainError
from liveloop.live import events
from liveloop.live.action_tables import DeliveryStatus, LiveAction
from liveloop.live.connectors.base import ActionDelivery, DeliveryResult
from liveloop.live.contracts import ActionKind
from liveloop.live.errors import UnknownShow
from liveloop.live.models import LiveSession, LiveStatus
from liveloop.store.outbox import enqueue

ACTION_KIND = "live-action"  # the outbox kind that takes an action to its room
MAX_DETAIL_BYTES = 4096
MAX_FEED = 200

# What each kind's target names; None: the kind takes no target.
TARGETS: dict[ActionKind, str | None] = {
    ActionKind.PUSH_COUPON: "coupon template code",
    ActionKind.PUSH_LUCKY_BAG: "lucky bag (福袋) id",
    ActionKind.START_EXPLAINING: "sku",
    ActionKind.STOP_EXPLAINING: "sku",
    ActionKind.SHELF_ON: "sku",
    ActionKind.SHELF_OFF: "sku",
    ActionKind.PIN_COMMENT: "comment id",
    ActionKind.ANSWER_QUESTION: "question cluster id",
}
_SKU_KINDS = frozenset(
    {
        ActionKind.START_EXPLAINING,
        ActionKind.STOP_EXPLAINING,
        ActionKind.SHELF_ON,
        ActionKind.SHELF_OFF,
    }
)


class ActionRefused(DomainError):
    """The action cannot be taken as asked (an unknown kind, a missing or unknown target …)."""


class ShowNotLive(DomainError):
    """Actions reach a room only while its show is on air."""

    status = 409


class KeyReused(DomainError):
    """The idempotency key already names an action of another show."""

    status = 409


@dataclass(frozen=True, slots=True)
class ActionView:
    id: int
    room: str
    live_session_id: int
    kind: ActionKind
    target: str | None
    detail: dict[str, Any]
    by: str
    at: datetime
    key: str
    delivery_status: str  # a DeliveryStatus
    delivered_at: datetime | None
    delivery_note: str | None

    @classmethod
    def of(cls, row: LiveAction) -> ActionView:
        return cls(
            row.id,
            row.room,
            row.live_session_id,
            ActionKind(row.kind),
            row.target,
            dict(row.detail or {}),
            row.taken_by,
            row.at,
            row.key,
            row.delivery_status,
            row.delivered_at,
            row.delivery_note,
        )


def parse_kind(value: str) -> ActionKind:
    try:
        return ActionKind(value)
    except ValueError:
        known = ", ".join(k.value for k in ActionKind)
        raise ActionRefused(f"未知的操作 {value!r} (action kind is one of: {known})") from None


def take_action(
    session: Session,
    *,
    room: str,
    live_session_id: int,
    kind: ActionKind | str,
    target: str | None,
    detail: Mapping[str, Any],
    by: str,
    key: str,
    now: datetime,
) -> ActionView:
    """Record the action, emit ``Live Action Taken`` and queue its delivery, in the caller's
    transaction; the same ``key`` again returns the first action (see the module docstring)."""
    first = _by_key(session, key)
    if first is not None:
        return _replayed(first, live_session_id)
    kind = parse_kind(str(kind))
    show = session.get(LiveSession, live_session_id)
    if show is None:
        raise UnknownShow(f"没有这场直播 {live_session_id} (no show {live_session_id})")
    if show.room != room:
        raise ActionRefused(
            f"live session {live_session_id} is in room {show.room!r}, not {room!r}"
        )
    if show.status != LiveStatus.LIVE:
        raise ShowNotLive(
            f"直播未在进行中，不能操作 (show {live_session_id} is {show.status}, not on air)"
        )
    target = _checked_target(session, kind, target)
    detail = _checked_detail(detail)
    if not key or len(key) > 128:
        raise ActionRefused("操作编号须为 1-128 个字符 (key must be 1-128 characters)")
    if not by or len(by) > 64:
        raise ActionRefused("操作人须为 1-64 个字符 (by must be 1-64 characters)")
    row = LiveAction(
        room=room,
        live_session_id=live_session_id,
        kind=kind.value,
        target=target,
        detail=detail,
        taken_by=by,
        at=now,
        key=key,
        delivery_status=DeliveryStatus.PENDING,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        # Another request with the same key committed between our look and our insert.
        raced = _by_key(session, key)
        if raced is None:
            raise
        return _replayed(raced, live_session_id)
    events.action_taken(
        session,
        at=now,
        action_id=row.id,
        room=room,
        live_session_id=live_session_id,
        action=kind.value,
        target=target,
        by=by,
        detail=detail,
    )
    enqueue(session, ACTION_KIND, f"live-action:{row.id}", {"action_id": row.id}, now)
    return ActionView.of(row)


def actions_of(session: Session, live_session_id: int) -> list[ActionView]:
    """A show's actions in the order they were taken (its timeline markers and audit log)."""
    rows = session.scalars(
        select(LiveAction)
        .where(LiveAction.live_session_id == live_session_id)
        .order_by(LiveAction.id)
    )
    return [ActionView.of(row) for row in rows]


def room_feed(
    session: Session, room: str, *, after: int, limit: int = MAX_FEED
) -> list[ActionView]:
    """The actions delivered to ``room``'s own H5 page after id ``after``, oldest first."""
    rows = session.scalars(
        select(LiveAction)
        .where(
            LiveAction.room == room,
            LiveAction.id > after,
            LiveAction.delivery_status == DeliveryStatus.DELIVERED,
        )
        .order_by(LiveAction.id)
        .limit(limit)
    )
    return [ActionView.of(row) for row in rows]


def delivery_of(session: Session, action_id: int) -> tuple[ActionDelivery, str, str] | None:
    """What the outbox sender hands the room's connector: (the action, the show's platform,
    the delivery status so far); None for an action that is not there (purged)."""
    row = session.get(LiveAction, action_id)
    if row is None:
        return None
    platform = session.scalar(
        select(LiveSession.platform).where(LiveSession.id == row.live_session_id)
    )
    delivery = ActionDelivery(
        row.id, row.room, row.live_session_id, row.kind, row.target, dict(row.detail or {}), row.key
    )
    return delivery, platform or "", row.delivery_status


def record_delivery(
    session: Session, action_id: int, result: DeliveryResult | str, now: datetime
) -> None:
    """The connector's answer: delivered, manual (the platform has no way in; the note says
    what the host does) or, given a reason string, failed for good."""
    row = session.get(LiveAction, action_id)
    if row is None or row.delivery_status != DeliveryStatus.PENDING:
        return
    if isinstance(result, str):
        row.delivery_status, row.delivery_note = DeliveryStatus.FAILED, result[:2000]
    elif result.delivered:
        row.delivery_status, row.delivered_at = DeliveryStatus.DELIVERED, now
        row.delivery_note = result.note
    else:
        row.delivery_status, row.delivery_note = DeliveryStatus.MANUAL, result.note


def _by_key(session: Session, key: str) -> LiveAction | None:
    return session.scalars(select(LiveAction).where(LiveAction.key == key)).one_or_none()


def _replayed(first: LiveAction, live_session_id: int) -> ActionView:
    if first.live_session_id != live_session_id:
        raise KeyReused(f"操作编号已被另一场直播使用 (key {first.key!r} is another show's)")
    return ActionView.of(first)


def _checked_target(session: Session, kind: ActionKind, target: str | None) -> str | None:
    target = (target or "").strip() or None
    needed = TARGETS[kind]
    if needed is None:
        return None
    if target is None:
        raise ActionRefused(f"这个操作需要指明对象 ({kind.value} needs a target: the {needed})")
    if len(target) > 128:
        raise ActionRefused("操作对象最多 128 个字符 (target must be at most 128 characters)")
    if kind is ActionKind.PUSH_COUPON and not commerce.has_coupon_template(session, target):
        raise ActionRefused(f"没有这个优惠券模板 {target!r} (no coupon template)")
    if kind in _SKU_KINDS and commerce.product(session, target) is None:
        raise ActionRefused(f"没有这个商品 {target!r} (no product with that sku)")
    return target


def _checked_detail(detail: Mapping[str, Any]) -> dict[str, Any]:
    try:
        encoded = orjson.dumps(dict(detail))
    except (TypeError, orjson.JSONEncodeError):
        raise ActionRefused("附加信息须为 JSON 对象 (detail must be a JSON object)") from None
    if len(encoded) > MAX_DETAIL_BYTES:
        raise ActionRefused(f"附加信息太大 (detail is larger than {MAX_DETAIL_BYTES} bytes)")
    return dict(orjson.loads(encoded))


def room_of_show(session: Session, live_session_id: int) -> str:
    """The room a show is in (``UnknownShow`` when there is no such show)."""
    room = session.scalar(select(LiveSession.room).where(LiveSession.id == live_session_id))
    if room is None:
        raise UnknownShow(f"没有这场直播 {live_session_id} (no show {live_session_id})")
    return room
