"""Withdrawals: requested → approved → paid, or rejected with a reason (from requested or
approved). A request holds its amount off the withdrawable balance (at most the balance at
that moment); a rejection releases the hold; the pay-out moves it from held to paid out. Each
movement is two legs summing to zero, UNIQUE (source_key, account), so no move happens twice.

A client's ``request_id`` makes a re-sent request the same withdrawal (UNIQUE (leader,
request_id)); the same id for another amount is refused. On PostgreSQL a leader's requests
take turns on a transaction-scoped advisory lock, so two racing requests cannot both spend
the same balance; SQLite has one writer anyway.
"""

from __future__ import annotations

import zlib
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from liveloop.commission import events
from liveloop.commission.contracts import (
    Account,
    CommissionConflict,
    CommissionRefused,
    UnknownCommission,
    WithdrawalStatus,
    WithdrawalView,
)
from liveloop.commission.ledger import balance_of
from liveloop.commission.models import CommissionMovement, CommissionWithdrawal
from liveloop.store.base import to_money
from liveloop.store.engine import dialect_insert


def _lock_leader(session: Session, leader: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(f"commission:{leader}".encode())
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _move(
    session: Session,
    leader: str,
    source_key: str,
    legs: tuple[tuple[Account, Decimal], tuple[Account, Decimal]],
    at: datetime,
) -> None:
    if sum((amount for _, amount in legs), Decimal(0)) != 0:
        raise ValueError("a movement's legs sum to zero")
    session.execute(
        dialect_insert(session)(CommissionMovement)
        .values(
            [
                {
                    "leader": leader,
                    "source_key": source_key,
                    "account": account.value,
                    "amount": amount,
                    "at": at,
                }
                for account, amount in legs
            ]
        )
        .on_conflict_do_nothing(index_elements=["source_key", "account"])
    )


def view(row: CommissionWithdrawal, *, created: bool = False) -> WithdrawalView:
    return WithdrawalView(
        withdrawal_no=row.withdrawal_no,
        leader=row.leader,
        request_id=row.request_id,
        amount=row.amount,
        status=WithdrawalStatus(row.status),
        reason=row.reason,
        requested_at=row.requested_at,
        requested_by=row.requested_by,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
        paid_at=row.paid_at,
        created=created,
    )


def request(
    session: Session, *, leader: str, amount: Decimal, request_id: str, by: str, at: datetime
) -> WithdrawalView:
    """Ask to withdraw ``amount`` (yuan, > 0, at most the withdrawable balance now)."""
    exact = to_money(amount)
    if exact <= 0 or exact != amount:
        raise CommissionRefused("提现金额须大于 0 且精确到分 (an amount > 0, to the fen)")
    _lock_leader(session, leader)
    found = session.scalar(
        select(CommissionWithdrawal).where(
            CommissionWithdrawal.leader == leader, CommissionWithdrawal.request_id == request_id
        )
    )
    if found is not None:
        if found.amount != exact:
            raise CommissionConflict(
                f"请求号 {request_id} 已用于 ¥{found.amount} 的提现 "
                "(the request id was used for another amount)"
            )
        return view(found)
    balance = balance_of(session, leader)
    if exact > balance.withdrawable:
        raise CommissionConflict(
            f"提现金额 ¥{exact} 超过可提现余额 ¥{balance.withdrawable} "
            "(the amount is over the withdrawable balance)"
        )
    count = session.scalar(
        select(func.count(CommissionWithdrawal.id)).where(CommissionWithdrawal.leader == leader)
    )
    row = CommissionWithdrawal(
        withdrawal_no=f"{leader}-W{int(count or 0) + 1:04d}",
        leader=leader,
        request_id=request_id,
        amount=exact,
        status=WithdrawalStatus.REQUESTED.value,
        requested_at=at,
        requested_by=by[:64],
    )
    session.add(row)
    session.flush()
    _move(
        session,
        leader,
        f"withdrawal:{row.withdrawal_no}:hold",
        ((Account.WITHDRAWABLE, -exact), (Account.HELD, exact)),
        at,
    )
    events.withdrawal_requested(
        session, at=at, withdrawal_no=row.withdrawal_no, leader=leader, amount=exact, by=by
    )
    return view(row, created=True)


def get(session: Session, withdrawal_no: str, leader: str | None = None) -> CommissionWithdrawal:
    query = select(CommissionWithdrawal).where(CommissionWithdrawal.withdrawal_no == withdrawal_no)
    if leader is not None:
        query = query.where(CommissionWithdrawal.leader == leader)
    row = session.scalar(query)
    if row is None:
        raise UnknownCommission(f"提现单 {withdrawal_no} 不存在 (no withdrawal {withdrawal_no})")
    return row


def _advance(
    session: Session,
    withdrawal_no: str,
    frm: tuple[WithdrawalStatus, ...],
    to: WithdrawalStatus,
    values: dict[str, object],
) -> tuple[CommissionWithdrawal, bool]:
    """Move by a guarded UPDATE; (row, True) when this call moved it, (row, False) when it
    already was in ``to`` (a repeat). Any other state is a conflict."""
    row = get(session, withdrawal_no)
    if row.status == to.value:
        return row, False
    moved = session.execute(
        update(CommissionWithdrawal)
        .where(
            CommissionWithdrawal.id == row.id,
            CommissionWithdrawal.status.in_([s.value for s in frm]),
        )
        .values(status=to.value, **values)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    session.refresh(row)
    if not moved:
        raise CommissionConflict(
            f"提现单 {withdrawal_no} 当前状态不能执行此操作 "
            f"(the withdrawal is {row.status}, not {' or '.join(s.value for s in frm)})"
        )
    return row, True


def approve(session: Session, withdrawal_no: str, *, by: str, at: datetime) -> WithdrawalView:
    row, moved = _advance(
        session,
        withdrawal_no,
        (WithdrawalStatus.REQUESTED,),
        WithdrawalStatus.APPROVED,
        {"decided_at": at, "decided_by": by[:64]},
    )
    if moved:
        events.withdrawal_approved(
            session, at=at, withdrawal_no=withdrawal_no, leader=row.leader, amount=row.amount, by=by
        )
    return view(row)


def pay(session: Session, withdrawal_no: str, *, by: str, at: datetime) -> WithdrawalView:
    row, moved = _advance(
        session, withdrawal_no, (WithdrawalStatus.APPROVED,), WithdrawalStatus.PAID, {"paid_at": at}
    )
    if moved:
        _move(
            session,
            row.leader,
            f"withdrawal:{withdrawal_no}:pay",
            ((Account.HELD, -row.amount), (Account.PAID_OUT, row.amount)),
            at,
        )
        events.withdrawal_paid(
            session, at=at, withdrawal_no=withdrawal_no, leader=row.leader, amount=row.amount, by=by
        )
    return view(row)


def reject(
    session: Session, withdrawal_no: str, *, reason: str, by: str, at: datetime
) -> WithdrawalView:
    if not reason.strip():
        raise CommissionRefused("拒绝提现需要填写原因 (a rejection needs a reason)")
    row, moved = _advance(
        session,
        withdrawal_no,
        (WithdrawalStatus.REQUESTED, WithdrawalStatus.APPROVED),
        WithdrawalStatus.REJECTED,
        {"decided_at": at, "decided_by": by[:64], "reason": reason[:200]},
    )
    if moved:
        _move(
            session,
            row.leader,
            f"withdrawal:{withdrawal_no}:release",
            ((Account.HELD, -row.amount), (Account.WITHDRAWABLE, row.amount)),
            at,
        )
        events.withdrawal_rejected(
            session,
            at=at,
            withdrawal_no=withdrawal_no,
            leader=row.leader,
            amount=row.amount,
            by=by,
            reason=reason,
        )
    return view(row)


def list_withdrawals(
    session: Session,
    *,
    leader: str | None = None,
    status: WithdrawalStatus | None = None,
    limit: int = 100,
) -> list[WithdrawalView]:
    query = select(CommissionWithdrawal).order_by(CommissionWithdrawal.id.desc()).limit(limit)
    if leader is not None:
        query = query.where(CommissionWithdrawal.leader == leader)
    if status is not None:
        query = query.where(CommissionWithdrawal.status == status.value)
    return [view(row) for row in session.scalars(query)]
