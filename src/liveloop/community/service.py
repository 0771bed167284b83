"""Community facade: leaders (团长) and their pickup points; customers bound to a leader under
the operator's rule, with the history of every touch; orders sent to a pickup point with their
pickup codes; T+1 delivery batches per point with their packing lists; arrival and pickup
scans; reminders and the 2-day automatic confirmation.

Read and scan functions take the caller as ``viewer``: a principal in the leader role sees and
scans only its own leader's points, batches and customers (``community.scope``) — held here,
whatever the route let through. ``viewer=None`` is the system itself (jobs, the demo).

Other packages import this module, ``community.events`` or ``community.contracts`` only.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from liveloop.access import service as access
from liveloop.access.contracts import Role
from liveloop.community import batches, binding
from liveloop.community.batches import BatchView as BatchView
from liveloop.community.batches import BuildReport as BuildReport
from liveloop.community.batches import PackedItem as PackedItem
from liveloop.community.batches import PackedOrder as PackedOrder
from liveloop.community.batches import PackingList as PackingList
from liveloop.community.batches import arrive_batch as arrive_batch
from liveloop.community.batches import cutoff_for as cutoff_for
from liveloop.community.batches import get_batch as get_batch
from liveloop.community.batches import list_batches as list_batches
from liveloop.community.batches import next_delivery_date as next_delivery_date
from liveloop.community.batches import packing_list as packing_list
from liveloop.community.binding import BindingChange as BindingChange
from liveloop.community.binding import BindingView as BindingView
from liveloop.community.binding import binding_of as binding_of
from liveloop.community.binding import history_of as history_of
from liveloop.community.binding import list_bindings as list_bindings
from liveloop.community.binding import touch as touch
from liveloop.community.contracts import BindingCause
from liveloop.community.leaders import LeaderApplication as LeaderApplication
from liveloop.community.leaders import LeaderView as LeaderView
from liveloop.community.leaders import PointSpec as PointSpec
from liveloop.community.leaders import PointView as PointView
from liveloop.community.leaders import apply_leader as apply_leader
from liveloop.community.leaders import change_point as change_point
from liveloop.community.leaders import decide_leader as decide_leader
from liveloop.community.leaders import disable_leader as disable_leader
from liveloop.community.leaders import get_leader as get_leader
from liveloop.community.leaders import get_point as get_point
from liveloop.community.leaders import list_leaders as list_leaders
from liveloop.community.leaders import list_points as list_points
from liveloop.community.leaders import open_point as open_point
from liveloop.community.pickup import PickupView as PickupView
from liveloop.community.pickup import assign_pickup as assign_pickup
from liveloop.community.pickup import pickup_of as pickup_of
from liveloop.community.pickup import scan_pickup as scan_pickup
from liveloop.community.pickup_stats import PickupCount as PickupCount
from liveloop.community.pickup_stats import PointOrder as PointOrder
from liveloop.community.pickup_stats import orders_at_points as orders_at_points
from liveloop.community.pickup_stats import pickup_counts as pickup_counts
from liveloop.community.settings import Settings as Settings
from liveloop.community.settings import put_settings as put_settings
from liveloop.community.settings import read_settings as read_settings

SOURCE = "community"


def build_batches(
    session: Session, delivery_date: date, *, at: datetime, tz: ZoneInfo
) -> BuildReport:
    """Build or rebuild every pickup point's batch for ``delivery_date``: orders paid before
    the cut-off of the day before, capacity held, overflow carried to the next day's batch
    with its reason. Idempotent."""
    return batches.build_batches(session, delivery_date, at=at, tz=tz)


def bind_from_order(
    session: Session, *, customer_id: int, leader: str, order_no: str, at: datetime
) -> BindingChange:
    """An order placed through ``leader`` touches its buyer (``order:{no}``, judged once)."""
    return binding.touch(
        session,
        customer_id=customer_id,
        leader=leader,
        cause=BindingCause.ORDER,
        at=at,
        by="commerce",
        source=SOURCE,
        source_key=f"order:{order_no}",
    )


def remind_uncollected(session: Session, now: datetime, tz: ZoneInfo) -> int:
    """``Pickup Reminder Due`` for orders waiting at their point (once per order per day)."""
    return batches.remind_uncollected(session, now, tz, source=SOURCE)


def confirm_uncollected(session: Session, now: datetime) -> list[str]:
    """Orders not collected ``confirm_days`` after arrival, confirmed through commerce."""
    return batches.confirm_uncollected(session, now, source=SOURCE)


# A leader's row scope over people (``access.scope_people``): the customers bound to them.
access.scope_people(Role.LEADER, binding.bound_to_viewer)
