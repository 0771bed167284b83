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

from sqlalchemy import delete, event, func, insert, select, update
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
    """The account's id, opening it (balance 0) the first time it is needed. Known ids are kept
    on the session until it rolls anything back (``_forget``)."""
    key = account_key(customer_id, kind)
    known: dict[str, int] = session.info.setdefault(ACCOUNTS_SEEN, {})
    found = known.get(key)
    if found is not None:
        return found
    found = session.scalar(select(PointsAccount.id).where(PointsAccount.key == key))
    if found is None:
        session.execute(
            dialect_insert(session)(PointsAccount).on_conflict_do_nothing(index_elements=["key"]),
            {"key": key, "customer_id": customer_id, "kind": kind, "balance": 0, "updated_at": at},
        )
        found = session.scalars(select(PointsAccount.id).where(PointsAccount.key == key)).one()
    known[key] = found
    return found


ACCOUNTS_SEEN = "loyalty.accounts"
RULES_SEEN = "loyalty.rules"


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction: Any) -> None:
    """A rollback (a savepoint's too) may have undone an account or rules this session read."""
    session.info.pop(ACCOUNTS_SEEN, None)
    session.info.pop(RULES_SEEN, None)


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
    below zero; then nothing of this posting stays.

    The posting row claims the fact (INSERT … ON CONFLICT DO NOTHING: a concurrent duplicate on
    PostgreSQL waits for the first and then finds it). Customers' balances move by guarded
    UPDATEs, the guarded legs first, so a refusal undoes only what this call moved. The brand's
    accounts get entries but no running balance: every posting touches one, and a row every
    checkout must lock would serialise them (their balance is the sum of their entries)."""
    if len(legs) < 2 or sum(leg.amount for leg in legs) != 0:
        raise ValueError(f"{source_key}: a posting needs ≥ 2 entries summing to zero")
    posting_id = session.scalar(
        dialect_insert(session)(PointsPosting)
        .on_conflict_do_nothing(index_elements=["source_key"])
        .returning(PointsPosting.id),
        {
            "source_key": source_key,
            "kind": kind,
            "customer_id": customer_id,
            "order_no": order_no,
            "reason": reason[:64],
            "points": sum(leg.amount for leg in legs if leg.amount > 0),
            "at": at,
            "memo": memo[:200],
            "details": details or {},
        },
    )
    if posting_id is None:
        known = session.scalar(
            select(PointsPosting.id).where(PointsPosting.source_key == source_key)
        )
        return Posted(int(known or 0), False, {})
    ordered = sorted(legs, key=lambda leg: not _guarded(leg))
    accounts = [account_id(session, leg.customer_id, leg.kind, at) for leg in ordered]
    balances: dict[tuple[int | None, str], int] = {}
    rows = []
    for n, (leg, account) in enumerate(zip(ordered, accounts, strict=True)):
        after = _move(session, account, leg, at) if leg.customer_id is not None else None
        if leg.customer_id is not None and after is None:
            for undo, undo_account in zip(ordered[:n], accounts[:n], strict=True):
                if undo.customer_id is not None:
                    _move(
                        session,
                        undo_account,
                        Leg(undo.kind, undo.customer_id, -undo.amount, True),
                        at,
                    )
            session.execute(delete(PointsPosting).where(PointsPosting.id == posting_id))
            raise InsufficientPoints(f"{SHORT}(insufficient points: {source_key})")
        if after is not None:
            balances[(leg.customer_id, leg.kind.value)] = after
        rows.append(
            {
                "posting_id": posting_id,
                "account_id": account,
                "amount": leg.amount,
                "balance_after": after,
            }
        )
    session.execute(insert(PointsEntry), rows)
    return Posted(posting_id, True, balances)


def _guarded(leg: Leg) -> bool:
    return leg.customer_id is not None and not leg.may_go_negative and leg.amount < 0


def _move(session: Session, account: int, leg: Leg, at: datetime) -> int | None:
    """Add ``leg.amount`` to a customer's account; None when the guard refuses it."""
    statement = update(PointsAccount).where(PointsAccount.id == account)
    if _guarded(leg):
        statement = statement.where(PointsAccount.balance + leg.amount >= 0)
    result = session.execute(
        statement.values(balance=PointsAccount.balance + leg.amount, updated_at=at)
        .returning(PointsAccount.balance)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    return None if result is None else int(result)


def reconcile(session: Session) -> Reconciliation:
    """Prove the ledger: each posting sums to zero (and has ≥ 2 entries), each customer
    account's balance equals the sum of its entries, all entries sum to zero, and each
    customer's open lots add up to their frozen balance and (when positive) available one."""
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
    # The brand's accounts keep no running balance (``post``): theirs is the sum of entries.
    mismatched = [
        key
        for id_, key, balance, customer, _ in accounts
        if customer is not None and balance != (sums.get(id_) or 0)
    ]
    held = {(c, k): b for _, _, b, c, k in accounts if c is not None}
    lots = {
        (customer, status): int(remaining or 0)
        for customer, status, remaining in session.execute(
            select(PointsLot.customer_id, PointsLot.status, func.sum(PointsLot.remaining))
            .where(PointsLot.status.in_(["available", "frozen"]))
            .group_by(PointsLot.customer_id, PointsLot.status)
        )
    }
    people = {c for c, _ in held} | {c for c, _ in lots}
    wrong_lots = sorted(
        c
        for c in people
        if lots.get((c, "available"), 0) != max(held.get((c, AccountKind.AVAILABLE), 0), 0)
        or lots.get((c, "frozen"), 0) != held.get((c, AccountKind.FROZEN), 0)
    )
    postings = session.scalar(select(func.count()).select_from(PointsPosting)) or 0
    return Reconciliation(
        postings=postings,
        accounts=len(accounts),
        unbalanced_postings=unbalanced,
        mismatched_accounts=mismatched,
        mismatched_lots=wrong_lots,
        total=sum(int(total or 0) for total in sums.values()),
    )
