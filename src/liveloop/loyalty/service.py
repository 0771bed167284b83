"""Loyalty facade: spend points at checkout (``spend_points``, for commerce inside the order's
transaction), a member's view, ledger and benefits, an operator's adjustment, the rules, and
the ledger's reconciliation. Earning, releasing, claw-backs, expiry and grading happen in the
``loyalty`` consumer and task (``loyalty.jobs``) from the event log."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveloop.loyalty import ledger, rules, tiers
from liveloop.loyalty import points as book
from liveloop.loyalty.contracts import (
    BASIC,
    CUSTOMER_ACCOUNTS,
    POSTING_NAMES,
    TIERS,
    AccountKind,
    LedgerLine,
    LedgerPage,
    MemberBenefits,
    MemberView,
    PointsOverview,
    PointsSpent,
    PostingKind,
    Reconciliation,
)
from liveloop.loyalty.errors import LoyaltyError as LoyaltyError
from liveloop.loyalty.errors import UnknownMember
from liveloop.loyalty.models import (
    LotStatus,
    LoyaltyMember,
    PointsAccount,
    PointsEntry,
    PointsLot,
    PointsPosting,
)
from liveloop.loyalty.rules import PointsRules as PointsRules
from liveloop.loyalty.rules import TierRules as TierRules
from liveloop.profiles import service as profiles


def spend_points(
    session: Session,
    *,
    customer_id: int,
    points: int,
    source_key: str,
    at: datetime,
    order_no: str | None = None,
) -> PointsSpent:
    """Spend ``points`` of the person's available balance in the caller's transaction (an
    order's checkout); 409 积分不足 when it is short, and nothing written. ``source_key`` is
    the fact (``order:{no}:spend``): repeating it answers the first spend. ``order_no`` ties
    the spend to its order, so a refund returns the points pro rata."""
    person = profiles.survivor_of(session, customer_id)
    return book.spend(
        session,
        customer_id=person,
        points=points,
        source_key=source_key,
        at=at,
        order_no=order_no,
    )


def points_value(session: Session, points: int) -> Decimal:
    """What ``points`` are worth at checkout now, in yuan."""
    return book.value_of(points, rules.points_rules(session))


def benefits_of(session: Session, customer_id: int) -> MemberBenefits:
    """The person's tier and what it gives (a person with no growth yet: 基础's)."""
    person = profiles.survivor_of(session, customer_id)
    member = session.get(LoyaltyMember, person)
    tier = member.tier if member is not None else BASIC
    return MemberBenefits(person, tier, rules.tier_rules(session).rule(tier).benefits())


def _next_expiry(session: Session, customer_id: int) -> tuple[datetime | None, int]:
    first = session.scalar(
        select(func.min(PointsLot.expires_at)).where(
            PointsLot.customer_id == customer_id,
            PointsLot.status == LotStatus.AVAILABLE,
            PointsLot.remaining > 0,
        )
    )
    if first is None:
        return None, 0
    total = session.scalar(
        select(func.sum(PointsLot.remaining)).where(
            PointsLot.customer_id == customer_id,
            PointsLot.status == LotStatus.AVAILABLE,
            PointsLot.expires_at == first,
        )
    )
    return first, int(total or 0)


def member_of(session: Session, customer_id: int, now: datetime) -> MemberView | None:
    """The member view of the person who stands for ``customer_id`` now (None: no person)."""
    person = profiles.survivor_of(session, customer_id)
    oneid = profiles.oneids_of(session, [person]).get(person)
    if oneid is None:
        return None
    tier_rules = rules.tier_rules(session)
    member = session.get(LoyaltyMember, person)
    balances = ledger.balances_of(session, person)
    available, frozen = balances[AccountKind.AVAILABLE], balances[AccountKind.FROZEN]
    tier = member.tier if member is not None else BASIC
    growth = member.growth if member is not None else Decimal("0.00")
    higher = [t for t in tier_rules.tiers if tiers.rank(t.name) > tiers.rank(tier)]
    next_tier = higher[0] if higher else None
    expiry_at, expiry_points = _next_expiry(session, person)
    return MemberView(
        customer_id=person,
        oneid=oneid,
        tier=tier,
        growth=growth,
        window_start=member.window_start if member is not None else None,
        window_end=member.window_end if member is not None else None,
        next_tier=next_tier.name if next_tier else None,
        growth_to_next=max(next_tier.threshold - growth, Decimal("0.00")) if next_tier else None,
        available=available,
        frozen=frozen,
        owed=max(-available, 0),
        next_expiry_at=expiry_at,
        next_expiry_points=expiry_points,
        benefits=tier_rules.rule(tier).benefits(),
        updated_at=member.updated_at if member is not None else now,
    )


def member_by_oneid(session: Session, oneid: str, now: datetime) -> MemberView:
    person = profiles.find_by_oneid(session, oneid)
    view = member_of(session, person, now) if person is not None else None
    if view is None:
        raise UnknownMember(f"没有 OneID 为 {oneid} 的客户 (no such person)")
    return view


def list_members(
    session: Session,
    now: datetime,
    *,
    tier: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> tuple[int, list[MemberView]]:
    """Members, highest growth first (and how many there are), ``tier`` narrowing them."""
    query = select(LoyaltyMember.customer_id)
    if tier is not None:
        query = query.where(LoyaltyMember.tier == tier)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ids = list(
        session.scalars(
            query.order_by(LoyaltyMember.growth.desc(), LoyaltyMember.customer_id)
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    )
    return total, [v for v in (member_of(session, c, now) for c in ids) if v is not None]


def tier_counts(session: Session) -> dict[str, int]:
    rows = dict(
        session.execute(select(LoyaltyMember.tier, func.count()).group_by(LoyaltyMember.tier)).all()
    )
    return {tier: int(rows.get(tier, 0)) for tier in TIERS}


def ledger_of(
    session: Session, customer_id: int, *, page: int = 1, page_size: int = 50
) -> LedgerPage:
    """The postings that touched the person's accounts, newest first: each with the change to
    their available and frozen points and the available balance after it."""
    person = profiles.survivor_of(session, customer_id)
    accounts = dict(
        session.execute(
            select(PointsAccount.id, PointsAccount.kind).where(PointsAccount.customer_id == person)
        ).all()
    )
    if not accounts:
        return LedgerPage(0, page, page_size, [])
    touched = select(PointsEntry.posting_id).where(PointsEntry.account_id.in_(accounts)).distinct()
    total = session.scalar(select(func.count()).select_from(touched.subquery())) or 0
    postings = list(
        session.scalars(
            select(PointsPosting)
            .where(PointsPosting.id.in_(touched))
            .order_by(PointsPosting.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    )
    entries: dict[int, list[tuple[str, int, int | None]]] = {}
    for posting_id, account, amount, balance in session.execute(
        select(
            PointsEntry.posting_id,
            PointsEntry.account_id,
            PointsEntry.amount,
            PointsEntry.balance_after,
        ).where(
            PointsEntry.posting_id.in_([p.id for p in postings]),
            PointsEntry.account_id.in_(accounts),
        )
    ):
        entries.setdefault(posting_id, []).append((accounts[account], amount, balance))
    available_id = next((a for a, kind in accounts.items() if kind == AccountKind.AVAILABLE), None)
    rows = []
    for posting in postings:
        legs = entries.get(posting.id, [])
        change = {kind: 0 for kind in CUSTOMER_ACCOUNTS}
        after: int | None = None
        for kind, amount, balance_after in legs:
            change[AccountKind(kind)] += amount
            if kind == AccountKind.AVAILABLE:
                after = balance_after
        if after is None:
            after = _available_before(session, available_id, posting.id)
        rows.append(
            LedgerLine(
                posting_id=posting.id,
                at=posting.at,
                kind=posting.kind,
                kind_name=POSTING_NAMES.get(PostingKind(posting.kind), posting.kind),
                source_key=posting.source_key,
                order_no=posting.order_no,
                available_change=change[AccountKind.AVAILABLE],
                frozen_change=change[AccountKind.FROZEN],
                available_after=after,
                memo=posting.memo,
                details=dict(posting.details or {}),
            )
        )
    return LedgerPage(total, page, page_size, rows)


def _available_before(session: Session, account: int | None, posting_id: int) -> int:
    if account is None:
        return 0
    found = session.scalar(
        select(PointsEntry.balance_after)
        .where(PointsEntry.account_id == account, PointsEntry.posting_id < posting_id)
        .order_by(PointsEntry.posting_id.desc())
        .limit(1)
    )
    return int(found or 0)


def adjust_points(
    session: Session,
    *,
    customer_id: int,
    points: int,
    reason: str,
    key: str,
    at: datetime,
    by: str,
    tz: ZoneInfo,
) -> tuple[int, bool]:
    """An operator's correction (unique on the client's ``key``): the posting's id and whether
    it is new. A debit may not take the balance below zero (409 积分不足)."""
    person = profiles.survivor_of(session, customer_id)
    return book.adjust(
        session, customer_id=person, points=points, reason=reason, key=key, at=at, by=by, tz=tz
    )


def points_rules(session: Session) -> PointsRules:
    return rules.points_rules(session)


def set_points_rules(session: Session, new: PointsRules, at: datetime, by: str) -> PointsRules:
    return rules.set_points_rules(session, new, at, by)


def tier_rules(session: Session) -> TierRules:
    return rules.tier_rules(session)


def set_tier_rules(session: Session, new: TierRules, at: datetime, by: str) -> TierRules:
    return rules.set_tier_rules(session, new, at, by)


def points_overview(session: Session) -> PointsOverview:
    """The ledger's totals by account kind (the brand's accounts hold the other side of each
    posting, so ``issued`` is negative in the ledger and shown here as points handed out)."""
    brand = dict(  # the brand's accounts: the sum of their entries (no running balance)
        session.execute(
            select(PointsAccount.kind, func.sum(PointsEntry.amount))
            .join(PointsEntry, PointsEntry.account_id == PointsAccount.id)
            .where(PointsAccount.customer_id.is_(None))
            .group_by(PointsAccount.kind)
        ).all()
    )
    held = dict(
        session.execute(
            select(PointsAccount.kind, func.sum(PointsAccount.balance))
            .where(PointsAccount.customer_id.is_not(None))
            .group_by(PointsAccount.kind)
        ).all()
    )
    owing = session.execute(
        select(func.count(), func.coalesce(func.sum(PointsAccount.balance), 0)).where(
            PointsAccount.customer_id.is_not(None),
            PointsAccount.kind == AccountKind.AVAILABLE,
            PointsAccount.balance < 0,
        )
    ).one()
    return PointsOverview(
        issued=-int(brand.get(AccountKind.ISSUED) or 0),
        redeemed=int(brand.get(AccountKind.REDEEMED) or 0),
        expired=int(brand.get(AccountKind.EXPIRED) or 0),
        clawed_back=int(brand.get(AccountKind.CLAWED_BACK) or 0),
        available=int(held.get(AccountKind.AVAILABLE, 0) or 0),
        frozen=int(held.get(AccountKind.FROZEN, 0) or 0),
        owed=-int(owing[1] or 0),
        members_owing=int(owing[0] or 0),
    )


def reconcile(session: Session) -> Reconciliation:
    """Prove the ledger (``loyalty.ledger.reconcile``)."""
    return ledger.reconcile(session)


def run_calendar(session: Session, now: datetime, tz: ZoneInfo) -> int:
    """Release, expire and regrade what is due by ``now`` (the task's work, in one transaction:
    the demo and tests)."""
    return (
        book.release_due(session, now)
        + book.expire_due(session, now)
        + tiers.regrade_due(session, now, tz)
    )
