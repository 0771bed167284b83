"""A little shop for the loyalty tests: people, paid orders and refunds as the event log tells
them, and the consumers and calendar task run as a worker would."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import update

from liveloop import spec
from liveloop.commerce.events import OrderedProduct, order_completed
from liveloop.identity import jobs as identity_jobs
from liveloop.loyalty import jobs as loyalty_jobs
from liveloop.loyalty import service as loyalty
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.runtime import Runtime
from liveloop.store.consumers import ConsumerCursor
from liveloop.store.engine import transaction
from liveloop.store.eventlog import emit


class Shop:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        identity_jobs.register(runtime)
        loyalty_jobs.register(runtime)

    @property
    def now(self) -> datetime:
        return self.runtime.clock.now()

    def person(self, name: str) -> int:
        with transaction(self.runtime.sessions) as session:
            return create_customer(session, NewCustomer(name=name), self.now, "test")

    def paid(
        self, person: int, order_no: str, total: str, *, message_id: str | None = None
    ) -> None:
        """An order paid now (commerce's ``Order Completed``; another ``message_id`` is the same
        order told again, as an SDK's copy of it would be)."""
        with transaction(self.runtime.sessions) as session:
            if message_id is None:
                order_completed(
                    session,
                    at=self.now,
                    source="test",
                    order_no=order_no,
                    customer_id=person,
                    total=Decimal(total),
                    discount=Decimal("0"),
                    channel="mini_program",
                    products=[OrderedProduct("SOY-500", 1, Decimal(total), "调味品")],
                )
            else:
                emit(
                    session,
                    spec.ORDER_COMPLETED,
                    at=self.now,
                    source="sdk",
                    message_id=message_id,
                    customer_id=person,
                    properties={"order_id": order_no, "total": total},
                )
        self.work()

    def refunded(
        self,
        person: int,
        order_no: str,
        *,
        amount: str | None = None,
        refund_no: str | None = None,
        total: str | None = None,
        full: bool | None = None,
    ) -> None:
        """``Order Refunded``: with only ``total``, as commerce states it today (the whole
        order); with ``refund_no`` and ``amount``, as the order state machine does."""
        properties: dict[str, object] = {"order_id": order_no}
        if total is not None:
            properties["total"] = total
        if amount is not None:
            properties["amount"] = amount
        if refund_no is not None:
            properties["refund_no"] = refund_no
        if full is not None:
            properties["full"] = full
        with transaction(self.runtime.sessions) as session:
            emit(
                session,
                spec.ORDER_REFUNDED,
                at=self.now,
                source="test",
                message_id=f"refund:{refund_no or order_no}",
                customer_id=person,
                properties=properties,
            )
        self.work()

    def did(self, person: int, name: str, message_id: str, **properties: object) -> None:
        with transaction(self.runtime.sessions) as session:
            emit(
                session,
                name,
                at=self.now,
                source="test",
                message_id=message_id,
                customer_id=person,
                properties=properties,
            )

    def work(self) -> None:
        self.runtime.consumers.run_until_idle(self.runtime.sessions, self.runtime.clock)

    def later(self, **delta: float) -> None:
        """Time passes, and the worker's periodic tasks run."""
        self.runtime.clock.advance(**delta)  # type: ignore[attr-defined]
        self.work()
        for task in self.runtime.tasks:
            task.run(self.runtime.sessions, self.runtime.clock)

    def replay_log(self) -> None:
        """Run the loyalty consumer over the whole event log again."""
        with transaction(self.runtime.sessions) as session:
            session.execute(
                update(ConsumerCursor).where(ConsumerCursor.name == "loyalty").values(position=0)
            )
        self.work()

    def member(self, person: int) -> loyalty.MemberView:
        with transaction(self.runtime.read_sessions) as session:
            view = loyalty.member_of(session, person, self.now)
        assert view is not None
        return view

    def spend(self, person: int, points: int, key: str, order_no: str | None = None):
        with transaction(self.runtime.sessions) as session:
            return loyalty.spend_points(
                session,
                customer_id=person,
                points=points,
                source_key=key,
                at=self.now,
                order_no=order_no,
            )

    def reconcile(self) -> loyalty.Reconciliation:
        with transaction(self.runtime.read_sessions) as session:
            return loyalty.reconcile(session)

    def ledger(self, person: int) -> list[loyalty.LedgerLine]:
        with transaction(self.runtime.read_sessions) as session:
            return loyalty.ledger_of(session, person).rows
