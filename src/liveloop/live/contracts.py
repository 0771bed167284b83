"""What live publishes to other packages: how a live comment is read (its intent, aspect and
sentiment — the labels of the shipped comment set and of the classifier)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    QUESTION = "question"
    PURCHASE = "purchase"
    PRAISE = "praise"
    COMPLAINT = "complaint"
    CHITCHAT = "chitchat"


class Aspect(StrEnum):
    PRICE = "price"
    TASTE = "taste"
    HEALTH = "health"
    LOGISTICS = "logistics"
    FRESHNESS = "freshness"
    PACKAGING = "packaging"
    USAGE = "usage"
    STOCK = "stock"
    ORIGIN = "origin"
    NONE = "none"


class Sentiment(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


@dataclass(frozen=True, slots=True)
class Reading:
    """One comment understood: ``text`` is its normalised form."""

    text: str
    intent: Intent
    aspect: Aspect
    sentiment: Sentiment


class ActionKind(StrEnum):
    """The one-click actions of the host console (each a ``Live Action Taken`` event, a marker
    on the show's timeline and a row of the append-only action log)."""

    PUSH_COUPON = "push_coupon"
    PUSH_LUCKY_BAG = "push_lucky_bag"  # 福袋
    START_EXPLAINING = "start_explaining"  # 讲解 of a product goes on air
    STOP_EXPLAINING = "stop_explaining"
    SHELF_ON = "shelf_on"
    SHELF_OFF = "shelf_off"
    PIN_COMMENT = "pin_comment"
    ANSWER_QUESTION = "answer_question"  # a question cluster marked answered


class LivePlatform(StrEnum):
    """Where a room's show airs (``live.rooms``): our own H5/小程序 room, whose events come in
    through the signed webhook, or a platform room reached through its connector."""

    OWN_H5 = "own_h5"
    WECHAT_CHANNELS = "wechat_channels"  # 视频号
    WECOM_LIVING = "wecom_living"  # 企业微信直播


# Member tiers from lowest to highest, as a show's audience rule names them (早鸟入场 for tier ≥
# 银卡). Loyalty grades members 基础 / 银卡 / 金卡 (loyalty.contracts.TIERS); 普通 and 黑金 are
# the names imported member lists use. Live only compares them.
MEMBER_TIERS: tuple[str, ...] = ("基础", "普通", "银卡", "金卡", "黑金")


class OfferKind(StrEnum):
    """What a show prepares to push (``live.offers``): a coupon, or a 福袋 (lucky bag) that
    viewers enter by a 口令 comment or by watching long enough."""

    COUPON = "coupon"
    LUCKY_BAG = "lucky_bag"


class FollowUp(StrEnum):
    """The follow-up audiences of a show, found by its post-live report and saved as segments
    (``live_audience`` rules) that the post-live journeys take in."""

    BOUGHT = "bought"
    WATCHED_NOT_BOUGHT = "watched_not_bought"  # watched ≥ N minutes and did not buy
    CLICKED_NOT_PAID = "clicked_not_paid"
    ASKED_UNANSWERED = "asked_unanswered"
    INVITED_ABSENT = "invited_absent"  # booked the show (Live Reminder Set) and did not come
    COMPLAINED = "complained"


@dataclass(frozen=True, slots=True)
class AskedQuestion:
    """A question a person asked in a show that the show left open (their 提问未获回复): what it
    was about (``aspect``, the product's ``sku`` when one was named), the cluster's text and
    the product's name, for a journey to answer with matching content."""

    live_session_id: int
    aspect: Aspect
    sku: str | None
    text: str
    product: str | None = None


FOLLOW_UP_NAMES: dict[FollowUp, str] = {
    FollowUp.BOUGHT: "已购买",
    FollowUp.WATCHED_NOT_BOUGHT: "看了未买",
    FollowUp.CLICKED_NOT_PAID: "点了未付款",
    FollowUp.ASKED_UNANSWERED: "提问未获回复",
    FollowUp.INVITED_ABSENT: "预约未到场",
    FollowUp.COMPLAINED: "有投诉",
}
