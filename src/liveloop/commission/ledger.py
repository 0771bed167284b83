"""Reading and settling the ledger: balances, entries, settlement, statements, the leaders'
totals. Sums are taken in the database in whole fen (``type_coerce`` to integers) and turned
into yuan once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, func, select, type_coerce, update
from sqlalchemy.orm import Session

from liveloop.commission.allocation import yuan
from liveloop.commission.contracts import (
    Account,
    Balance,
    CommissionRefused,
    EntryKind,
    EntryState,
    EntryView,
    LeaderTotals,
    SkipView,
    Statement,
    StatementLine,
)
from liveloop.commission.models import (
    CommissionEntry,
    CommissionMovement,
    CommissionSkip,
)
from liveloop.commission.rates import of_bp

AMOUNT = type_coerce(CommissionEntry.amount, BigInteger)
BASE = type_coerce(CommissionEntry.base, BigInteger)
MOVED = type_coerce(CommissionMovement.amount, BigInteger)


def settle_due(session: Session, now: datetime) -> int:
    """Every frozen entry whose after-sales window has closed is settled, in one UPDATE;
    returns how many. An adjustment posted frozen after its earning settled (a refund racing
    the settlement) has the same ``frozen_until`` and settles on the next pass."""
    result = session.execute(
        update(CommissionEntry)
        .where(
            CommissionEntry.state == EntryState.FROZEN.value,
            CommissionEntry.frozen_until <= now,
        )
        .values(state=EntryState.SETTLED.value, settled_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


def balances(session: Session, leaders: Collection[str] | None = None) -> dict[str, Balance]:
    """The balances of ``leaders`` (every leader in the ledger when None)."""
    entries = select(CommissionEntry.leader, CommissionEntry.state, func.sum(AMOUNT)).group_by(
        CommissionEntry.leader, CommissionEntry.state
    )
    moves = select(CommissionMovement.leader, CommissionMovement.account, func.sum(MOVED)).group_by(
        CommissionMovement.leader, CommissionMovement.account
    )
    if leaders is not None:
        entries = entries.where(CommissionEntry.leader.in_(sorted(leaders)))
        moves = moves.where(CommissionMovement.leader.in_(sorted(leaders)))
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for leader, state, total in session.execute(entries):
        sums[leader][state] += int(total or 0)
    for leader, account, total in session.execute(moves):
        sums[leader][f"account:{account}"] += int(total or 0)
    names = sorted(leaders) if leaders is not None else sorted(sums)
    return {code: _balance(code, sums.get(code, {})) for code in names}


def _balance(code: str, sums: dict[str, int]) -> Balance:
    settled = sums.get(EntryState.SETTLED.value, 0)
    return Balance(
        leader=code,
        frozen=yuan(sums.get(EntryState.FROZEN.value, 0)),
        settled=yuan(settled),
        held=yuan(sums.get(f"account:{Account.HELD.value}", 0)),
        withdrawn=yuan(sums.get(f"account:{Account.PAID_OUT.value}", 0)),
        withdrawable=yuan(settled + sums.get(f"account:{Account.WITHDRAWABLE.value}", 0)),
    )


def balance_of(session: Session, leader: str) -> Balance:
    return balances(session, [leader])[leader]


def entry_view(row: CommissionEntry) -> EntryView:
    return EntryView(
        leader=row.leader,
        level=row.level,
        kind=EntryKind(row.kind),
        state=EntryState(row.state),
        order_no=row.order_no,
        line_no=row.line_no,
        refund_no=row.refund_no or None,
        sku=row.sku,
        base=row.base,
        rate=of_bp(row.rate_bp),
        amount=row.amount,
        at=row.at,
        frozen_until=row.frozen_until,
        settled_at=row.settled_at,
    )


def list_entries(
    session: Session,
    *,
    leader: str | None = None,
    order_no: str | None = None,
    state: EntryState | None = None,
    limit: int = 100,
    after: int | None = None,
) -> tuple[list[EntryView], int | None]:
    """Entries newest first (by id), ``limit`` at a time; returns them and the ``after`` of the
    next page (None on the last)."""
    query = select(CommissionEntry).order_by(CommissionEntry.id.desc())
    if leader is not None:
        query = query.where(CommissionEntry.leader == leader)
    if order_no is not None:
        query = query.where(CommissionEntry.order_no == order_no)
    if state is not None:
        query = query.where(CommissionEntry.state == state.value)
    if after is not None:
        query = query.where(CommissionEntry.id < after)
    rows = list(session.scalars(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return [entry_view(r) for r in rows], (rows[-1].id if more and rows else None)


def skips_of(session: Session, order_nos: Collection[str] | None = None) -> list[SkipView]:
    query = select(CommissionSkip).order_by(CommissionSkip.id.desc())
    if order_nos is not None:
        query = query.where(CommissionSkip.order_no.in_(sorted(set(order_nos))))
    else:
        query = query.limit(200)
    return [SkipView(r.order_no, r.level, r.leader, r.reason, r.at) for r in session.scalars(query)]


# ---- statements ----------------------------------------------------------------------------


def month_bounds(month: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """``YYYY-MM`` → its [first instant, next month's first instant) in the brand's zone, UTC."""
    try:
        year, number = (int(part) for part in month.split("-"))
        start = datetime(year, number, 1, tzinfo=tz)
    except (TypeError, ValueError) as exc:
        raise CommissionRefused(f"月份应写作 YYYY-MM:{month} (a month is YYYY-MM)") from exc
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def _held_total(session: Session, leader: str, before: datetime) -> int:
    """The leader's balance (frozen + withdrawable + held) at ``before``: every entry up to
    then, less what was paid out."""
    entries = session.scalar(
        select(func.sum(AMOUNT)).where(
            CommissionEntry.leader == leader, CommissionEntry.at < before
        )
    )
    paid = session.scalar(
        select(func.sum(MOVED)).where(
            CommissionMovement.leader == leader,
            CommissionMovement.account == Account.PAID_OUT.value,
            CommissionMovement.at < before,
        )
    )
    return int(entries or 0) - int(paid or 0)


def statement(session: Session, leader: str, name: str, month: str, tz: ZoneInfo) -> Statement:
    """The leader's month: opening, earned, refunded before settlement, clawed back after,
    withdrawn (paid out), closing; and per order what it earned and lost in the month."""
    start, end = month_bounds(month, tz)
    opening = _held_total(session, leader, start)
    per_order: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for order_no, kind, total in session.execute(
        select(CommissionEntry.order_no, CommissionEntry.kind, func.sum(AMOUNT))
        .where(
            CommissionEntry.leader == leader,
            CommissionEntry.at >= start,
            CommissionEntry.at < end,
        )
        .group_by(CommissionEntry.order_no, CommissionEntry.kind)
    ):
        per_order[order_no][kind] += int(total or 0)
    paid = session.scalar(
        select(func.sum(MOVED)).where(
            CommissionMovement.leader == leader,
            CommissionMovement.account == Account.PAID_OUT.value,
            CommissionMovement.at >= start,
            CommissionMovement.at < end,
        )
    )
    withdrawn = int(paid or 0)
    totals = {kind: sum(o[kind.value] for o in per_order.values()) for kind in EntryKind}
    closing = opening + sum(totals.values()) - withdrawn
    return Statement(
        leader=leader,
        leader_name=name,
        month=month,
        opening=yuan(opening),
        earned=yuan(totals[EntryKind.EARNED]),
        refunded=yuan(totals[EntryKind.REFUNDED]),
        clawed_back=yuan(totals[EntryKind.CLAWED_BACK]),
        withdrawn=yuan(withdrawn),
        closing=yuan(closing),
        lines=tuple(
            StatementLine(
                order_no,
                yuan(kinds[EntryKind.EARNED.value]),
                yuan(kinds[EntryKind.REFUNDED.value]),
                yuan(kinds[EntryKind.CLAWED_BACK.value]),
            )
            for order_no, kinds in sorted(per_order.items())
        ),
    )


def leader_totals(session: Session, names: dict[str, str]) -> list[LeaderTotals]:
    """Every leader in the ledger with what it says of them, largest net commission first."""
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for leader, level, kind, total, base in session.execute(
        select(
            CommissionEntry.leader,
            CommissionEntry.level,
            CommissionEntry.kind,
            func.sum(AMOUNT),
            func.sum(BASE),
        ).group_by(CommissionEntry.leader, CommissionEntry.level, CommissionEntry.kind)
    ):
        sums[leader][kind] += int(total or 0)
        if level == 1:
            sums[leader]["sales"] += int(base or 0)
    orders = dict(
        session.execute(
            select(CommissionEntry.leader, func.count(func.distinct(CommissionEntry.order_no)))
            .where(CommissionEntry.level == 1, CommissionEntry.kind == EntryKind.EARNED.value)
            .group_by(CommissionEntry.leader)
        ).all()
    )
    found = balances(session, list(sums))
    rows = []
    for code, kinds in sums.items():
        balance = found[code]
        earned, refunded = kinds[EntryKind.EARNED.value], kinds[EntryKind.REFUNDED.value]
        clawed = kinds[EntryKind.CLAWED_BACK.value]
        rows.append(
            LeaderTotals(
                leader=code,
                name=names.get(code, code),
                orders=int(orders.get(code, 0)),
                sales=yuan(kinds["sales"]),
                earned=yuan(earned),
                refunded=yuan(refunded),
                clawed_back=yuan(clawed),
                net=yuan(earned + refunded + clawed),
                frozen=balance.frozen,
                settled=balance.settled,
                withdrawn=balance.withdrawn,
                withdrawable=balance.withdrawable,
            )
        )
    return sorted(rows, key=lambda r: (-r.net, r.leader))
