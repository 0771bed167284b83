"""Posting the ledger, set-wise: a paid order's lines earn their commission, a refund reduces
or claws it back.

``post_paid`` takes any number of orders: one read of the orders through commerce's facade,
the leaders through community's, the rates once, then every entry in multi-row INSERTs with
ON CONFLICT DO NOTHING on (order_no, line_no, level, refund_no) — a replayed payment (the same
callback, the event read again after a crash) finds its rows and adds none. ``post_refunds``
the same for refunds.

Who earns: the order's ``leader`` (the column, or the ``leader`` attribute an import or the
simulator wrote), else the leader the buyer is bound to when the payment is posted
(``community.service.binding_of``), at level 1; the leader who recruited them at level 2 —
never further. A leader who is unknown, not approved or disabled earns nothing; neither does
the recruiter on their sales; the reason is kept in ``commission_skips``. An order through no
leader is not a community order and leaves no trace.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import BigInteger, select, type_coerce
from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.commerce.contracts import RefundStatus
from liveloop.commission.allocation import commission, fen, half_up, paid_shares, yuan
from liveloop.commission.contracts import EntryKind, EntryState, Level
from liveloop.commission.models import CommissionEntry, CommissionSkip
from liveloop.commission.rates import RateBook
from liveloop.community import service as community
from liveloop.community.contracts import CommunityError, LeaderStatus
from liveloop.store.engine import dialect_insert

ENTRY_KEY = ["order_no", "line_no", "level", "refund_no"]


@dataclass(frozen=True)
class Posted:
    orders: int  # orders looked at
    entries: int  # entries written now (0 on a replay)
    skipped: int  # (order, level) pairs that earned nothing, recorded with the reason


class Leaders:
    """Community's leaders as this posting needs them, each read once."""

    def __init__(
        self, session: Session, known: Mapping[str, community.LeaderView] | None = None
    ) -> None:
        self.session = session
        self.known: dict[str, community.LeaderView | None] = dict(known or {})

    def get(self, code: str) -> community.LeaderView | None:
        if code not in self.known:
            try:
                self.known[code] = community.get_leader(self.session, code)
            except CommunityError:
                self.known[code] = None
        return self.known[code]

    def refusal(self, code: str) -> str | None:
        """Why ``code`` earns nothing, or None when it earns."""
        leader = self.get(code)
        if leader is None:
            return f"团长 {code} 不存在 (no leader {code})"
        if leader.status == LeaderStatus.DISABLED:
            return f"团长 {code} 已停用 (the leader is disabled)"
        if leader.status != LeaderStatus.APPROVED:
            return f"团长 {code} 未通过审核 (the leader is not approved)"
        return None


def leader_of(session: Session, order: commerce.OrderView) -> str | None:
    code = order.leader or (order.attributes or {}).get("leader")
    if code:
        return str(code)
    bound = community.binding_of(session, order.customer_id)
    return bound.leader if bound is not None else None


def _insert(session: Session, model: Any, rows: Sequence[dict[str, Any]], key: list[str]) -> int:
    """INSERT … ON CONFLICT DO NOTHING of every row; returns the rows written. One Core
    statement, compiled once and sent as multi-row INSERTs (SQLAlchemy's "insertmanyvalues":
    RETURNING batches the rows into INSERT … VALUES (…), (…) of up to 1,000 rows, and counts
    what was written — a driver's rowcount is not reliable for this)."""
    if not rows:
        return 0
    table = model.__table__
    statement = (
        dialect_insert(session)(table)
        .on_conflict_do_nothing(index_elements=key)
        .returning(table.c.id)
    )
    return len(session.connection().execute(statement, list(rows)).all())


