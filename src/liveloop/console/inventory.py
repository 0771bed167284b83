"""Console page 库存: the warehouses (where, zones, cut-off), stock by SKU and lot with expiry
dates (lots near expiry highlighted: less than a third of the shelf life left, or 30 days),
and the latest stock moves. Operators, admins and analysts read it."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from liveloop.access.contracts import Role
from liveloop.commerce import service as commerce
from liveloop.console.auth import ConsoleUser
from liveloop.inventory import service as inventory
from liveloop.inventory.contracts import MOVE_NAMES, ZONE_NAMES
from liveloop.web.deps import ReadSessionDep, RuntimeDep

router = APIRouter(include_in_schema=False)

ALLOWED = {Role.ADMIN, Role.OPERATOR, Role.ANALYST}
NEAR_DAYS = 30


@router.get("/console/inventory", response_class=HTMLResponse)
def inventory_page(
    request: Request, user: ConsoleUser, session: ReadSessionDep, runtime: RuntimeDep
) -> Response:
    from liveloop.console.routes import templates

    if user.principal.role not in ALLOWED:
        raise HTTPException(403, "只有运营、管理员和分析师可以查看库存")
    today = runtime.clock.now().astimezone(runtime.settings.tz).date()
    lots = inventory.list_lots(session, limit=1000)
    products = {p.sku: p for p in commerce.list_products(session, page_size=1000).rows}
    by_sku: dict[str, list[inventory.LotView]] = {}
    for lot in lots:
        by_sku.setdefault(lot.sku, []).append(lot)

    def near(lot: inventory.LotView) -> bool:
        product = products.get(lot.sku)
        third = (product.shelf_life_days // 3) if product else NEAR_DAYS
        return lot.expires_on - today <= timedelta(days=min(third, NEAR_DAYS))

    context = {
        "user": user,
        "page": "inventory",
        "warehouses": inventory.list_warehouses(session),
        "stock": sorted(by_sku.items()),
        "names": {sku: p.name for sku, p in products.items()},
        "near": near,
        "near_count": sum(1 for lot in lots if near(lot)),
        "moves": inventory.list_moves(session, limit=30),
        "zone_names": ZONE_NAMES,
        "move_names": MOVE_NAMES,
        "today": today,
        "tz": runtime.settings.tz,
    }
    return templates.TemplateResponse(request, "inventory.html", context)
