"""A show written as a script of stream events (ids in order, times as seconds after T0), for
the stream processor's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from liveloop import spec
from liveloop.live import events as live_events
from liveloop.live.contracts import ActionKind
from liveloop.live.stream.processor import StreamEvent

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def at(second: float) -> datetime:
    return T0 + timedelta(seconds=second)


class Script:
    def __init__(self, room: str = "main", first_id: int = 1) -> None:
        self.room = room
        self.events: list[StreamEvent] = []
        self.next_id = first_id

    def add(
        self,
        name: str,
        second: float,
        viewer: str = "room",
        *,
        customer_id: int | None = None,
        nickname: str | None = None,
        **props: Any,
    ) -> StreamEvent:
        event = StreamEvent(
            id=self.next_id,
            name=name,
            timestamp=at(second),
            customer_id=customer_id,
            viewer=viewer,
            properties={"room": self.room, **props},
            nickname=nickname,
        )
        self.next_id += 1
        self.events.append(event)
        return event

    def started(self, second: float, live_session_id: int = 77, **kw: Any) -> StreamEvent:
        return self.add(
            live_events.LIVE_STARTED,
            second,
            live_session_id=live_session_id,
            title="主食健康课",
            host="小米",
            **kw,
        )

    def ended(self, second: float) -> StreamEvent:
        return self.add(live_events.LIVE_ENDED, second, live_session_id=77)

    def joined(self, second: float, viewer: str, **kw: Any) -> StreamEvent:
        return self.add(spec.LIVE_JOINED, second, viewer, **kw)

    def left(self, second: float, viewer: str, **kw: Any) -> StreamEvent:
        return self.add(spec.LIVE_LEFT, second, viewer, **kw)

    def comment(self, second: float, viewer: str, text: str, **kw: Any) -> StreamEvent:
        return self.add(spec.LIVE_COMMENT_POSTED, second, viewer, text=text, **kw)

    def click(self, second: float, viewer: str, sku: str, **kw: Any) -> StreamEvent:
        return self.add(spec.LIVE_PRODUCT_CLICKED, second, viewer, sku=sku, **kw)

    def cart(self, second: float, viewer: str, sku: str, quantity: int = 1) -> StreamEvent:
        return self.add(spec.PRODUCT_ADDED, second, viewer, sku=sku, quantity=quantity)

    def order(
        self,
        second: float,
        viewer: str,
        order_id: str,
        lines: list[tuple[str, int, str]],
        **kw: Any,
    ) -> StreamEvent:
        total = sum((Decimal(price) * q for _, q, price in lines), Decimal("0"))
        return self.add(
            spec.ORDER_COMPLETED,
            second,
            viewer,
            order_id=order_id,
            total=str(total),
            channel="live",
            products=[{"sku": s, "quantity": q, "price": p} for s, q, p in lines],
            **kw,
        )

    def action(
        self, second: float, kind: ActionKind, target: str | None = None, by: str = "场控小王"
    ) -> StreamEvent:
        return self.add(
            live_events.LIVE_ACTION_TAKEN,
            second,
            action=kind.value,
            target=target,
            by=by,
            detail={},
        )
