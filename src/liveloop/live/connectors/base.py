"""What a platform connector is, and the registry that finds one by platform.

A connector has a ``platform`` and two directions:

- events in: ``pull(show)`` asks the platform what happened in a show and answers with
  ``PulledEvent`` values shaped like the signed webhook's events (``live.webhook``), so the
  one mapping (``live.mapping``) names them by our live spec and gives each a message id
  derived from the platform's own ids: pulling twice writes nothing twice;
- actions out: ``deliver(action)`` takes one of the host console's one-click actions to the
  room; the ``live-action`` outbox sender (``live.jobs``) calls it after the action committed.

Errors a connector raises, mapped at its edge::

    ConnectorError
     ├── RetryLater   (a store.outbox.RetryAfter)        rate limit: again after ``delay``
     ├── Unavailable                                     network, 5xx: retry with back-off
     └── Refused      (a store.outbox.PermanentFailure)  wrong secret, unknown show: final;
                                                         ``reason`` is readable Chinese
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from liveloop.store.outbox import PermanentFailure, RetryAfter


class Platform(StrEnum):
    OWN_H5 = "own_h5"  # our own H5 / 小程序 room: events through the webhook, actions by its feed
    WECHAT_CHANNELS = "wechat_channels"  # 视频号: events through the webhook; no action API
    WECOM_LIVING = "wecom_living"  # 企业微信直播: watch statistics pulled after the show


class ConnectorError(Exception):
    """A platform call that did not go through."""


class RetryLater(ConnectorError, RetryAfter):
    """The platform asked us to slow down (or is busy): try again after ``delay``."""

    def __init__(self, delay: timedelta, reason: str) -> None:
        RetryAfter.__init__(self, delay, reason)


class Unavailable(ConnectorError):
    """A transient failure (network, 5xx, an answer that is not JSON): retry with back-off."""


class Refused(ConnectorError, PermanentFailure):
    """The platform refused for good; ``reason`` is for the operator, in Chinese."""

    def __init__(self, reason: str, *, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass(frozen=True, slots=True)
class ShowRef:
    """A show of ours as a connector needs it: our ids and the platform's id of the show."""

    live_session_id: int
    room: str
    platform_show_id: str


@dataclass(frozen=True, slots=True)
class PulledViewer:
    anonymous_id: str
    external_ids: tuple[tuple[str, str], ...] = ()  # (type, id), e.g. ("external_userid", …)
    nickname: str | None = None


@dataclass(frozen=True, slots=True)
class PulledEvent:
    """One event a connector pulled, in the webhook's vocabulary (``type`` is a webhook event
    type such as ``viewer_joined``; ``id`` is unique per platform and fact)."""

    id: str
    type: str
    occurred_at: datetime
    viewer: PulledViewer
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PulledShow:
    """What a pull found: whether the show has ended on the platform (a pull before that is
    tried again later), what the platform says of it, and its viewers' events."""

    ended: bool
    info: dict[str, Any]
    events: Sequence[PulledEvent] = ()


@dataclass(frozen=True, slots=True)
class ActionDelivery:
    """One action as a connector sees it (never an ORM row)."""

    action_id: int
    room: str
    live_session_id: int
    kind: str  # a live.contracts.ActionKind
    target: str | None
    detail: dict[str, Any]
    key: str


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """``delivered``: the room has it. Not delivered with a ``note``: the platform offers no
    way in, so the host does it by hand in the platform's own app (the note says so)."""

    delivered: bool
    note: str | None = None


class Connector(Protocol):
    platform: Platform

    def pull(self, show: ShowRef) -> PulledShow: ...

    def deliver(self, action: ActionDelivery) -> DeliveryResult: ...


class Registry:
    """Connectors by platform; a platform without one gets its actions marked manual."""

    def __init__(self) -> None:
        self._by_platform: dict[str, Connector] = {}

    def register(self, connector: Connector) -> None:
        self._by_platform[str(connector.platform)] = connector

    def get(self, platform: str) -> Connector | None:
        return self._by_platform.get(platform)

    def __contains__(self, platform: object) -> bool:
        return platform in self._by_platform

    def __iter__(self) -> Iterator[Connector]:
        return iter(list(self._by_platform.values()))


class NoPull:
    """For connectors whose events come in through the webhook instead of a pull."""

    def pull(self, show: ShowRef) -> PulledShow:
        return PulledShow(ended=True, info={})
