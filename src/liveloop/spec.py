"""The tracking spec: the names of events that SDKs, live platforms and our own domains share.

These are Segment's e-commerce spec names and our live spec's (docs/events.md). They sit in
the kernel because the profiles consumer, low in the layer order, counts events that
commerce and live, higher up, emit or map — the vocabulary is shared, not any one domain's.
A domain's own events (``Customer Created``, ``Coupon Issued`` …) are named in that domain's
``events`` module; the domains that emit these re-export them from theirs.
"""

from __future__ import annotations

from typing import Final

# Segment's e-commerce spec.
PRODUCT_VIEWED: Final = "Product Viewed"
PRODUCT_CLICKED: Final = "Product Clicked"
PRODUCT_ADDED: Final = "Product Added"
CHECKOUT_STARTED: Final = "Checkout Started"
ORDER_COMPLETED: Final = "Order Completed"
ORDER_REFUNDED: Final = "Order Refunded"
ORDER_CANCELLED: Final = "Order Cancelled"
COUPON_APPLIED: Final = "Coupon Applied"

# Our live spec (what the live-platform webhook maps a platform's events to).
LIVE_JOINED: Final = "Live Joined"
LIVE_LEFT: Final = "Live Left"
LIVE_COMMENT_POSTED: Final = "Live Comment Posted"
LIVE_LIKED: Final = "Live Liked"
LIVE_SHARED: Final = "Live Shared"
LIVE_PRODUCT_CLICKED: Final = "Live Product Clicked"
LIVE_LUCKY_BAG_CLAIMED: Final = "Live Lucky Bag Claimed"
LIVE_REMINDER_SET: Final = "Live Reminder Set"

# Community, from the integrator's tracking calls.
GROUP_JOINED: Final = "Group Joined"
