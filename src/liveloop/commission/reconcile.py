"""Reconciliation: proves the ledger matches the orders, to the fen.

For every order the ledger credited (or the orders named), each (line, level) that earned is
recomputed from commerce's order as it stands — the line's paid share by largest remainder,
the fraction of it every counted refund took back, the rate the rate book had in force when
the order was paid — and compared with the sum of that line and level's entries. Any
difference is listed; a balanced ledger has none. Independent of the posting path: it reads
neither the entries' bases nor their rates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from fractions import Fraction

from sqlalchemy import BigInteger, func, select, type_coerce
from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.commission.allocation import commission, yuan
from liveloop.commission.contracts import Difference, EntryKind, Reconciliation
from liveloop.commission.models import CommissionEntry
from liveloop.commission.posting import counted_refunds, line_shares, refunded_fractions
from liveloop.commission.rates import RateBook

CHUNK = 500


def reconcile(session: Session, order_nos: Collection[str] | None = None) -> Reconciliation:
    if order_nos is None:
        order_nos = list(
            session.scalars(select(CommissionEntry.order_no).distinct().order_by("order_no"))
        )
    numbers = sorted(set(order_nos))
    book = RateBook.load(session)
    amount = type_coerce(CommissionEntry.amount, BigInteger)
    differences: list[Difference] = []
    unknown: list[str] = []
    expected_total = posted_total = lines = 0
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start : start + CHUNK]
        posted: dict[tuple[str, int, int], int] = defaultdict(int)
        earning: set[tuple[str, int, int]] = set()
        for order_no, line_no, level, kind, total in session.execute(
            select(
                CommissionEntry.order_no,
                CommissionEntry.line_no,
                CommissionEntry.level,
                CommissionEntry.kind,
                func.sum(amount),
            )
            .where(CommissionEntry.order_no.in_(chunk))
            .group_by(
                CommissionEntry.order_no,
                CommissionEntry.line_no,
                CommissionEntry.level,
                CommissionEntry.kind,
            )
        ):
            posted[(order_no, line_no, level)] += int(total or 0)
            if kind == EntryKind.EARNED.value:
                earning.add((order_no, line_no, level))
        orders = commerce.orders_by_no(session, chunk)
        by_order: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for order_no, line_no, level in sorted(set(posted) | earning):
            by_order[order_no].append((line_no, level))
        for order_no, keys in by_order.items():
            order = orders.get(order_no)
            if order is None or order.paid_at is None:
                unknown.append(order_no)
                continue
            lines_by_no = {line.line_no: line for line in order.lines}
            shares = dict(zip(lines_by_no, line_shares(order), strict=True))
            taken = refunded_fractions(order, counted_refunds(order))
            for line_no, level in keys:
                key = (order_no, line_no, level)
                line = lines_by_no.get(line_no)
                expected = 0
                if key in earning and line is not None:
                    rate_bp = book.rate_bp(level, line.sku, line.category, order.paid_at) or 0
                    kept = 1 - taken.get(line_no, Fraction(0))
                    expected = commission(shares[line_no], rate_bp, kept)
                lines += 1
                expected_total += expected
                posted_total += posted[key]
                if posted[key] != expected:
                    differences.append(
                        Difference(order_no, line_no, level, yuan(expected), yuan(posted[key]))
                    )
    return Reconciliation(
        orders=len(numbers),
        lines=lines,
        expected=yuan(expected_total),
        posted=yuan(posted_total),
        differences=tuple(differences),
        unknown_orders=tuple(unknown),
    )
