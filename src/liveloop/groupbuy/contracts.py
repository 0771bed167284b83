"""What group-buy (拼团) publishes to other packages: the states a group, its members' refunds
and a campaign move through, and why a group-buy command is refused. Reasons are Chinese first
(the console shows them as they are), with the English after for API clients.

    GroupBuyError              400
     ├── UnknownCampaign       404  no campaign with that code
     ├── UnknownGroup          404  no group with that code
     ├── GroupBuyRefused       422  terms that cannot mean one thing (tiers out of order …)
     └── GroupBuyConflict      409  clashes with what is (the group is full or closed, the
                                    per-person limit is reached, the order number is taken)
"""

from __future__ import annotations

from enum import StrEnum

from liveloop.errors import DomainError


class GroupBuyError(DomainError):
    """A group-buy command refused as given."""


class UnknownCampaign(GroupBuyError):
    """No campaign with that code."""

    status = 404


class UnknownGroup(GroupBuyError):
    """No group with that code."""

    status = 404


class GroupBuyRefused(GroupBuyError):
    """Input that cannot be carried out as given."""

    status = 422


class GroupBuyConflict(GroupBuyError):
    """The command clashes with the group's or campaign's state."""

    status = 409


class GroupStatus(StrEnum):
    OPEN = "open"  # taking members until full or until its window ends
    SUCCEEDED = "succeeded"  # closed at a tier: everyone pays that tier's price
    FAILED = "failed"  # the window ended below the smallest tier: everyone refunded in full


class RefundState(StrEnum):
    DUE = "due"  # decided, not yet handed to commerce (or commerce refused it for now)
    REQUESTED = "requested"  # commerce holds the refund; the provider has not said done
    SETTLED = "settled"  # the provider refunded it
    FAILED = "failed"  # the provider refused it for good: an operator must look at it


class RefundKind(StrEnum):
    DIFFERENCE = "difference"  # a succeeded group: the top price less the price reached
    FULL = "full"  # a failed group: everything paid


GROUP_STATUS_NAMES = {
    GroupStatus.OPEN: "拼团中",
    GroupStatus.SUCCEEDED: "拼团成功",
    GroupStatus.FAILED: "拼团失败",
}
REFUND_STATE_NAMES = {
    RefundState.DUE: "待退款",
    RefundState.REQUESTED: "退款中",
    RefundState.SETTLED: "已退款",
    RefundState.FAILED: "退款失败，需人工处理",
}
REFUND_KIND_NAMES = {RefundKind.DIFFERENCE: "差价退款", RefundKind.FULL: "全额退款"}
