"""A store with three warehouses (华东仓 上海: chilled + frozen + ambient, 华南仓 广州: ambient +
chilled, 华北仓 北京: ambient), rice and milk SKUs in the catalog, and helpers to receive lots
and place orders through the real services."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from liveloop.clock import ManualClock
from liveloop.commerce import service as commerce
from liveloop.inventory import service as inventory
from liveloop.inventory.contracts import Zone
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction

RICE, MILK = "RICE-JING-5KG", "MILK-WEEK-7"
WAREHOUSES = (
    inventory.WarehouseSpec(
        "SH",
        "华东仓",
        "上海",
        "上海",
        Decimal("31.2304"),
        Decimal("121.4737"),
        (Zone.AMBIENT, Zone.CHILLED, Zone.FROZEN),
    ),
    inventory.WarehouseSpec(
        "GZ",
        "华南仓",
        "广东",
        "广州",
        Decimal("23.1291"),
        Decimal("113.2644"),
        (Zone.AMBIENT, Zone.CHILLED),
    ),
    inventory.WarehouseSpec(
        "BJ", "华北仓", "北京", "北京", Decimal("39.9042"), Decimal("116.4074"), (Zone.AMBIENT,)
    ),
)


@dataclass
class Stockroom:
    runtime: Runtime
    clock: ManualClock
    receipts: int = 0
    orders: int = 0

    def receive(
        self,
        warehouse: str,
        sku: str,
        lot_no: str,
        quantity: int,
        *,
        expires_in: int = 300,
        zone: Zone = Zone.AMBIENT,
        receipt_no: str | None = None,
    ) -> inventory.Moved:
        self.receipts += 1
        today = self.clock.now().date()
        line = inventory.ReceiptLine(
            receipt_no or f"RK{self.receipts:04d}",
            warehouse,
            sku,
            lot_no,
            zone,
            today - timedelta(days=10),
            today + timedelta(days=expires_in),
            quantity,
        )
        with transaction(self.runtime.sessions) as session:
            return inventory.receive(session, line, at=self.clock.now(), by="test", source="test")

    def person(self, name: str = "买家") -> int:
        with transaction(self.runtime.sessions) as session:
            return create_customer(session, NewCustomer(name=name), self.clock.now(), "test")

    def place(
        self, sku: str, quantity: int, *, buyer: int | None = None, order_no: str | None = None
    ):
        self.orders += 1
        request = commerce.OrderRequest(
            order_no=order_no or f"INV{self.orders:05d}",
            customer_id=buyer if buyer is not None else self.person(),
            lines=(commerce.OrderLine(sku, quantity),),
            channel="mini_program",
        )
        with transaction(self.runtime.sessions) as session:
            return commerce.place_order(session, request, at=self.clock.now(), source="test")

    def lots(self, sku: str) -> list[inventory.LotView]:
        with transaction(self.runtime.read_sessions) as session:
            return inventory.list_lots(session, sku=sku, with_empty=True)

    def reconcile(self) -> list[inventory.Discrepancy]:
        with transaction(self.runtime.read_sessions) as session:
            return inventory.reconcile(session)

    @property
    def today(self) -> date:
        return self.clock.now().date()


def make_stockroom(runtime: Runtime, clock: ManualClock) -> Stockroom:
    with transaction(runtime.sessions) as session:
        now = clock.now()
        commerce.upsert_product(
            session,
            commerce.ProductSpec(RICE, "五常大米 5kg", "大米杂粮", Decimal("89.90"), 365),
            now,
        )
        commerce.upsert_product(
            session,
            commerce.ProductSpec(
                MILK, "鲜牛奶周卡 7瓶", "乳品", Decimal("49.90"), 7, cold_chain=True
            ),
            now,
        )
        commerce.upsert_product(
            session,
            commerce.ProductSpec("OAT-1KG", "有机燕麦片 1kg", "大米杂粮", Decimal("45.80"), 300),
            now,
        )
        for spec in WAREHOUSES:
            inventory.put_warehouse(session, spec, at=now)
    return Stockroom(runtime, clock)


@pytest.fixture
def stockroom(runtime, clock) -> Stockroom:
    return make_stockroom(runtime, clock)


@pytest.fixture
def store_stockroom(store_runtime, clock) -> Iterator[Stockroom]:
    yield make_stockroom(store_runtime, clock)
