"""Inventory facade: warehouses, stock lots received and counted, an order's reservation in its
own transaction (FEFO; no oversell under concurrent buyers), its release and pick, goods
returned, the moves ledger and its reconciliation, and routing an order to warehouses and
carriers (the pure core is ``inventory.routing``, re-exported here).

Inventory knows products by SKU code only; what it needs of them (a name for a refusal, the
shelf life a lot must still have, the cold class) comes in as arguments. Other packages import
this module, ``inventory.events`` or ``inventory.contracts`` only.
"""

from __future__ import annotations

from liveloop.inventory.planning import depots as depots
from liveloop.inventory.planning import route_lines as route_lines
from liveloop.inventory.reservations import pick as pick
from liveloop.inventory.reservations import put_back as put_back
from liveloop.inventory.reservations import release as release
from liveloop.inventory.reservations import reservation_of as reservation_of
from liveloop.inventory.reservations import reserve as reserve
from liveloop.inventory.routing import DEFAULT_CARRIERS as DEFAULT_CARRIERS
from liveloop.inventory.routing import CarrierRule as CarrierRule
from liveloop.inventory.routing import Depot as Depot
from liveloop.inventory.routing import Destination as Destination
from liveloop.inventory.routing import RouteLine as RouteLine
from liveloop.inventory.routing import RoutePlan as RoutePlan
from liveloop.inventory.routing import Router as Router
from liveloop.inventory.routing import Shipment as Shipment
from liveloop.inventory.routing import haversine_km as haversine_km
from liveloop.inventory.routing import route as route
from liveloop.inventory.stock import Discrepancy as Discrepancy
from liveloop.inventory.stock import LotView as LotView
from liveloop.inventory.stock import Moved as Moved
from liveloop.inventory.stock import MoveView as MoveView
from liveloop.inventory.stock import ReceiptLine as ReceiptLine
from liveloop.inventory.stock import WarehouseSpec as WarehouseSpec
from liveloop.inventory.stock import WarehouseView as WarehouseView
from liveloop.inventory.stock import adjust as adjust
from liveloop.inventory.stock import available as available
from liveloop.inventory.stock import list_lots as list_lots
from liveloop.inventory.stock import list_moves as list_moves
from liveloop.inventory.stock import list_warehouses as list_warehouses
from liveloop.inventory.stock import put_warehouse as put_warehouse
from liveloop.inventory.stock import receive as receive
from liveloop.inventory.stock import reconcile as reconcile
from liveloop.inventory.stock import tracked as tracked

SOURCE = "inventory"
