"""What the portal publishes: what a share link points at, and why a portal command is
refused (Chinese first, English after for API clients).

    PortalError          400
     ├── UnknownLink     404  no share link with that token / no such show or product
     ├── UnknownCustomer 404  no customer with that OneID bound to the leader
     ├── NotALeader      403  the caller is not a leader linked to a leader record
     └── PortalConflict  409  clashes with what is (a batch not due yet …)
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from liveloop.errors import DomainError


class PortalError(DomainError):
    """A portal command refused as given."""


class UnknownLink(PortalError):
    """No share link, show or product by that name the caller may use."""

    status = 404


class UnknownCustomer(PortalError):
    """No customer with that OneID bound to the caller."""

    status = 404


class NotALeader(PortalError):
    """The portal needs a principal in the leader role that acts as an approved leader."""

    status = 403


class PortalConflict(PortalError):
    """The command clashes with the state of what it names."""

    status = 409


class LinkKind(StrEnum):
    LIVE = "live"  # an invite to an upcoming show
    PRODUCT = "product"  # a product poster


LINK_KIND_NAMES = {LinkKind.LIVE: "直播邀请", LinkKind.PRODUCT: "商品海报"}

# A share token: 10 characters of a URL-safe alphabet from ``secrets`` (~ 2^52 tokens): a
# link cannot be guessed from another, so opens cannot be forged for a leader at will.
TOKEN_LENGTH: Final = 10
# An invite binds a buyer who pays within this many days after opening it.
ATTRIBUTION_DAYS: Final = 7
