"""What UGC (the KOC / UGC circle) publishes to other packages: the states a recipe or review
moves through, the honours, what the pre-check flags, and why a UGC command is refused. Reasons
are Chinese first (the console shows them as they are), with the English after for API clients.

    UgcError              400
     ├── UnknownUgc       404  no recipe, review, poll or person with that id
     ├── UgcRefused       422  input that cannot mean one thing (a rating of 6, an unknown SKU …)
     └── UgcConflict      409  clashes with what is (already decided, the poll is closed, the
                               order is not the reviewer's, the same reference with other content)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from liveloop.errors import DomainError


class UgcError(DomainError):
    """A UGC command refused as given."""


class UnknownUgc(UgcError):
    """No such recipe, review, poll or person."""

    status = 404


class UgcRefused(UgcError):
    """Input that cannot be carried out as given."""

    status = 422


class UgcConflict(UgcError):
    """The command clashes with the item's or the poll's state."""

    status = 409


class UgcKind(StrEnum):
    RECIPE = "recipe"  # a customer's recipe: title, steps, the products it uses, photos
    REVIEW = "review"  # a customer's review of one line of their own order


class UgcStatus(StrEnum):
    SUBMITTED = "submitted"  # waiting in the moderation queue; never public
    APPROVED = "approved"  # public
    REJECTED = "rejected"  # with the moderator's reason; never public


class Flag(StrEnum):
    """What the automatic pre-check found; a flagged item still waits for a person."""

    BANNED_WORD = "banned_word"
    PHONE = "phone"
    LINK = "link"


class Honour(StrEnum):
    STAR_OF_MONTH = "star_of_month"  # 月度之星: the operator's choice
    BEST_RECIPE = "best_recipe"  # 最佳食谱: the month's most-liked approved recipe


KIND_NAMES = {UgcKind.RECIPE: "食谱", UgcKind.REVIEW: "评价"}
STATUS_NAMES = {
    UgcStatus.SUBMITTED: "待审核",
    UgcStatus.APPROVED: "已通过",
    UgcStatus.REJECTED: "已驳回",
}
FLAG_NAMES = {Flag.BANNED_WORD: "含违禁词", Flag.PHONE: "含手机号", Flag.LINK: "含链接/微信号"}
HONOUR_NAMES = {Honour.STAR_OF_MONTH: "月度之星", Honour.BEST_RECIPE: "最佳食谱"}
# The reasons a moderator picks from in the console (free text is allowed too).
REJECT_REASONS = (
    "含广告或联系方式",
    "含夸大或医疗功效宣传",
    "与商品无关",
    "内容不完整",
    "图片不清晰或非本人拍摄",
    "含不文明用语",
)
# A person whose KOC score reaches this is a KOC (``KOC Recognised``; the live room's badge).
KOC_THRESHOLD = 60


@dataclass(frozen=True)
class PreCheck:
    """The pre-check's findings: each flag with what triggered it (phones masked)."""

    flags: tuple[Flag, ...]
    hits: tuple[str, ...]

    @property
    def clean(self) -> bool:
        return not self.flags


@dataclass(frozen=True)
class KocParts:
    """A person's KOC score (0–100) and its three parts (each 0–100), with the counts behind
    them (``docs/ugc.md`` defines each)."""

    customer_id: int
    score: int
    influence: int
    expertise: int
    activity: int
    counts: dict[str, float]
    recognised: bool
    recognised_at: datetime | None
    scored_at: datetime
