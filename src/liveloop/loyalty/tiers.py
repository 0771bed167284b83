"""Member tiers by growth value: paid yuan plus, refunded yuan minus (``growth_entries``, one
per fact, unique on its source key), counted in the member's grading window.

- A person becomes a member (基础) with their first growth fact; their window starts then and
  lasts ``window_months``.
- Growth that reaches a higher tier's threshold upgrades the member at once.
- Nothing lowers a tier mid-window (a refund only lowers the growth): at the window's end
  (``regrade_due``, or the member's next fact, whichever comes first) the member is graded by
  the growth of the window that closed — kept, lowered or raised — and a new window starts.

Each change writes the profile's ``member_tier`` (``profiles.service.set_member_tier``) and
states ``Tier Changed``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveloop.loyalty import events
from liveloop.loyalty.contracts import BASIC, GOLD, TIERS
from liveloop.loyalty.models import GrowthEntry, LoyaltyMember
from liveloop.loyalty.rules import TierRules, tier_rules
from liveloop.loyalty.when import add_months
from liveloop.profiles import service as profiles
from liveloop.store.engine import dialect_insert

# Tier names member lists use, as ours (an imported 黑金 is not demoted on the first order).
IMPORTED = {"普通": BASIC, "普通会员": BASIC, "黑金": GOLD}


def rank(tier: str) -> int:
    return TIERS.index(tier) if tier in TIERS else 0


def _change(
    session: Session, member: LoyaltyMember, tier: str, at: datetime, reason: str, key: str
) -> None:
    before = member.tier
    member.tier, member.tier_since, member.updated_at = tier, at, at
    profiles.set_member_tier(session, member.customer_id, tier, at)
    events.tier_changed(
        session,
        at=at,
        customer_id=member.customer_id,
        key=key,
        from_tier=before,
        to_tier=tier,
        reason=reason,
        growth=str(member.growth),
        benefits=tier_rules(session).rule(tier).benefits(),
    )


def ensure_member(
    session: Session, customer_id: int, at: datetime, tz: ZoneInfo, rules: TierRules | None = None
) -> LoyaltyMember:
    """The member row, made the first time with a window from ``at``: at the tier the profile
    already names when it is one of ours or an ``IMPORTED`` name (a member list is honoured
    until the first window ends: no downgrade before it), else 基础."""
    member = session.get(LoyaltyMember, customer_id)
    if member is not None:
        return member
    rules = rules or tier_rules(session)
    facts = profiles.person_facts(session, [customer_id]).get(customer_id)
    known = facts.member_tier if facts is not None else None
    known = IMPORTED.get(known or "", known)
    tier = known if known in TIERS else BASIC
    member = LoyaltyMember(
        customer_id=customer_id,
        tier=tier,
        tier_since=at,
        window_start=at,
        window_end=add_months(at, rules.window_months, tz),
        growth=Decimal("0"),
        updated_at=at,
    )
    session.add(member)
    session.flush()
    profiles.set_member_tier(session, customer_id, tier, at)
    events.tier_changed(
        session,
        at=at,
        customer_id=customer_id,
        key=f"{customer_id}:joined",
        from_tier=None,
        to_tier=tier,
        reason="joined",
        growth="0.00",
        benefits=rules.rule(tier).benefits(),
    )
    return member


def _growth_between(session: Session, customer_id: int, start: datetime, end: datetime) -> Decimal:
    total = session.scalar(
        select(func.sum(GrowthEntry.amount)).where(  # a Money sum: Decimal yuan
            GrowthEntry.customer_id == customer_id,
            GrowthEntry.at >= start,
            GrowthEntry.at < end,
        )
    )
    return total if total is not None else Decimal("0.00")


def roll(
    session: Session, member: LoyaltyMember, now: datetime, tz: ZoneInfo, rules: TierRules
) -> None:
    """Close every window of ``member`` that ended by ``now``, grading each by its growth."""
    while member.window_end <= now:
        closed_growth, closed_end = member.growth, member.window_end
        graded = rules.grade(closed_growth)
        member.window_start = closed_end
        member.window_end = add_months(closed_end, rules.window_months, tz)
        member.growth = _growth_between(
            session, member.customer_id, member.window_start, member.window_end
        )
        member.updated_at = closed_end
        key = f"{member.customer_id}:window:{closed_end.isoformat()}"
        if graded != member.tier:
            _change(session, member, graded, closed_end, "regrade", key)
        _upgrade(session, member, closed_end, rules, key + ":up")
    session.flush()


def _upgrade(
    session: Session, member: LoyaltyMember, at: datetime, rules: TierRules, key: str
) -> None:
    reached = rules.grade(member.growth)
    if rank(reached) > rank(member.tier):
        _change(session, member, reached, at, "upgrade", key)


def add_growth(
    session: Session,
    *,
    customer_id: int,
    source_key: str,
    amount: Decimal,
    at: datetime,
    tz: ZoneInfo,
    order_no: str | None = None,
) -> bool:
    """Count one fact's growth (negative for a refund); False when it was counted before."""
    rules = tier_rules(session)
    inserted = session.execute(
        dialect_insert(session)(GrowthEntry)
        .on_conflict_do_nothing(index_elements=["source_key"])
        .returning(GrowthEntry.id),
        {
            "customer_id": customer_id,
            "source_key": source_key,
            "order_no": order_no,
            "amount": amount,
            "at": at,
        },
    ).first()
    if inserted is None:
        return False
    member = ensure_member(session, customer_id, at, tz, rules)
    roll(session, member, at, tz, rules)
    if member.window_start <= at < member.window_end:
        member.growth += amount
        member.updated_at = at
    _upgrade(session, member, at, rules, f"{customer_id}:{source_key}")
    session.flush()
    return True


