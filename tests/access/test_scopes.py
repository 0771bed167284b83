"""Row scopes fail closed: a scoped role sees only whom its declared check admits, and nobody
when no check was declared; unscoped roles see everyone their role may read."""

from __future__ import annotations

import pytest

from liveloop.access.contracts import Role
from liveloop.access.service import Principal, may_see_person, scope_people


def _as(role: Role) -> Principal:
    return Principal("api_key", 1, "someone", role)


def test_a_scoped_role_without_a_declared_check_sees_nobody(runtime):
    with runtime.read_sessions() as session:
        assert may_see_person(session, _as(Role.LEADER), 1) is False


def test_unscoped_roles_see_everyone(runtime):
    with runtime.read_sessions() as session:
        assert all(may_see_person(session, _as(r), 1) for r in (Role.OPERATOR, Role.ANALYST))


def test_only_scoped_roles_take_a_scope():
    with pytest.raises(ValueError, match="no row scope"):
        scope_people(Role.OPERATOR, lambda session, principal, customer_id: True)
