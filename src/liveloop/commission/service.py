"""Commission facade: the operator's rates, the ledger's entries (posted from commerce's paid
orders and refunds), settlement after the after-sales window, balances, withdrawals, monthly
statements, reconciliation and the leaders' totals (docs/commission.md).

Reads and a leader's own commands take the caller as ``viewer``: a principal in the leader
role (resolved to its leader through community's ``username`` link) sees and asks only for its
own leader's commission — another leader's is "not found" to it, and a leader principal linked
to no leader sees nothing. ``viewer=None`` is the system itself (jobs, the demo, the CLI).

Other packages import this module, ``commission.events`` or ``commission.contracts`` only.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.commission import ledger, posting, rates, reconcile, withdrawals
from liveloop.commission.contracts import (
    Balance,
    EntryState,
    EntryView,
    LeaderTotals,
    RateScope,
    RateView,
    Reconciliation,
    SkipView,
    Statement,
    UnknownCommission,
    WithdrawalStatus,
    WithdrawalView,
)
from liveloop.commission.posting import Posted as Posted
from liveloop.commission.rates import RateBook as RateBook
from liveloop.community import service as community
from liveloop.community.contracts import CommunityError


def leader_of(session: Session, viewer: Principal | None) -> str | None:
    """The leader code a leader principal acts as (None for other roles and the system).
    A leader principal linked to no leader is refused: it sees nothing."""
    if viewer is None or viewer.role != Role.LEADER:
        return None
    own = community.list_leaders(session, viewer)
    if not own:
        raise UnknownCommission("该账号未关联团长 (this login is linked to no leader)")
    return own[0].code


def _leader(session: Session, code: str, viewer: Principal | None) -> community.LeaderView:
    """The leader ``code`` if the viewer may see them, else ``UnknownCommission``."""
    own = leader_of(session, viewer)
    if own is not None and own != code:
        raise UnknownCommission(f"团长 {code} 不存在 (no leader {code})")
    try:
        return community.get_leader(session, code)
    except CommunityError as exc:
        raise UnknownCommission(f"团长 {code} 不存在 (no leader {code})") from exc


# ---- rates ---------------------------------------------------------------------------------


def set_rate(
    session: Session,
    *,
    level: int,
    scope: RateScope,
    target: str | None,
    rate: Decimal,
    at: datetime,
    by: str,
    effective_from: datetime | None = None,
    note: str = "",
) -> RateView:
    """Put a rate in force (see ``commission.rates``): a third level, a rate outside
    [0, 0.3] or a back-dated one is refused with its reason."""
    return rates.set_rate(
        session,
        level=level,
        scope=scope,
        target=target,
        rate=rate,
        effective_from=effective_from,
        by=by,
        at=at,
        note=note,
    )


def list_rates(session: Session) -> list[RateView]:
    return rates.list_rates(session)


# ---- posting and settling ------------------------------------------------------------------


def post_paid(
    session: Session,
    order_nos: Collection[str],
    *,
    after_sales_days: int,
    at: datetime,
    rates: RateBook | None = None,
    leaders: Mapping[str, community.LeaderView] | None = None,
) -> Posted:
    """Post the commission of paid orders, set-wise and idempotently (``commission.posting``);
    frozen for ``after_sales_days`` after each was paid. A caller posting many batches may
    hand in the rate book and the leaders (``leader_directory``) it read once."""
    return posting.post_paid(
        session,
        order_nos,
        after_sales_days=after_sales_days,
        at=at,
        rates=rates,
        leaders=leaders,
    )


def leader_directory(session: Session) -> dict[str, community.LeaderView]:
    """Every leader by code, for ``post_paid``'s ``leaders``."""
    return {leader.code: leader for leader in community.list_leaders(session)}


def post_refunds(session: Session, refunds: Collection[tuple[str, str]], *, at: datetime) -> int:
    """Reduce (frozen) or claw back (settled) the commission of refunded lines; ``refunds``
    names each as (order_no, refund_no); idempotent."""
    return posting.post_refunds(session, refunds, at=at)


def settle_due(session: Session, now: datetime) -> int:
    """Settle every frozen entry whose after-sales window has closed."""
    return ledger.settle_due(session, now)


