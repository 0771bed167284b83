"""The double-entry points ledger: accounts, postings of ≥ 2 entries summing to zero, each
unique on its business fact, and the reconciliation that proves it.

``post`` claims the fact first (inserting the posting, UNIQUE on ``source_key``), then moves
each account's balance with one guarded UPDATE: a customer's balance may not go below zero
unless the leg allows it (a claw-back), so two spends racing for the last points cannot both
succeed — on PostgreSQL the second waits for the first's row lock and then finds the balance
short. Everything a refused posting wrote is undone with its savepoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveloop.loyalty.contracts import CUSTOMER_ACCOUNTS, AccountKind, Reconciliation
from liveloop.loyalty.errors import InsufficientPoints
from liveloop.loyalty.models import PointsAccount, PointsEntry, PointsLot, PointsPosting
from liveloop.store.engine import dialect_insert

SHORT = "积分不足"


@dataclass(frozen=True)
class Leg:
    """One entry of a posting: ``amount`` on the account ``kind`` of ``customer_id`` (None:
    the brand's). ``may_go_negative`` lets a customer's available balance go below zero."""

    kind: AccountKind
    customer_id: int | None
    amount: int
    may_go_negative: bool = False


def brand(kind: AccountKind, amount: int) -> Leg:
    return Leg(kind, None, amount)


@dataclass(frozen=True)
class Posted:
    posting_id: int
    new: bool  # False: the fact was posted before (a replay), nothing moved now
    balances: dict[tuple[int | None, str], int]  # after the posting, by (customer, kind)


def account_key(customer_id: int | None, kind: str) -> str:
    return f"brand:{kind}" if customer_id is None else f"c{customer_id}:{kind}"


def account_id(session: Session, customer_id: int | None, kind: str, at: datetime) -> int:
    """The account's id, opening it (balance 0) the first time it is needed."""
    key = account_key(customer_id, kind)
    found = session.scalar(select(PointsAccount.id).where(PointsAccount.key == key))
    if found is not None:
        return found
    session.execute(
        dialect_insert(session)(PointsAccount).on_conflict_do_nothing(index_elements=["key"]),
        {"key": key, "customer_id": customer_id, "kind": kind, "balance": 0, "updated_at": at},
    )
    return session.scalars(select(PointsAccount.id).where(PointsAccount.key == key)).one()


def balances_of(session: Session, customer_id: int) -> dict[str, int]:
    """A customer's balance in each of their accounts (0 for an account never opened)."""
    rows = session.execute(
        select(PointsAccount.kind, PointsAccount.balance).where(
            PointsAccount.customer_id == customer_id
        )
    )
    found = {kind: balance for kind, balance in rows}
    return {kind.value: found.get(kind.value, 0) for kind in CUSTOMER_ACCOUNTS}


def find_posting(session: Session, source_key: str) -> PointsPosting | None:
    return session.scalar(select(PointsPosting).where(PointsPosting.source_key == source_key))


def post(
    session: Session,
    *,
    source_key: str,
    kind: str,
    customer_id: int,
    at: datetime,
    legs: Sequence[Leg],
    memo: str = "",
    order_no: str | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> Posted:
    """Post one fact. A ``source_key`` already posted answers that posting (``new`` False) and
    moves nothing. ``InsufficientPoints`` when a guarded leg would take a customer's balance
    below zero; then nothing of this posting stays."""
    if len(legs) < 2 or sum(leg.amount for leg in legs) != 0:
        raise ValueError(f"{source_key}: a posting needs ≥ 2 entries summing to zero")
    known = find_posting(session, source_key)
    if known is not None:
        return Posted(known.id, False, {})
    points = sum(leg.amount for leg in legs if leg.amount > 0)
    accounts = [account_id(session, leg.customer_id, leg.kind, at) for leg in legs]
    try:
        with session.begin_nested():
            posting = PointsPosting(
                source_key=source_key,
                kind=kind,
                customer_id=customer_id,
                order_no=order_no,
                reason=reason[:64],
                points=points,
                at=at,
                memo=memo[:200],
                details=details or {},
            )
            session.add(posting)
            session.flush()
            balances = {}
            for leg, account in zip(legs, accounts, strict=True):
                after = _move(session, account, leg, at)
                if after is None:
                    raise InsufficientPoints(f"{SHORT}(insufficient points: {source_key})")
                balances[(leg.customer_id, leg.kind.value)] = after
                session.add(
                    PointsEntry(
                        posting_id=posting.id,
                        account_id=account,
                        amount=leg.amount,
                        balance_after=after,
                    )
                )
            session.flush()
    except IntegrityError:
        # A concurrent transaction posted the same fact first (PostgreSQL): that one stands.
        known = find_posting(session, source_key)
        if known is None:
            raise
        return Posted(known.id, False, {})
    return Posted(posting.id, True, balances)


def _move(session: Session, account: int, leg: Leg, at: datetime) -> int | None:
    """Add ``leg.amount`` to the account's balance; None when the guard refuses it."""
    statement = update(PointsAccount).where(PointsAccount.id == account)
    guarded = leg.customer_id is not None and not leg.may_go_negative and leg.amount < 0
    if guarded:
        statement = statement.where(PointsAccount.balance + leg.amount >= 0)
    result = session.execute(
        statement.values(balance=PointsAccount.balance + leg.amount, updated_at=at)
        .returning(PointsAccount.balance)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    return None if result is None else int(result)


def reconcile(session: Session) -> Reconciliation:
    """Prove the ledger: each posting sums to zero (and has ≥ 2 entries), each account's
    balance equals the sum of its entries, the sum over all accounts is zero, and each
    customer's open available lots add up to their available balance (when positive)."""
    unbalanced = [
        key
        for key, total, count in session.execute(
            select(
                PointsPosting.source_key,
                func.coalesce(func.sum(PointsEntry.amount), 0),
                func.count(PointsEntry.id),
            )
            .outerjoin(PointsEntry, PointsEntry.posting_id == PointsPosting.id)
            .group_by(PointsPosting.id, PointsPosting.source_key)
        )
        if total != 0 or count < 2
    ]
    sums = dict(
        session.execute(
            select(PointsEntry.account_id, func.sum(PointsEntry.amount)).group_by(
                PointsEntry.account_id
            )
        ).all()
    )
    accounts = session.execute(
        select(
            PointsAccount.id,
            PointsAccount.key,
            PointsAccount.balance,
            PointsAccount.customer_id,
            PointsAccount.kind,
        )
    ).all()
    mismatched = [key for id_, key, balance, _, _ in accounts if balance != (sums.get(id_) or 0)]
    available = {c: b for _, _, b, c, k in accounts if c is not None and k == AccountKind.AVAILABLE}
    lots = dict(
        session.execute(
            select(PointsLot.customer_id, func.sum(PointsLot.remaining))
            .where(PointsLot.status == "available")
            .group_by(PointsLot.customer_id)
        ).all()
    )
    wrong_lots = sorted(
        c for c in set(available) | set(lots) if (lots.get(c) or 0) != max(available.get(c, 0), 0)
    )
    postings = session.scalar(select(func.count()).select_from(PointsPosting)) or 0
    return Reconciliation(
        postings=postings,
        accounts=len(accounts),
        unbalanced_postings=unbalanced,
        mismatched_accounts=mismatched,
        mismatched_lots=wrong_lots,
        total=sum(balance for _, _, balance, _, _ in accounts),
    )
