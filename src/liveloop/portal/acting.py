"""Which leader a portal caller is: a principal in the leader role acts as the leader whose
``username`` is its name (community's rule, read through community's facade, which scopes
every read to that leader). Any other role, or a leader login linked to no leader, has no
portal: the portal shows a leader their own work and nothing else."""

from __future__ import annotations

from sqlalchemy.orm import Session

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.community import service as community
from liveloop.portal.contracts import NotALeader


def acting_leader(session: Session, viewer: Principal) -> community.LeaderView:
    if viewer.role != Role.LEADER:
        raise NotALeader("团长工作台只对团长账号开放 (the portal is for leaders)")
    mine = community.list_leaders(session, viewer)
    if len(mine) != 1:
        raise NotALeader("这个账号还没有关联团长,请联系运营 (the login acts as no leader)")
    return mine[0]
