"""Who is buying: the buyer an order names by any identifier, found — or created, as an
import creates a person it has not met — through OneID."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from liveloop.commerce.orders.errors import OrderRefused, UnknownOrder
from liveloop.identity import service as identity
from liveloop.identity.contracts import IdentityType
from liveloop.profiles import service as profiles

ONEID = "oneid"
BUYER_TYPES = (ONEID, *(t.value for t in IdentityType))
# Identifiers only their person holds: the holder is the buyer without a full resolution
# (a device or anonymous id may be shared or blocked, so those go through OneID's rules).
PERSONAL = frozenset(
    {IdentityType.MEMBER_NO, IdentityType.UNIONID, IdentityType.PHONE, IdentityType.OPENID}
)


class UnknownBuyer(UnknownOrder):
    """No person with that OneID (a OneID is ours: it cannot create anyone)."""


def resolve_buyer(session: Session, kind: str, value: str, *, at: datetime, source: str) -> int:
    """The person (the survivor of any merge) an order's ``customer`` names: a OneID must
    exist (404); any other identifier is its holder's, or when no one holds it resolved by
    OneID, which creates the person (a blocked value names nobody: 422). A malformed or
    placeholder identifier is refused (422)."""
    if kind == ONEID:
        found = profiles.find_by_oneid(session, value)
        if found is None:
            raise UnknownBuyer(f"没有这个客户 (no customer with OneID) {value}")
        return profiles.survivor_of(session, found)
    if kind not in BUYER_TYPES:
        raise OrderRefused(f"不认识的客户标识类型 (unknown identifier type) {kind}")
    try:
        value = identity.normalise(kind, value)
    except identity.InvalidIdentifier as exc:
        raise OrderRefused(f"客户标识无效 (invalid identifier): {exc}") from None
    known = identity.holder(session, kind, value) if kind in PERSONAL else None
    if known is not None:  # the common case: a buyer OneID already knows by this identifier
        return profiles.survivor_of(session, known)
    person = identity.resolve(session, [(IdentityType(kind), value)], at, source=source)
    if person.customer_id is None:
        raise OrderRefused(f"客户标识不能用来认人 (the identifier names nobody): {kind}")
    return profiles.survivor_of(session, person.customer_id)