# ---- reading -------------------------------------------------------------------------------


def balance_of(session: Session, leader_code: str, viewer: Principal | None = None) -> Balance:
    """The leader's frozen, settled, held, withdrawn and withdrawable commission (the
    leader's portal reads this)."""
    _leader(session, leader_code, viewer)
    return ledger.balance_of(session, leader_code)


def balances(session: Session) -> dict[str, Balance]:
    """Every leader in the ledger's balance, by code."""
    return ledger.balances(session)


def entries_of(
    session: Session,
    leader_code: str,
    viewer: Principal | None = None,
    *,
    state: EntryState | None = None,
    limit: int = 100,
    after: int | None = None,
) -> tuple[list[EntryView], int | None]:
    """A leader's entries newest first, and the ``after`` of the next page."""
    _leader(session, leader_code, viewer)
    return ledger.list_entries(session, leader=leader_code, state=state, limit=limit, after=after)


def entries_of_order(session: Session, order_no: str) -> list[EntryView]:
    found, _ = ledger.list_entries(session, order_no=order_no, limit=1000)
    return found


def skips_of(session: Session, order_nos: Collection[str] | None = None) -> list[SkipView]:
    """Orders that earned nothing and why (the latest 200 when ``order_nos`` is None)."""
    return ledger.skips_of(session, order_nos)


def statement(
    session: Session, leader_code: str, month: str, tz: ZoneInfo, viewer: Principal | None = None
) -> Statement:
    """The leader's monthly statement (``YYYY-MM`` in the brand's zone ``tz``)."""
    leader = _leader(session, leader_code, viewer)
    return ledger.statement(session, leader_code, leader.name, month, tz)


def reconcile_orders(session: Session, order_nos: Collection[str] | None = None) -> Reconciliation:
    """The ledger against commerce's orders, per line and level, to the fen
    (``commission.reconcile``)."""
    return reconcile.reconcile(session, order_nos)


def leader_totals(session: Session) -> list[LeaderTotals]:
    """What the ledger says of every leader in it: the leaders report reads this."""
    names = {leader.code: leader.name for leader in community.list_leaders(session)}
    return ledger.leader_totals(session, names)


# ---- withdrawals ---------------------------------------------------------------------------


def request_withdrawal(
    session: Session,
    leader_code: str,
    *,
    amount: Decimal,
    request_id: str,
    by: str,
    at: datetime,
    viewer: Principal | None = None,
) -> WithdrawalView:
    """Ask to withdraw; at most the withdrawable balance now; the same ``request_id`` again
    answers the same withdrawal."""
    _leader(session, leader_code, viewer)
    return withdrawals.request(
        session, leader=leader_code, amount=amount, request_id=request_id, by=by, at=at
    )


def approve_withdrawal(
    session: Session, withdrawal_no: str, *, by: str, at: datetime
) -> WithdrawalView:
    return withdrawals.approve(session, withdrawal_no, by=by, at=at)


def pay_withdrawal(
    session: Session, withdrawal_no: str, *, by: str, at: datetime
) -> WithdrawalView:
    return withdrawals.pay(session, withdrawal_no, by=by, at=at)


def reject_withdrawal(
    session: Session, withdrawal_no: str, *, reason: str, by: str, at: datetime
) -> WithdrawalView:
    return withdrawals.reject(session, withdrawal_no, reason=reason, by=by, at=at)


def get_withdrawal(
    session: Session, withdrawal_no: str, viewer: Principal | None = None
) -> WithdrawalView:
    own = leader_of(session, viewer)
    return withdrawals.view(withdrawals.get(session, withdrawal_no, own))


def list_withdrawals(
    session: Session,
    viewer: Principal | None = None,
    *,
    leader: str | None = None,
    status: WithdrawalStatus | None = None,
    limit: int = 100,
) -> list[WithdrawalView]:
    try:
        own = leader_of(session, viewer)
    except UnknownCommission:
        return []  # a leader principal linked to no leader sees nothing
    if own is not None:
        if leader is not None and leader != own:
            return []
        leader = own
    return withdrawals.list_withdrawals(session, leader=leader, status=status, limit=limit)
