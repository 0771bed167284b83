"""What closed groups owe their members, until the provider has paid it — retried until done.

Unlike a refund tried once and forgotten (ruoyi-vue-pro #1031), every refund a close decides is
a row (``groupbuy_refunds``) that the ``groupbuy-refunds`` task moves on each pass:

    due ──(commerce keeps the refund under its number)──> requested ──(provider: SUCCESS)──> settled
     ↑  └─ commerce refused for now: attempts + 1, retried after a back-off
     └─ commerce holds nothing under the number ── requested ──(refused for good)──> failed

- ``request_due``: each due refund is handed to commerce (``refund_order_part``) under its one
  number, in a savepoint of its own, so one refusal blocks no other. Asking twice under the
  same number changes nothing in commerce, so a crash between the two writes is harmless.
- ``settle_requested``: commerce's refund under that number is read; once the provider has
  paid it (payments sends it with ``out_refund_no`` = the number and retries with the same
  number until WeChat says SUCCESS), the member's refund is settled and ``Group Refund Settled``
  is logged; when a group owes nothing more, its ``refunds_settled_at`` is set.
- ``reconcile``: a closed group's members, what each paid, owes and was paid back, in our rows
  and in commerce's, with totals that must agree to the fen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from liveloop.commerce.contracts import RefundStatus
from liveloop.groupbuy import checkout, events
from liveloop.groupbuy.campaigns import ladder_of
from liveloop.groupbuy.contracts import GroupStatus, RefundKind, RefundState, UnknownGroup
from liveloop.groupbuy.models import GroupBuyCampaign, GroupBuyGroup, GroupBuyMember, GroupBuyRefund
from liveloop.profiles import service as profiles
from liveloop.store.consumers import backoff

log = logging.getLogger(__name__)

ZERO = Decimal("0.00")
RETRY_BASE_SECONDS = 30.0
RETRY_CAP_SECONDS = 1800.0


def request_due(session: Session, now: datetime, *, source: str, limit: int = 200) -> int:
    """Hand due refunds to commerce; returns how many it now holds."""
    rows = list(
        session.scalars(
            select(GroupBuyRefund)
            .where(GroupBuyRefund.state == RefundState.DUE, GroupBuyRefund.next_attempt_at <= now)
            .order_by(GroupBuyRefund.id)
            .limit(limit)
        )
    )
    requested = 0
    for row in rows:
        row.attempts += 1
        try:
            with session.begin_nested():
                checkout.request_refund(
                    session,
                    order_no=row.order_no,
                    number=row.refund_no,
                    amount=row.amount,
                    reason=row.reason,
                    at=now,
                    source=source,
                )
        except Exception as exc:  # a refusal for now: kept on the row, tried again later
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            row.next_attempt_at = now + backoff(row.attempts, RETRY_BASE_SECONDS, RETRY_CAP_SECONDS)
            log.warning("groupbuy refund %s not taken by commerce: %s", row.refund_no, exc)
            continue
        row.state, row.requested_at, row.last_error = RefundState.REQUESTED, now, None
        requested += 1
    session.flush()
    return requested


def settle_requested(session: Session, now: datetime, *, source: str, limit: int = 500) -> int:
    """Settle the requested refunds the provider has paid; returns how many moved."""
    rows = list(
        session.scalars(
            select(GroupBuyRefund)
            .where(GroupBuyRefund.state == RefundState.REQUESTED)
            .order_by(GroupBuyRefund.id)
            .limit(limit)
        )
    )
    moved, touched = 0, set()
    for row in rows:
        seen = checkout.refund_seen(session, row.order_no, row.refund_no)
        if seen is None:  # commerce holds nothing under the number: ask again
            row.state, row.next_attempt_at = RefundState.DUE, now
            moved += 1
            continue
        if seen.status == RefundStatus.FAILED:
            row.state = RefundState.FAILED
            row.last_error = "支付平台拒绝退款，需人工处理 (the provider refused the refund)"
            moved += 1
            continue
        if seen.status != RefundStatus.SUCCEEDED:
            continue
        row.state, row.settled_at = RefundState.SETTLED, now
        member = session.get_one(GroupBuyMember, row.member_id)
        group = session.get_one(GroupBuyGroup, row.group_id)
        events.group_refund_settled(
            session,
            at=now,
            source=source,
            group=group.code,
            customer_id=member.customer_id,
            order_no=row.order_no,
            refund_no=row.refund_no,
            kind=row.kind,
            amount=row.amount,
        )
        touched.add(row.group_id)
        moved += 1
    session.flush()
    for group_id in sorted(touched):
        open_refunds = session.scalar(
            select(func.count(GroupBuyRefund.id)).where(
                GroupBuyRefund.group_id == group_id, GroupBuyRefund.state != RefundState.SETTLED
            )
        )
        if not open_refunds:
            session.execute(
                update(GroupBuyGroup)
                .where(GroupBuyGroup.id == group_id, GroupBuyGroup.refunds_settled_at.is_(None))
                .values(refunds_settled_at=now)
                .execution_options(synchronize_session=False)
            )
    return moved


@dataclass(frozen=True)
class MemberRefund:
    """One member of a closed group and their refund, as we hold it and as commerce does."""

    slot: int
    customer_id: int
    oneid: str | None
    order_no: str
    paid: Decimal
    owed: Decimal  # what the close decided to give back (0: nothing owed)
    kind: RefundKind | None
    refund_no: str | None
    state: RefundState | None
    attempts: int
    last_error: str | None
    commerce_amount: Decimal | None  # commerce's refund under the number, when it holds one
    commerce_status: str | None
    settled_at: datetime | None


@dataclass(frozen=True)
class Reconciliation:
    """A closed group's refunds, checked: ``balanced`` when what was owed is what the close
    decided (all of it for a failed group), commerce holds the same amount under each number,
    and — once everything is settled — what was paid back is what was owed."""

    group: str
    campaign: str
    campaign_name: str
    status: GroupStatus
    size: int
    needed: int
    final_price: Decimal | None
    closed_at: datetime | None
    refunds_settled_at: datetime | None
    members: tuple[MemberRefund, ...]
    paid_total: Decimal
    owed_total: Decimal
    settled_total: Decimal
    commerce_total: Decimal
    problems: tuple[str, ...]

    @property
    def balanced(self) -> bool:
        return not self.problems

    @property
    def all_settled(self) -> bool:
        return self.refunds_settled_at is not None


def reconcile(session: Session, group_code: str) -> Reconciliation:
    group = session.scalars(select(GroupBuyGroup).where(GroupBuyGroup.code == group_code)).first()
    if group is None:
        raise UnknownGroup(f"没有拼团 {group_code} (no such group)")
    return _reconcile(session, group)


def reconcile_closed(
    session: Session, *, status: GroupStatus = GroupStatus.FAILED, limit: int = 50
) -> list[Reconciliation]:
    """The latest closed groups of ``status`` (failed by default), newest first, reconciled."""
    groups = session.scalars(
        select(GroupBuyGroup)
        .where(GroupBuyGroup.status == status)
        .order_by(GroupBuyGroup.closed_at.desc(), GroupBuyGroup.id.desc())
        .limit(limit)
    )
    return [_reconcile(session, group) for group in groups]


def _reconcile(session: Session, group: GroupBuyGroup) -> Reconciliation:
    campaign = session.get_one(GroupBuyCampaign, group.campaign_id)
    members = list(
        session.scalars(
            select(GroupBuyMember)
            .where(GroupBuyMember.group_id == group.id)
            .order_by(GroupBuyMember.slot)
        )
    )
    refunds = {
        r.member_id: r
        for r in session.scalars(select(GroupBuyRefund).where(GroupBuyRefund.group_id == group.id))
    }
    oneids = profiles.oneids_of(session, [m.customer_id for m in members])
    rows, problems = [], []
    for member in members:
        refund = refunds.get(member.id)
        seen = (
            checkout.refund_seen(session, member.order_no, refund.refund_no)
            if refund is not None
            else None
        )
        expected = _expected(group, member)
        owed = refund.amount if refund is not None else ZERO
        if group.status != GroupStatus.OPEN and owed != expected:
            problems.append(f"{member.order_no}: 应退 ¥{expected}，记录为 ¥{owed}")
        if refund is not None and seen is not None and seen.amount != refund.amount:
            problems.append(
                f"{member.order_no}: 订单退款 ¥{seen.amount} 与拼团退款 ¥{refund.amount} 不符"
            )
        rows.append(
            MemberRefund(
                slot=member.slot,
                customer_id=member.customer_id,
                oneid=oneids.get(member.customer_id),
                order_no=member.order_no,
                paid=member.paid,
                owed=owed,
                kind=RefundKind(refund.kind) if refund is not None else None,
                refund_no=refund.refund_no if refund is not None else None,
                state=RefundState(refund.state) if refund is not None else None,
                attempts=refund.attempts if refund is not None else 0,
                last_error=refund.last_error if refund is not None else None,
                commerce_amount=seen.amount if seen is not None else None,
                commerce_status=seen.status if seen is not None else None,
                settled_at=refund.settled_at if refund is not None else None,
            )
        )
    paid_total = sum((m.paid for m in rows), ZERO)
    owed_total = sum((m.owed for m in rows), ZERO)
    settled_total = sum((m.owed for m in rows if m.state == RefundState.SETTLED), ZERO)
    commerce_total = sum(
        (
            m.commerce_amount
            for m in rows
            if m.commerce_amount is not None and m.commerce_status == RefundStatus.SUCCEEDED
        ),
        ZERO,
    )
    if group.status == GroupStatus.FAILED and owed_total != paid_total:
        problems.append(f"失败团应全额退款 ¥{paid_total}，已记录 ¥{owed_total}")
    if group.refunds_settled_at is not None and settled_total != owed_total:
        problems.append(f"已退 ¥{settled_total} 与应退 ¥{owed_total} 不符")
    if settled_total != commerce_total:
        problems.append(f"已退 ¥{settled_total} 与订单退款成功 ¥{commerce_total} 不符")
    ladder = ladder_of(session, campaign.id)
    return Reconciliation(
        group=group.code,
        campaign=campaign.code,
        campaign_name=campaign.name,
        status=GroupStatus(group.status),
        size=group.member_count,
        needed=ladder[0].size,
        final_price=group.final_price,
        closed_at=group.closed_at,
        refunds_settled_at=group.refunds_settled_at,
        members=tuple(rows),
        paid_total=paid_total,
        owed_total=owed_total,
        settled_total=settled_total,
        commerce_total=commerce_total,
        problems=tuple(problems),
    )


def _expected(group: GroupBuyGroup, member: GroupBuyMember) -> Decimal:
    """What the close should owe the member: everything in a failed group, what they paid
    above the final price in a succeeded one."""
    if group.status == GroupStatus.FAILED:
        return member.paid
    if group.final_price is None:
        return ZERO
    return max(member.paid - group.final_price, ZERO)