def refunded_of(session: Session, order_no: str, *, besides: str) -> Decimal:
    """What an order's refunds other than the one keyed ``besides`` have taken back, in yuan."""
    total = session.scalar(
        select(func.sum(GrowthEntry.amount)).where(
            GrowthEntry.order_no == order_no,
            GrowthEntry.amount < 0,
            GrowthEntry.source_key != besides,
        )
    )
    return -total if total is not None else Decimal("0.00")


def paid_of(session: Session, order_no: str) -> Decimal | None:
    """The order's paid total as its growth recorded it (None: not seen)."""
    return session.scalar(
        select(GrowthEntry.amount).where(GrowthEntry.source_key == f"order:{order_no}:growth")
    )


def regrade_due(session: Session, now: datetime, tz: ZoneInfo, limit: int = 500) -> int:
    """Members whose window ended by ``now``: graded and given a new window."""
    rules = tier_rules(session)
    due = list(
        session.scalars(
            select(LoyaltyMember)
            .where(LoyaltyMember.window_end <= now)
            .order_by(LoyaltyMember.window_end)
            .limit(limit)
        )
    )
    for member in due:
        roll(session, member, now, tz, rules)
    return len(due)


def merge_members(
    session: Session, *, merged_id: int, survivor_id: int, at: datetime, tz: ZoneInfo
) -> None:
    """OneID merged a member into the survivor: their growth goes with them and the survivor
    is upgraded if the combined window's growth reaches a higher tier."""
    moved = session.get(LoyaltyMember, merged_id)
    entries = list(session.scalars(select(GrowthEntry).where(GrowthEntry.customer_id == merged_id)))
    if moved is None and not entries:
        return
    for entry in entries:
        entry.customer_id = survivor_id
    session.flush()
    rules = tier_rules(session)
    member = ensure_member(session, survivor_id, at, tz, rules)
    roll(session, member, at, tz, rules)
    member.growth = _growth_between(session, survivor_id, member.window_start, member.window_end)
    if moved is not None and rank(moved.tier) > rank(member.tier):
        _change(session, member, moved.tier, at, "merge", f"{survivor_id}:merge:{merged_id}")
    _upgrade(session, member, at, rules, f"{survivor_id}:merge:{merged_id}:up")
    if moved is not None:
        session.delete(moved)
    session.flush()
