"""Row scopes: which people a role may see at all, whatever its fields show.

A guide works their own customers — the people whose guide tasks are assigned to them — and a
person outside that is "not found" to them, not merely masked. The domain that knows the tie
declares the check (``guides.service`` the guide's); access sits below it in the layer order.
A scoped role whose check was never declared sees nobody: a missing scope fails closed. A
scoped role's API key acts for the console user it is named after (a guide's key is named
after the guide's username).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from liveloop.access.contracts import Role

if TYPE_CHECKING:
    from liveloop.access.service import Principal

PersonScope = Callable[[Session, "Principal", int], bool]

SCOPED = frozenset({Role.GUIDE, Role.LEADER})
_checks: dict[Role, PersonScope] = {}


def scope_people(role: Role, check: PersonScope) -> None:
    """Declare whom ``role`` may see: ``check(session, principal, customer_id)``."""
    if role not in SCOPED:
        raise ValueError(f"{role} sees everyone its role may read; it has no row scope")
    _checks[role] = check


def may_see_person(session: Session, principal: Principal, customer_id: int) -> bool:
    if principal.role not in SCOPED:
        return True
    check = _checks.get(principal.role)
    return check is not None and check(session, principal, customer_id)
