"""Console page 商品 (products): the catalog searched by name, SKU, SPU or category and paged;
one SKU with the other 规格 of its product, where it is sold and in which months, and a 上架 /
下架 switch; the import form (CSV or Excel) that answers with how many rows landed and, for the
rows refused, a table and a rejects file to download (行号, 列, 原因 and the row as it was).

Everyone who sells reads it (operators, guides, hosts, analysts); operators and admins import
and switch SKUs on and off sale."""

from __future__ import annotations

import base64
import tempfile
from functools import partial
from pathlib import Path
from typing import Annotated

import anyio
from fastapi import APIRouter, HTTPException, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from liveloop.access.contracts import Role
from liveloop.access.service import ConsoleLogin
from liveloop.commerce import service as commerce
from liveloop.console.auth import ConsoleUser, check_csrf
from liveloop.ingest.service import ImportFileError, ProductImportReport, import_products
from liveloop.store.engine import transaction
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep

router = APIRouter(include_in_schema=False)

READERS = {Role.ADMIN, Role.OPERATOR, Role.GUIDE, Role.HOST, Role.ANALYST}
EDITORS = {Role.ADMIN, Role.OPERATOR}
PAGE_SIZE = 50
MAX_UPLOAD = 10 * 1024 * 1024
REJECTS_SHOWN = 100
SEASONS = {"peak": "旺季", "on_sale": "在售", "off": "非当季"}
Sku = Annotated[str, PathParam(max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")]


def _reader(user: ConsoleLogin) -> bool:
    """Whether the user may also edit; 403 when they may not even read."""
    if user.principal.role not in READERS:
        raise HTTPException(403, "无权查看商品")
    return user.principal.role in EDITORS


def months(values: tuple[int, ...] | None) -> str:
    """(1, 2, 3, 11, 12) → 1-3、11-12月; None → 全年."""
    if values is None:
        return "全年"
    if not values:
        return "—"
    runs: list[list[int]] = []
    for month in sorted(values):
        if runs and month == runs[-1][-1] + 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    return "、".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs) + "月"


def _list_page(
    request: Request,
    user: ConsoleLogin,
    session: ReadSessionDep | SessionDep,
    runtime: RuntimeDep,
    *,
    q: str = "",
    category: str = "",
    page: int = 1,
    imported: ProductImportReport | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    from liveloop.console.routes import templates

    editor = _reader(user)
    found = commerce.list_products(
        session, q=q or None, category=category or None, page=page, page_size=PAGE_SIZE
    )
    context = {
        "user": user,
        "page": "products",
        "found": found,
        "pages": max(1, -(-found.total // PAGE_SIZE)),
        "q": q,
        "category": category,
        "categories": commerce.categories(session),
        "editor": editor,
        "months": months,
        "month": runtime.clock.now().astimezone(runtime.settings.tz).month,
        "seasons": SEASONS,
        "imported": imported,
        "rejects_shown": REJECTS_SHOWN,
        "rejects_href": _rejects_href(imported),
        "error": error,
    }
    return templates.TemplateResponse(request, "products.html", context, status_code=status)


def _rejects_href(report: ProductImportReport | None) -> str | None:
    """The rejects file as a link the browser downloads: the answer carries it, so no file of
    the operator's stays behind on the server."""
    if report is None or not report.rejects_csv:
        return None
    return "data:text/csv;charset=utf-8;base64," + base64.b64encode(report.rejects_csv).decode()


@router.get("/console/products", response_class=HTMLResponse)
def products_page(
    request: Request,
    user: ConsoleUser,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    q: Annotated[str, Query(max_length=64)] = "",
    category: Annotated[str, Query(max_length=32)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    return _list_page(request, user, session, runtime, q=q, category=category, page=page)


@router.get("/console/products/{sku}", response_class=HTMLResponse)
def product_page(
    request: Request, user: ConsoleUser, session: ReadSessionDep, runtime: RuntimeDep, sku: Sku
) -> Response:
    from liveloop.console.routes import templates

    editor = _reader(user)
    try:
        detail = commerce.get_product(session, sku)
    except commerce.UnknownProduct:
        raise HTTPException(404, f"没有商品 {sku}") from None
    context = {
        "user": user,
        "page": "products",
        "detail": detail,
        "p": detail.product,
        "editor": editor,
        "months": months,
        "seasons": SEASONS,
        "calendar": [(m, SEASONS[detail.product.season(m)]) for m in range(1, 13)],
        "tz": runtime.settings.tz,
    }
    return templates.TemplateResponse(request, "product.html", context)


@router.post("/console/products/{sku}/{switch}")
async def switch_sale(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
    sku: Sku,
    switch: Annotated[str, PathParam(pattern=r"^(activate|deactivate)$")],
) -> Response:
    if not _reader(user):
        raise HTTPException(403, "只有运营和管理员可以上架或下架商品")
    await check_csrf(request, user.csrf_token)
    change = commerce.activate_product if switch == "activate" else commerce.deactivate_product
    try:
        change(session, sku, runtime.clock.now())
    except commerce.UnknownProduct:
        raise HTTPException(404, f"没有商品 {sku}") from None
    return RedirectResponse(f"/console/products/{sku}", status_code=303)


@router.post("/console/products/import", response_class=HTMLResponse)
async def import_file(
    request: Request,
    user: ConsoleUser,
    runtime: RuntimeDep,
    file: UploadFile | None = None,
) -> Response:
    if not _reader(user):
        raise HTTPException(403, "只有运营和管理员可以导入商品")
    await check_csrf(request, user.csrf_token)
    report, error, status = await _import(runtime, file)
    # A read begun after the import committed, so the list shows what landed.
    with transaction(runtime.read_sessions) as session:
        return _list_page(
            request, user, session, runtime, imported=report, error=error, status=status
        )


async def _import(
    runtime: RuntimeDep, file: UploadFile | None
) -> tuple[ProductImportReport | None, str | None, int]:
    if file is None:
        return None, "请选择要导入的商品文件", 400
    name = Path(file.filename or "products.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        return None, "请上传 .csv 或 .xlsx 文件", 400
    body = await file.read(MAX_UPLOAD + 1)
    if len(body) > MAX_UPLOAD:
        return None, "文件超过 10 MB,请拆分后导入", 413
    with tempfile.TemporaryDirectory(prefix="liveloop-import-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(body)
        try:
            # Off the event loop: a large file takes a while and must not stall other pages.
            report = await anyio.to_thread.run_sync(
                partial(import_products, write_rejects=False),
                runtime.sessions,
                path,
                runtime.clock.now(),
            )
        except ImportFileError as exc:
            return None, str(exc).replace(path.name, name), 400
    return report, None, 200
