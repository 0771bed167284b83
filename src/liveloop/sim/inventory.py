"""The demo brand's warehouses and stock: 华东仓 (上海: 常温, 冷藏, 冷冻), 华南仓 (广州: 常温,
冷藏) and 华北仓 (北京: 常温), and lots of every catalog SKU received through
``inventory.service`` with realistic production and expiry dates — ample main lots (the
running demo show and later orders are never short), plus a few small lots close to expiry
for the 库存 page's near-expiry highlight (the third-of-shelf-life rule keeps them from orders).

Planted after the simulated order flows (live shows, group-buys, subscriptions): those orders
were placed while the SKUs were untracked, so none of them is refused for stock."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from liveloop.inventory import service as inventory
from liveloop.inventory.contracts import Zone
from liveloop.sim.catalog import CATALOG

SOURCE = "演示仓库"
WAREHOUSES = (
    inventory.WarehouseSpec(
        "EC-SH",
        "华东仓",
        "上海",
        "上海",
        Decimal("31.230400"),
        Decimal("121.473700"),
        (Zone.AMBIENT, Zone.CHILLED, Zone.FROZEN),
    ),
    inventory.WarehouseSpec(
        "SC-GZ",
        "华南仓",
        "广东",
        "广州",
        Decimal("23.129100"),
        Decimal("113.264400"),
        (Zone.AMBIENT, Zone.CHILLED),
    ),
    inventory.WarehouseSpec(
        "NC-BJ",
        "华北仓",
        "北京",
        "北京",
        Decimal("39.904200"),
        Decimal("116.407400"),
        (Zone.AMBIENT,),
    ),
)
MAIN_UNITS = 3000  # per SKU per warehouse: the demo show and later orders never run short
FROZEN = {"BEEF-BRISKET", "PORK-BELLY"}  # 冷冻 ≤ −18 °C; other cold-chain SKUs are 冷藏


def plant(session: Session, now: datetime, tz: ZoneInfo) -> int:
    """The warehouses and their lots; returns how many lots were received."""
    today = now.astimezone(tz).date()
    for spec in WAREHOUSES:
        inventory.put_warehouse(session, spec, at=now)
    received = 0
    for n, sku in enumerate(CATALOG):
        zone = (
            Zone.FROZEN if sku.sku in FROZEN else Zone.CHILLED if sku.cold_chain else Zone.AMBIENT
        )
        homes = [w.code for w in WAREHOUSES if zone in w.zones]
        if sku.pool == "south":
            homes = [h for h in homes if h != "NC-BJ"]
        elif sku.pool == "north":
            homes = [h for h in homes if h != "SC-GZ"]
        shelf = sku.shelf_life_days
        for home in homes:
            # The main lot: produced a little while ago (a tenth of the shelf life, at least a day).
            made = today - timedelta(days=max(1, shelf // 10))
            lots = [(f"{made:%Y%m%d}-{home[-2:]}", made, MAIN_UNITS)]
            if n % 4 == 0 and shelf >= 7:
                # An older lot near its end: under a third of its shelf life left (临期).
                old = today - timedelta(days=shelf - max(1, shelf // 8))
                lots.append((f"{old:%Y%m%d}-{home[-2:]}", old, 12 + n))
            for lot_no, produced, units in lots:
                inventory.receive(
                    session,
                    inventory.ReceiptLine(
                        f"DEMO-RK-{home}-{lot_no}",
                        home,
                        sku.sku,
                        lot_no,
                        zone,
                        produced,
                        produced + timedelta(days=shelf),
                        units,
                    ),
                    at=now,
                    by=SOURCE,
                    source=SOURCE,
                )
                received += 1
    return received