def post_paid(
    session: Session,
    order_nos: Collection[str],
    *,
    after_sales_days: int,
    at: datetime,
    rates: RateBook | None = None,
    leaders: Mapping[str, community.LeaderView] | None = None,
) -> Posted:
    """Post the commission of the paid orders of ``order_nos``; idempotent. Refunds the
    orders already have are applied at once (a refund read before its payment is not lost).
    ``rates`` and ``leaders`` (by code) may be handed in by a caller posting many batches;
    by default both are read here."""
    orders = commerce.orders_by_no(session, order_nos)
    book = rates or RateBook.load(session)
    directory = Leaders(session, leaders)
    entries: list[dict[str, Any]] = []
    skips: list[dict[str, Any]] = []
    refunded: list[commerce.OrderView] = []
    for order in orders.values():
        if order.paid_at is None:
            continue
        code = leader_of(session, order)
        if code is None:
            continue
        earners: list[tuple[Level, str]] = []
        refusal = directory.refusal(code)
        if refusal is not None:
            skips.append(_skip(order, Level.OWN, code, refusal, at))
        else:
            earners.append((Level.OWN, code))
            own = directory.get(code)
            recruiter = own.recruited_by if own is not None else None
            if recruiter:
                refusal = directory.refusal(recruiter)
                if refusal is None:
                    earners.append((Level.OVERRIDE, recruiter))
                else:
                    skips.append(_skip(order, Level.OVERRIDE, recruiter, refusal, at))
        if not earners:
            continue
        entries.extend(_earned(order, earners, book, after_sales_days, at))
        if any(r.status != RefundStatus.FAILED for r in order.refunds):
            refunded.append(order)
    written = _insert(session, CommissionEntry, entries, ENTRY_KEY)
    _insert(session, CommissionSkip, skips, ["order_no", "level"])
    if refunded:
        written += _post_order_refunds(
            session, refunded, {r.refund_no for o in refunded for r in o.refunds}, at
        )
    return Posted(len(orders), written, len(skips))


def _skip(
    order: commerce.OrderView, level: Level, code: str, reason: str, at: datetime
) -> dict[str, Any]:
    return {
        "order_no": order.order_no,
        "level": int(level),
        "leader": code[:16],
        "reason": reason[:200],
        "at": at,
    }


def line_shares(order: commerce.OrderView) -> list[int]:
    """The order's lines' paid shares in fen (largest remainder, summing to the total)."""
    return paid_shares([fen(line.amount) for line in order.lines], fen(order.total))


def _earned(
    order: commerce.OrderView,
    earners: Iterable[tuple[Level, str]],
    book: RateBook,
    after_sales_days: int,
    at: datetime,
) -> Iterable[dict[str, Any]]:
    paid_at = order.paid_at
    if paid_at is None:
        return
    frozen_until = paid_at + timedelta(days=after_sales_days)
    shares = line_shares(order)
    for level, code in earners:
        for line, share in zip(order.lines, shares, strict=True):
            rate_bp = book.rate_bp(int(level), line.sku, line.category, paid_at)
            if not rate_bp:
                continue
            yield {
                "leader": code,
                "level": int(level),
                "kind": EntryKind.EARNED.value,
                "state": EntryState.FROZEN.value,
                "order_no": order.order_no,
                "line_no": line.line_no,
                "refund_no": "",
                "sku": line.sku,
                "base": yuan(share),
                "rate_bp": rate_bp,
                "amount": yuan(commission(share, rate_bp)),
                "at": paid_at,
                "frozen_until": frozen_until,
                "settled_at": None,
                "posted_at": at,
            }


# ---- refunds --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Earned:
    """An earning as a refund needs it."""

    leader: str
    level: int
    line_no: int
    sku: str
    base: int  # fen
    rate_bp: int
    state: str
    frozen_until: datetime


def earned_of(session: Session, order_nos: Collection[str]) -> dict[str, list[Earned]]:
    found: dict[str, list[Earned]] = defaultdict(list)
    numbers = sorted(set(order_nos))
    for start in range(0, len(numbers), 900):
        for row in session.execute(
            select(
                CommissionEntry.order_no,
                CommissionEntry.leader,
                CommissionEntry.level,
                CommissionEntry.line_no,
                CommissionEntry.sku,
                type_coerce(CommissionEntry.base, BigInteger),
                CommissionEntry.rate_bp,
                CommissionEntry.state,
                CommissionEntry.frozen_until,
            ).where(
                CommissionEntry.order_no.in_(numbers[start : start + 900]),
                CommissionEntry.kind == EntryKind.EARNED.value,
            )
        ):
            found[row[0]].append(Earned(*row[1:]))
    return found


