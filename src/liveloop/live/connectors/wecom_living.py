"""企业微信直播 (WeCom living) over its official server API, for the watch statistics of a show.

- The access token and the call are WeCom's shared client (``liveloop.wecom``: the living
  app's secret, its token cached, a stale one refreshed once, the secret kept out of logs).
- ``living/get_living_info`` (GET, ``livingid``): the show's ``status`` (0 预约中, 1 直播中,
  2 已结束, 3 已过期, 4 已取消), ``living_start`` (Unix seconds), ``living_duration``
  (seconds), ``viewer_num`` …; only an ended show (2) has statistics to pull.
- ``living/get_watch_stat`` (POST ``livingid``, ``next_key`` "0" first): pages of
  ``stat_info.users`` (members of the corp, ``userid``) and ``stat_info.external_users``
  (customers, ``external_userid``), each with ``watch_time`` in seconds; ``ending`` 1 says the
  last page came (WeCom: judge the end by this field only).
- ``living/get_user_all_livingid`` (POST ``userid``, ``cursor``, ``limit``): a host's shows.

Errors at the edge: 45009 (frequency limit) → ``RetryLater``; -1 (busy), network, 5xx →
``Unavailable``; 40001 from ``gettoken`` (the secret is wrong) and any other code →
``Refused`` with a reason an operator can read in Chinese.

Channels' customer-contact adapter (``channels.adapters.wecom``) uses the same shared client.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from liveloop.live.connectors.base import (
    ActionDelivery,
    DeliveryResult,
    Platform,
    PulledEvent,
    PulledShow,
    PulledViewer,
    Refused,
    RetryLater,
    ShowRef,
    Unavailable,
)
from liveloop.wecom import BUSY, RATE_LIMITED, WeComApi, WeComError, WeComUnreachable

ENDED = 2
NEVER_HELD = frozenset({3, 4})  # expired before it started, cancelled: nobody watched
MAX_PAGES = 10_000
# What an operator reads when WeCom refuses for good (errcode → 中文原因).
REASONS = {
    40001: "企业微信直播应用的 Secret 不正确（40001）：请核对 LIVELOOP_WECOM_LIVING_SECRET",
    40013: "企业 ID 不正确（40013）：请核对 LIVELOOP_WECOM_CORP_ID",
    48002: (
        "该应用没有调用直播接口的权限（48002）："
        "请在企业微信管理后台把它加入「直播 - 可调用接口的应用」"
    ),
    60011: "该应用没有查看此场直播的权限（60011）",
}


def reason_for(code: int, message: str) -> str:
    return REASONS.get(code) or f"企业微信直播接口返回错误 {code}：{message or '（无说明）'}"


class WeComLivingClient:
    """The living API calls we use, over the shared token and call (``liveloop.wecom``), WeCom's
    refusals turned into the connector's outcomes in an operator's words. Thread-safe; one per
    process."""

    def __init__(
        self,
        base_url: str,
        corp_id: str,
        secret: str,
        *,
        rate_delay: timedelta = timedelta(seconds=60),
        timeout: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._api = WeComApi(base_url, corp_id, secret, timeout=timeout, monotonic=monotonic)
        self._rate_delay = rate_delay

    @property
    def token_fetches(self) -> int:
        return self._api.token_fetches

    def close(self) -> None:
        self._api.close()

    def living_info(self, living_id: str) -> dict[str, Any]:
        body = self._call("GET", "/cgi-bin/living/get_living_info", {"livingid": living_id})
        info = body.get("living_info")
        if not isinstance(info, dict):
            raise Unavailable("企业微信直播 get_living_info: 回答中没有 living_info")
        return info

    def watch_stat(self, living_id: str, next_key: str) -> dict[str, Any]:
        return self._call(
            "POST", "/cgi-bin/living/get_watch_stat", {"livingid": living_id, "next_key": next_key}
        )

    def user_living_ids(
        self, userid: str, *, cursor: str = "", limit: int = 100
    ) -> tuple[list[str], str]:
        """One page of a member's shows: (living ids, the cursor of the next page or "")."""
        body = self._call(
            "POST",
            "/cgi-bin/living/get_user_all_livingid",
            {"userid": userid, "cursor": cursor, "limit": limit},
        )
        ids = [str(x) for x in body.get("livingid_list") or []]
        return ids, str(body.get("next_cursor") or "")

    def _call(self, method: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            return self._api.call(method, path, payload)
        except WeComUnreachable as exc:
            raise Unavailable(
                f"企业微信直播 {exc.path}: 连接失败或回答不可用 ({exc.why})"
            ) from None
        except WeComError as exc:
            if exc.code == RATE_LIMITED:
                raise RetryLater(
                    self._rate_delay, f"企业微信直播接口调用太频繁（45009），稍后重试: {exc.path}"
                ) from None
            if exc.code == BUSY:
                raise Unavailable(f"企业微信系统繁忙（-1），稍后重试: {exc.path}") from None
            raise Refused(reason_for(exc.code, exc.message), code=exc.code) from None


def _event_id(living_id: str, who: str, what: str) -> str:
    """A platform event id unique per show, viewer and fact, and short whatever WeCom's ids
    are (the event log's message id is derived from it: pulling twice writes nothing new)."""
    digest = hashlib.sha256(f"{living_id}\x00{who}".encode()).hexdigest()[:32]
    return f"wecom-living:{digest}:{what}"


def _seconds(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


class WeComLivingConnector:
    """Pulls an ended show's viewers; WeCom living takes no actions from outside (deliver says
    the host does it in WeCom)."""

    platform = Platform.WECOM_LIVING

    def __init__(self, client: WeComLivingClient) -> None:
        self.client = client

    def pull(self, show: ShowRef) -> PulledShow:
        living_id = show.platform_show_id
        info = self.client.living_info(living_id)
        status = info.get("status")
        if status in NEVER_HELD:
            return PulledShow(ended=True, info=info)
        if status != ENDED:
            return PulledShow(ended=False, info=info)
        start = datetime.fromtimestamp(_seconds(info.get("living_start")), UTC)
        duration = _seconds(info.get("living_duration")) or None
        events: list[PulledEvent] = []
        next_key, pages = "0", 0
        while True:
            page = self.client.watch_stat(living_id, next_key)
            stat = page.get("stat_info") or {}
            for user in stat.get("users") or []:
                if isinstance(user, dict) and user.get("userid"):
                    who = f"member:{user['userid']}"
                    viewer = PulledViewer(
                        anonymous_id=f"wecom-member:{user['userid']}",
                        external_ids=(("wecom_userid", str(user["userid"])),),
                    )
                    events += self._watched(living_id, who, viewer, user, start, duration)
            for user in stat.get("external_users") or []:
                if isinstance(user, dict) and user.get("external_userid"):
                    external = str(user["external_userid"])
                    name = user.get("name")
                    viewer = PulledViewer(
                        anonymous_id=f"wecom-external:{external}",
                        external_ids=(("external_userid", external),),
                        nickname=str(name)[:64] if isinstance(name, str) and name else None,
                    )
                    events += self._watched(
                        living_id, f"external:{external}", viewer, user, start, duration
                    )
            pages += 1
            if page.get("ending") == 1:
                break
            following = str(page.get("next_key") or "")
            if not following or following == next_key or pages >= MAX_PAGES:
                raise Unavailable("企业微信直播 get_watch_stat: 分页没有前进（next_key 未变）")
            next_key = following
        return PulledShow(ended=True, info=info, events=events)

    @staticmethod
    def _watched(
        living_id: str,
        who: str,
        viewer: PulledViewer,
        user: dict[str, Any],
        start: datetime,
        duration: int | None,
    ) -> list[PulledEvent]:
        """A viewer's ``Live Joined`` at the show's start and ``Live Left`` with their watch
        time (WeCom gives the total, not the times they came and went)."""
        seconds = _seconds(user.get("watch_time"))
        left = start + timedelta(seconds=min(seconds, duration) if duration else seconds)
        return [
            PulledEvent(_event_id(living_id, who, "joined"), "viewer_joined", start, viewer),
            PulledEvent(
                _event_id(living_id, who, "left"),
                "viewer_left",
                left,
                viewer,
                {"watch_seconds": seconds},
            ),
        ]

    def deliver(self, action: ActionDelivery) -> DeliveryResult:
        return DeliveryResult(
            delivered=False,
            note="企业微信直播没有开放此操作的接口：请主播在企业微信直播中操作",
        )
