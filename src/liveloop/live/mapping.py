"""A live-platform delivery as rows of the event log, named and shaped by our live spec
(docs/events.md): each platform event type becomes one of our events, its data its properties."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from liveloop import spec
from liveloop.identity import service as identity
from liveloop.ingest.service import InvalidEvent, SourceInfo
from liveloop.live.webhook import Delivery, OrderData, PlatformEvent
from liveloop.store.base import to_money

# Platform event type → our event name (the live spec; docs/ingest.md maps each field).
EVENT_NAMES = {
    "viewer_joined": spec.LIVE_JOINED,
    "viewer_left": spec.LIVE_LEFT,
    "comment": spec.LIVE_COMMENT_POSTED,
    "like": spec.LIVE_LIKED,
    "share": spec.LIVE_SHARED,
    "product_click": spec.LIVE_PRODUCT_CLICKED,
    "add_to_cart": spec.PRODUCT_ADDED,
    "order": spec.ORDER_COMPLETED,
}


def event_rows(
    delivery: Delivery, room: str, source: SourceInfo, received_at: datetime
) -> list[dict[str, Any]]:
    """The event-log rows of a delivery to ``room`` from ``source`` (``InvalidEvent`` for a
    viewer named by neither id)."""
    rows = []
    for index, event in enumerate(delivery.events):
        viewer = event.viewer
        if identity.is_placeholder(viewer.user_id) and identity.is_placeholder(viewer.anonymous_id):
            # As on the tracking API: "null", "0", "anonymous" … name nobody.
            given = viewer.user_id or viewer.anonymous_id
            raise InvalidEvent(
                f"events[{index}].viewer: needs user_id or anonymous_id"
                + (f"; {given!r} is a placeholder, not an identifier" if given else "")
            )
        context: dict[str, Any] = {"channel": event.platform or source.name}
        if viewer.external_ids:
            context["externalIds"] = [x.model_dump(exclude_none=True) for x in viewer.external_ids]
        if viewer.nickname:
            context["traits"] = {"nickname": viewer.nickname}
        rows.append(
            {
                # Idempotent on the platform's event id, per source.
                "message_id": f"live:{source.id}:{event.id}",
                "type": "track",
                "name": EVENT_NAMES[event.type],
                "customer_id": None,
                "anonymous_id": viewer.anonymous_id,
                "user_id": viewer.user_id,
                "properties": _properties(event, room),
                "context": context,
                "timestamp": _utc(event.occurred_at, received_at, index),
                "received_at": received_at,
                "source": source.name,
            }
        )
    return rows


def _utc(occurred_at: datetime | None, received_at: datetime, index: int) -> datetime:
    if occurred_at is None:
        return received_at
    try:
        return occurred_at.astimezone(UTC)
    except OverflowError:
        raise InvalidEvent(f"events[{index}].occurred_at is out of range") from None


def _properties(event: PlatformEvent, room: str) -> dict[str, Any]:
    props: dict[str, Any] = {"room": room}
    if event.live_session_id is not None:
        props["live_session_id"] = event.live_session_id
    if event.role is not None:
        props["role"] = event.role
    data = getattr(event, "data", None)
    if isinstance(data, OrderData):
        props |= {
            "order_id": data.order_id,
            "total": str(to_money(data.total)),
            "currency": data.currency,
            "channel": "live",
            "products": [
                {"sku": p.sku, "quantity": p.quantity, "price": str(to_money(p.price))}
                for p in data.products
            ],
        }
        if data.discount is not None:
            props["discount"] = str(to_money(data.discount))
    elif data is not None:
        for key, value in data.model_dump(exclude_none=True).items():
            props[key] = str(to_money(value)) if isinstance(value, Decimal) else value
    return props