def counted_refunds(order: commerce.OrderView) -> list[commerce.RefundView]:
    """The order's refunds that take money back (not failed), in the order they were asked."""
    return sorted(
        (r for r in order.refunds if r.status != RefundStatus.FAILED),
        key=lambda r: (r.requested_at, r.refund_no),
    )


def refunded_fractions(
    order: commerce.OrderView, refunds: Sequence[commerce.RefundView]
) -> dict[int, Fraction]:
    """How much of each line ``refunds`` took back, as a fraction of the line: a refund naming
    lines takes its amount of each named line's paid share (commerce's); a refund by amount
    alone takes that share of every line (amount ÷ the order's total)."""
    shares = {line.line_no: fen(line.paid_amount) for line in order.lines}
    total = fen(order.total)
    taken: dict[int, Fraction] = defaultdict(Fraction)
    for refund in refunds:
        if refund.lines:
            for line in refund.lines:
                share = shares.get(line.line_no, 0)
                taken[line.line_no] += Fraction(fen(line.amount), share) if share else Fraction(1)
        else:
            for line_no in shares:
                taken[line_no] += Fraction(fen(refund.amount), total) if total else Fraction(1)
    return {line_no: min(part, Fraction(1)) for line_no, part in taken.items()}


def post_refunds(session: Session, refunds: Collection[tuple[str, str]], *, at: datetime) -> int:
    """Post the refunds ``refunds`` names as (order_no, refund_no) — what ``Order Refunded``
    carries — against the commission of their orders: one read of the orders (their refunds
    come with them), one of their earnings, one multi-row INSERT. Returns the entries written
    (0 on a replay, or for an order that earned nothing)."""
    if not refunds:
        return 0
    orders = commerce.orders_by_no(session, {order_no for order_no, _ in refunds})
    numbers = {refund_no for _, refund_no in refunds}
    return _post_order_refunds(session, list(orders.values()), numbers, at)


def _post_order_refunds(
    session: Session, orders: Sequence[commerce.OrderView], refund_nos: set[str], at: datetime
) -> int:
    earned = earned_of(session, [o.order_no for o in orders])
    rows: list[dict[str, Any]] = []
    for order in orders:
        entries = earned.get(order.order_no)
        if not entries:
            continue
        sequence = counted_refunds(order)
        for k, refund in enumerate(sequence):
            if refund.refund_no in refund_nos:
                rows.extend(_adjustments(order, entries, sequence, k, at))
    return _insert(session, CommissionEntry, rows, ENTRY_KEY)


def _adjustments(
    order: commerce.OrderView,
    entries: Sequence[Earned],
    sequence: Sequence[commerce.RefundView],
    k: int,
    at: datetime,
) -> Iterable[dict[str, Any]]:
    """The ``k``-th refund's entries: each line's figure after it less its figure before."""
    refund = sequence[k]
    before = refunded_fractions(order, sequence[:k])
    after = refunded_fractions(order, sequence[: k + 1])
    for entry in entries:
        was, now = before.get(entry.line_no, Fraction(0)), after.get(entry.line_no, Fraction(0))
        delta = commission(entry.base, entry.rate_bp, 1 - now) - commission(
            entry.base, entry.rate_bp, 1 - was
        )
        if delta == 0:
            continue
        settled = entry.state == EntryState.SETTLED.value
        yield {
            "leader": entry.leader,
            "level": entry.level,
            "kind": (EntryKind.CLAWED_BACK if settled else EntryKind.REFUNDED).value,
            "state": entry.state,
            "order_no": order.order_no,
            "line_no": entry.line_no,
            "refund_no": refund.refund_no,
            "sku": entry.sku,
            "base": yuan(-half_up(entry.base * (now - was))),
            "rate_bp": entry.rate_bp,
            "amount": yuan(delta),
            "at": refund.requested_at,
            "frozen_until": entry.frozen_until,
            "settled_at": at if settled else None,
            "posted_at": at,
        }
