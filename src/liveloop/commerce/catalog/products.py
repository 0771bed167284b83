"""Products and SKUs: create, change, read, list and search, take off sale; where a SKU may be
sold (its regional pool) and when (its months on sale and peak months).

A SKU is the unit that is priced, stocked and ordered; a product (SPU, ``spu``) groups the SKUs
that are one thing in several 规格 (``spec``: 5kg / 10kg). Every write goes through ``problems``,
which names each field that cannot be stored, so the API answers 422 with every field at once
and the import rejects a row naming its columns; nothing is written for a refused draft.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from liveloop.commerce.catalog.errors import ProductConflict, ProductRefused, UnknownProduct
from liveloop.commerce.catalog.models import RegionalPool
from liveloop.commerce.models import Product
from liveloop.store.base import to_money

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_PRICE = Decimal("1000000")
MAX_SHELF_LIFE_DAYS = 3650
MAX_PAGE_SIZE = 200
EDITABLE = (
    "name",
    "category",
    "price",
    "shelf_life_days",
    "cold_chain",
    "spu",
    "spec",
    "pool",
    "months_on_sale",
    "peak_months",
    "active",
)


@dataclass(frozen=True)
class ProductDraft:
    """A SKU as it is to be stored. ``months_on_sale`` None: on sale all year."""

    sku: str
    name: str
    category: str
    price: Decimal
    shelf_life_days: int
    cold_chain: bool = False
    spu: str | None = None
    spec: str | None = None
    pool: str | None = None
    months_on_sale: tuple[int, ...] | None = None
    peak_months: tuple[int, ...] = ()
    active: bool = True


@dataclass(frozen=True)
class ProductView:
    sku: str
    name: str
    category: str
    price: Decimal
    shelf_life_days: int
    cold_chain: bool
    spu: str | None
    spec: str | None
    pool: str | None
    pool_label: str | None
    # The provinces it may be sold in; empty: nationwide.
    provinces: tuple[str, ...]
    months_on_sale: tuple[int, ...] | None
    peak_months: tuple[int, ...]
    active: bool
    created_at: datetime
    updated_at: datetime | None

    def season(self, month: int) -> str:
        """``peak`` (旺季), ``on_sale`` or ``off`` (not sold this month)."""
        if month in self.peak_months:
            return "peak"
        if self.months_on_sale is None or month in self.months_on_sale:
            return "on_sale"
        return "off"


@dataclass(frozen=True)
class SkuOfProduct:
    sku: str
    spec: str | None
    price: Decimal
    active: bool


@dataclass(frozen=True)
class ProductDetail:
    product: ProductView
    # Every SKU of the same SPU, this one included, in SKU order.
    skus: tuple[SkuOfProduct, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ProductPage:
    total: int
    page: int
    page_size: int
    rows: tuple[ProductView, ...]


def problems(session: Session, draft: ProductDraft) -> list[tuple[str, str]]:
    """Each (field, reason) that keeps ``draft`` from being stored; empty when it may be."""
    found: list[tuple[str, str]] = []
    if not CODE.match(draft.sku):
        found.append(("sku", "SKU 编码须为 1-32 位字母、数字或 - _ . (sku: 1-32 letters/digits)"))
    for name, text, size in (("name", draft.name, 128), ("category", draft.category, 32)):
        if not text.strip() or len(text) > size or CONTROL.search(text):
            found.append((name, f"{_LABEL[name]}不能为空且不超过 {size} 个字符 ({name}: 1-{size})"))
    if not draft.price.is_finite() or not Decimal("0") < draft.price <= MAX_PRICE:
        found.append(("price", "价格须大于 0 且不超过 1,000,000 元 (price: 0 < yuan ≤ 1e6)"))
    elif draft.price != draft.price.quantize(Decimal("0.01")):
        found.append(("price", "价格最多两位小数 (price: at most 2 decimal places)"))
    if not 1 <= draft.shelf_life_days <= MAX_SHELF_LIFE_DAYS:
        found.append(("shelf_life_days", "保质期须为 1-3650 天 (shelf_life_days: 1-3650)"))
    if draft.spu is not None and not CODE.match(draft.spu):
        found.append(("spu", "商品组编码须为 1-32 位字母、数字或 - _ . (spu: 1-32 letters/digits)"))
    if draft.spec is not None and (
        not draft.spec.strip() or len(draft.spec) > 32 or CONTROL.search(draft.spec)
    ):
        found.append(("spec", "规格不能为空且不超过 32 个字符 (spec: 1-32 characters)"))
    if draft.spec is not None and draft.spu is None:
        found.append(("spec", "有规格的 SKU 须属于一个商品组 (spec needs an spu)"))
    if draft.pool is not None and session.get(RegionalPool, draft.pool) is None:
        found.append(("pool", f"没有区域池 {draft.pool} (no regional pool {draft.pool!r})"))
    months = draft.months_on_sale
    for name, values in (("months_on_sale", months or ()), ("peak_months", draft.peak_months)):
        if any(not 1 <= m <= 12 for m in values) or len(set(values)) != len(values):
            found.append((name, f"{_LABEL[name]}须为不重复的 1-12 月 ({name}: distinct 1-12)"))
    if months is not None and not months:
        found.append(("months_on_sale", "在售月份不能为空;全年在售请留空 (empty: leave it out)"))
    if months is not None and set(draft.peak_months) - set(months):
        found.append(("peak_months", "旺季月份须在在售月份之内 (peak_months ⊆ months_on_sale)"))
    return found


_LABEL = {
    "name": "商品名称",
    "category": "类目",
    "months_on_sale": "在售月份",
    "peak_months": "旺季月份",
}


def _refuse(found: list[tuple[str, str]]) -> None:
    if found:
        error = ProductRefused(found[0][0], "; ".join(reason for _, reason in found))
        error.details = [{"field": name, "problem": reason} for name, reason in found]
        raise error


def create_product(session: Session, draft: ProductDraft, at: datetime) -> ProductView:
    """A new SKU; 409 when its code is taken, 422 naming every field that cannot be stored."""
    if _row(session, draft.sku) is not None:
        raise ProductConflict(f"SKU {draft.sku} 已存在 (SKU {draft.sku} exists)")
    _refuse(problems(session, draft))
    row = Product(sku=draft.sku, created_at=at, regions=[])
    _apply(row, draft, at)
    session.add(row)
    session.flush()
    return _view(session, row)


def put_product(session: Session, draft: ProductDraft, at: datetime) -> tuple[ProductView, str]:
    """Create the SKU or bring it to ``draft``: ``created``, ``updated`` or ``unchanged`` (a
    re-import of the same file writes nothing)."""
    _refuse(problems(session, draft))
    row = _row(session, draft.sku)
    if row is None:
        row = Product(sku=draft.sku, created_at=at, regions=[])
        _apply(row, draft, at)
        session.add(row)
        session.flush()
        return _view(session, row), "created"
    if _draft_of(row) == _normal(draft):
        return _view(session, row), "unchanged"
    _apply(row, draft, at)
    session.flush()
    return _view(session, row), "updated"


def update_product(
    session: Session, sku: str, changes: Mapping[str, Any], at: datetime
) -> ProductView:
    """Change the fields in ``changes`` (names from ``EDITABLE``); the others stay."""
    row = _row(session, sku)
    if row is None:
        raise UnknownProduct(f"没有 SKU {sku} (no product {sku})")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ProductRefused(sorted(unknown)[0], f"不能修改 {', '.join(sorted(unknown))}")
    values = dict(changes)
    for name in ("months_on_sale", "peak_months"):
        if values.get(name) is not None:
            values[name] = tuple(values[name])
    if "peak_months" in values and values["peak_months"] is None:
        values["peak_months"] = ()
    draft = replace(_draft_of(row), **values)
    _refuse(problems(session, draft))
    _apply(row, draft, at)
    session.flush()
    return _view(session, row)


def deactivate_product(session: Session, sku: str, at: datetime) -> ProductView:
    """Take a SKU off sale (下架); its orders and history stay. Twice changes nothing."""
    return _set_active(session, sku, False, at)


def activate_product(session: Session, sku: str, at: datetime) -> ProductView:
    """Put a SKU back on sale (上架)."""
    return _set_active(session, sku, True, at)


def _set_active(session: Session, sku: str, active: bool, at: datetime) -> ProductView:
    row = _row(session, sku)
    if row is None:
        raise UnknownProduct(f"没有 SKU {sku} (no product {sku})")
    if row.active != active:
        row.active, row.updated_at = active, at
        session.flush()
    return _view(session, row)


def get_product(session: Session, sku: str) -> ProductDetail:
    row = _row(session, sku)
    if row is None:
        raise UnknownProduct(f"没有 SKU {sku} (no product {sku})")
    siblings: Iterable[Product] = (
        session.scalars(select(Product).where(Product.spu == row.spu).order_by(Product.sku))
        if row.spu
        else (row,)
    )
    return ProductDetail(
        _view(session, row),
        tuple(SkuOfProduct(p.sku, p.spec, p.price, p.active) for p in siblings),
    )


def list_products(
    session: Session,
    *,
    q: str | None = None,
    category: str | None = None,
    spu: str | None = None,
    pool: str | None = None,
    active: bool | None = None,
    page: int = 1,
    page_size: int = 50,
) -> ProductPage:
    """SKUs in SKU order, cut by the database. ``q`` finds a name, SKU, SPU or category that
    contains it."""
    page, page_size = max(page, 1), min(max(page_size, 1), MAX_PAGE_SIZE)
    query = select(Product)
    if q and q.strip():
        like = "%" + q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                *(
                    column.like(like, escape="\\")
                    for column in (Product.name, Product.sku, Product.spu, Product.category)
                )
            )
        )
    if category:
        query = query.where(Product.category == category)
    if spu:
        query = query.where(Product.spu == spu)
    if pool:
        query = query.where(Product.pool == pool)
    if active is not None:
        query = query.where(Product.active.is_(active))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Product.sku).offset((page - 1) * page_size).limit(page_size)
    )
    pools = _pools(session)
    return ProductPage(total, page, page_size, tuple(_view(session, r, pools) for r in rows))


def categories(session: Session) -> list[str]:
    """Every category the catalog uses, sorted."""
    return sorted(set(session.scalars(select(Product.category).distinct())))


def sellable_in(session: Session, skus: Iterable[str], province: str | None) -> dict[str, str]:
    """Why each of ``skus`` cannot be sold to an address in ``province`` (SKUs that can are
    absent): unknown, off sale, or outside its regional pool. A province that is unknown or
    not given passes the pool check (the address is the caller's to validate)."""
    from liveloop.commerce.catalog.regions import province as full_name

    wanted = sorted(set(skus))
    rows = {p.sku: p for p in session.scalars(select(Product).where(Product.sku.in_(wanted)))}
    pools = _pools(session)
    where = full_name(province) if province else None
    refused: dict[str, str] = {}
    for sku in wanted:
        row = rows.get(sku)
        if row is None:
            refused[sku] = f"没有 SKU {sku} (unknown SKU)"
        elif not row.active:
            refused[sku] = f"{row.name} 已下架 (off sale)"
        elif where is not None:
            allowed = _provinces(row, pools)
            if allowed and where not in allowed:
                label = pools[row.pool][0] if row.pool in pools else "指定地区"
                refused[sku] = f"{row.name} 只在{label}销售,不售往{where} (not sold to {where})"
    return refused


def _row(session: Session, sku: str) -> Product | None:
    return session.scalars(select(Product).where(Product.sku == sku)).one_or_none()


def _apply(row: Product, draft: ProductDraft, at: datetime) -> None:
    row.name, row.category = draft.name.strip(), draft.category.strip()
    row.price = to_money(draft.price)
    row.shelf_life_days, row.cold_chain = draft.shelf_life_days, draft.cold_chain
    row.spu, row.spec, row.pool = draft.spu, draft.spec, draft.pool
    row.months_on_sale = sorted(draft.months_on_sale) if draft.months_on_sale else None
    row.peak_months = sorted(draft.peak_months) or None
    row.active = draft.active
    row.updated_at = at


def _normal(draft: ProductDraft) -> ProductDraft:
    """``draft`` as it reads back once stored (months in order, names trimmed, price in fen)."""
    return replace(
        draft,
        name=draft.name.strip(),
        category=draft.category.strip(),
        price=to_money(draft.price),
        months_on_sale=tuple(sorted(draft.months_on_sale)) if draft.months_on_sale else None,
        peak_months=tuple(sorted(draft.peak_months)),
    )


def _draft_of(row: Product) -> ProductDraft:
    return ProductDraft(
        sku=row.sku,
        name=row.name,
        category=row.category,
        price=row.price,
        shelf_life_days=row.shelf_life_days,
        cold_chain=row.cold_chain,
        spu=row.spu,
        spec=row.spec,
        pool=row.pool,
        months_on_sale=tuple(row.months_on_sale) if row.months_on_sale else None,
        peak_months=tuple(row.peak_months or ()),
        active=row.active,
    )


def _pools(session: Session) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {p.name: (p.label, tuple(p.provinces)) for p in session.scalars(select(RegionalPool))}


def _provinces(row: Product, pools: Mapping[str, tuple[str, tuple[str, ...]]]) -> tuple[str, ...]:
    if row.pool is not None:
        return pools.get(row.pool, ("", ()))[1]
    return tuple(row.regions or ())


def _view(
    session: Session,
    row: Product,
    pools: Mapping[str, tuple[str, tuple[str, ...]]] | None = None,
) -> ProductView:
    pools = _pools(session) if pools is None else pools
    return ProductView(
        sku=row.sku,
        name=row.name,
        category=row.category,
        price=row.price,
        shelf_life_days=row.shelf_life_days,
        cold_chain=row.cold_chain,
        spu=row.spu,
        spec=row.spec,
        pool=row.pool,
        pool_label=pools[row.pool][0] if row.pool is not None and row.pool in pools else None,
        provinces=_provinces(row, pools),
        months_on_sale=tuple(row.months_on_sale) if row.months_on_sale else None,
        peak_months=tuple(row.peak_months or ()),
        active=row.active,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def parse_money(value: str) -> Decimal | None:
    """A yuan amount as an operator types it (¥1,299.00), or None."""
    try:
        amount = Decimal(value.replace("¥", "").replace("￥", "").replace(",", "").strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None
