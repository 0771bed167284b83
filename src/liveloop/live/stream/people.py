"""Every viewer is a person: the feed hands the room's processor rows the profiles consumer may
not have reached yet, so a viewer's person is looked up here — the row's own ``customer_id``
when OneID has filled it, else the holder of the identifiers it carries (``identity.service.
find_person``: read only, it never makes or merges a person) — and each person's badge
(tier, VIP by RFM group, KOC, the last order) is read once and handed to the processor.

Invariant: a viewer key is looked up once per processor; a viewer nobody knows stays
anonymous for the show (the report, made after the profiles consumer, sees them resolved).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from liveloop.identity import service as identity
from liveloop.live.stream.processor import RoomProcessor, StreamEvent
from liveloop.live.stream.viewers import PersonBadge
from liveloop.profiles import service as profiles
from liveloop.store.eventlog import LoggedEvent

# People's badges by customer id; the composition root may add what live cannot read itself
# (the RFM group, from analytics).
Badges = Callable[[Session, Collection[int]], Mapping[int, PersonBadge]]
VIP_TAGS = frozenset({"VIP", "高价值客户"})
KOC_TAGS = frozenset({"KOC", "种草达人"})


def profile_badges(session: Session, customer_ids: Collection[int]) -> dict[int, PersonBadge]:
    """Badges from the profile alone: tier, VIP and KOC tags, the last order."""
    return {
        customer: PersonBadge(
            vip=bool(facts.tags & VIP_TAGS),
            tier=facts.member_tier,
            koc=bool(facts.tags & KOC_TAGS),
            last_order_at=facts.last_order_at,
        )
        for customer, facts in profiles.person_facts(session, customer_ids).items()
    }


class KnownViewers:
    """A ``FrameSource``: the room's processor, fed rows whose viewers are people."""

    def __init__(
        self,
        processor: RoomProcessor,
        read_sessions: sessionmaker[Session],
        badges: Badges = profile_badges,
    ) -> None:
        self.processor, self.read_sessions, self.badges = processor, read_sessions, badges
        self.people: dict[str, int | None] = {}  # viewer key → person (None: nobody known)

    def apply(self, rows: Sequence[LoggedEvent]) -> None:
        events = [StreamEvent.from_row(row) for row in rows]
        unknown = [
            (event, row)
            for event, row in zip(events, rows, strict=True)
            if event.customer_id is None and event.viewer not in self.people and _viewer(row)
        ]
        met: set[int] = set()
        if unknown:
            with self.read_sessions() as session:
                for event, row in unknown:
                    if event.viewer not in self.people:
                        found = identity.find_person(
                            session, row.user_id, row.anonymous_id, row.context
                        )
                        self.people[event.viewer] = found
                        if found is not None:
                            met.add(found)
        named = []
        for event in events:
            person = event.customer_id or self.people.get(event.viewer)
            if event.customer_id is None and person is not None:
                event = dataclasses.replace(event, customer_id=person)
            elif event.customer_id is not None and event.viewer not in self.people:
                self.people[event.viewer] = event.customer_id
                met.add(event.customer_id)
            named.append(event)
        new = met - self.processor.people.keys()
        if new:
            with self.read_sessions() as session:
                self.processor.set_people(self.badges(session, new))
        self.processor.apply(named)

    def tick(self, now: datetime) -> dict[str, Any]:
        return self.processor.tick(now)

    def snapshot(self, now: datetime) -> dict[str, Any]:
        return self.processor.snapshot(now)


def _viewer(row: LoggedEvent) -> bool:
    return bool(row.user_id or row.anonymous_id or row.context.get("externalIds"))
