"""Group-buy facade: campaigns with their price tiers, opening and joining groups (the last
slot won by exactly one joiner), closing groups whose window ended, the refunds closes decide
(handed to commerce and watched until the provider has paid them) and their reconciliation.

Other packages import this module, ``groupbuy.events`` or ``groupbuy.contracts`` only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from liveloop.groupbuy import closing, refunds
from liveloop.groupbuy.campaigns import CampaignSpec as CampaignSpec
from liveloop.groupbuy.campaigns import CampaignView as CampaignView
from liveloop.groupbuy.campaigns import create_campaign as create_campaign
from liveloop.groupbuy.campaigns import get_campaign as get_campaign
from liveloop.groupbuy.campaigns import list_campaigns as list_campaigns
from liveloop.groupbuy.checkout import refund_no as refund_no
from liveloop.groupbuy.joining import Joined as Joined
from liveloop.groupbuy.joining import JoinOrder as JoinOrder
from liveloop.groupbuy.joining import join_group as join_group
from liveloop.groupbuy.joining import open_group as open_group
from liveloop.groupbuy.joining import place_join_order as place_join_order
from liveloop.groupbuy.listing import GroupView as GroupView
from liveloop.groupbuy.listing import MemberView as MemberView
from liveloop.groupbuy.listing import get_group as get_group
from liveloop.groupbuy.listing import list_groups as list_groups
from liveloop.groupbuy.refunds import MemberRefund as MemberRefund
from liveloop.groupbuy.refunds import Reconciliation as Reconciliation
from liveloop.groupbuy.refunds import reconcile as reconcile
from liveloop.groupbuy.refunds import reconcile_closed as reconcile_closed
from liveloop.groupbuy.tiers import Tier as Tier

SOURCE = "groupbuy"


def due_groups(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """Ids of the open groups whose window has ended."""
    return closing.due_groups(session, now, limit)


def close_due_group(session: Session, group_id: int, now: datetime) -> bool:
    """Close one group whose window has ended: succeeded at the tier reached, or failed."""
    return closing.close_due(session, group_id, now, SOURCE)


def move_refunds(session: Session, now: datetime) -> int:
    """One pass over the refunds closes decided: hand the due ones to commerce, settle the
    ones the provider has paid. Returns how many moved."""
    return refunds.request_due(session, now, source=SOURCE) + refunds.settle_requested(
        session, now, source=SOURCE
    )
