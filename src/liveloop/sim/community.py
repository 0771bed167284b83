"""Where a person belongs: their group-buy leader and the WeCom groups they join."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from liveloop.sim.tables import Chunk
from liveloop.sim.world import Leader, World

if TYPE_CHECKING:
    from liveloop.sim.person import Person
    from liveloop.sim.touches import Identifiers


def join_community(
    rng: random.Random,
    world: World,
    end: datetime,
    person: Person,
    ids: Identifiers,
    out: Chunk,
) -> Leader | None:
    """The person's leader (or None); the groups they join are written to ``out``."""
    leaders = world.leaders_in(person.city)
    leader = rng.choice(leaders) if leaders and rng.random() < 0.45 else None
    if not ids.unionid:
        return leader
    joins = []
    if leader:
        leader_group = next(g for g in world.groups if g.leader_id == leader.leader_id)
        joins.append(leader_group.group_id)
    audiences = {
        "infant": person.has_infant,
        "health": bool(person.health_need),
        "baker": person.baker,
        "fitness": person.fitness,
        "all": rng.random() < 0.1,
    }
    for group in world.groups:
        if (
            group.kind == "interest"
            and audiences.get(group.audience or "", False)
            and rng.random() < 0.5
        ) or (group.kind == "brand" and person.member and rng.random() < 0.3):
            joins.append(group.group_id)
    for group_id in joins:
        at = person.joined_at + timedelta(days=rng.expovariate(1 / 20))
        if at < end:
            out.group_members.append(
                {"group_id": group_id, "unionid": ids.unionid, "joined_at": at}
            )
    return leader
