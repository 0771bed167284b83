"""Our own H5 / 小程序 room and 视频号: their events come in through the signed webhook.

The own room takes actions by its page: the page polls ``GET /v1/live/{room}/actions?after=ID``
(authenticated by the live-platform source's write key, like the webhook) and shows a coupon
card, pins a comment …; delivering an action to it is putting it on that feed, so ``deliver``
accepts every action (the sender then marks it delivered, and the feed shows delivered ones).
视频号 offers no API to act in a room: its actions are marked for the host to do by hand.
"""

from __future__ import annotations

from liveloop.live.connectors.base import (
    ActionDelivery,
    DeliveryResult,
    NoPull,
    Platform,
)


class OwnH5Connector(NoPull):
    platform = Platform.OWN_H5

    def deliver(self, action: ActionDelivery) -> DeliveryResult:
        return DeliveryResult(delivered=True)


class WeChatChannelsConnector(NoPull):
    platform = Platform.WECHAT_CHANNELS

    def deliver(self, action: ActionDelivery) -> DeliveryResult:
        return DeliveryResult(
            delivered=False, note="视频号没有开放此操作的接口：请主播在视频号助手中操作"
        )
