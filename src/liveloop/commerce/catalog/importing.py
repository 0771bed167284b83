"""Product rows from a file (CSV or Excel, read by ``ingest``): each row is read into a
``ProductDraft`` and stored by SKU (created, updated, or unchanged on a re-import), each in its
own savepoint, so a good row lands, a bad row is reported with its row number, the columns at
fault and the reason in Chinese, and nothing of a bad row is written.

Headers may be English or Chinese:

| field | also accepted | required |
|---|---|---|
| sku | SKU, 商品编码, SKU编码 | yes |
| name | 商品名称, 名称 | yes |
| category | 类目, 分类 | yes |
| price | 价格, 售价 | yes, yuan > 0 |
| shelf_life_days | 保质期, 保质期(天) | yes, days 1-3650 |
| cold_chain | 冷链 | no: 是/否 (default 否) |
| spu | SPU, 商品组 | no: the product this SKU is one 规格 of |
| spec | 规格 | no (needs spu) |
| pool | 区域池, 销售区域 | no: a pool's code or name (south / 南方籼米区); empty: nationwide |
| months_on_sale | 在售月份 | no: "1-3,11,12"; empty or 全年: all year |
| peak_months | 旺季月份 | no, within the months on sale |
| active | 上架, 是否上架 | no: 是/否 (default 是) |
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session, sessionmaker

from liveloop.commerce.catalog.errors import ProductRefused
from liveloop.commerce.catalog.pools import list_pools
from liveloop.commerce.catalog.products import ProductDraft, parse_money, put_product
from liveloop.errors import chinese_part
from liveloop.store.engine import transaction

COLUMNS = {
    "sku": "sku",
    "商品编码": "sku",
    "sku编码": "sku",
    "name": "name",
    "商品名称": "name",
    "名称": "name",
    "category": "category",
    "类目": "category",
    "分类": "category",
    "price": "price",
    "价格": "price",
    "售价": "price",
    "shelf_life_days": "shelf_life_days",
    "保质期": "shelf_life_days",
    "保质期(天)": "shelf_life_days",
    "保质期（天）": "shelf_life_days",
    "cold_chain": "cold_chain",
    "冷链": "cold_chain",
    "spu": "spu",
    "商品组": "spu",
    "spec": "spec",
    "规格": "spec",
    "pool": "pool",
    "区域池": "pool",
    "销售区域": "pool",
    "months_on_sale": "months_on_sale",
    "在售月份": "months_on_sale",
    "peak_months": "peak_months",
    "旺季月份": "peak_months",
    "active": "active",
    "上架": "active",
    "是否上架": "active",
}
REQUIRED = ("sku", "name", "category", "price", "shelf_life_days")
CHUNK = 500
YES = {"是", "yes", "y", "true", "1", "上架"}
NO = {"否", "no", "n", "false", "0", "下架"}
ALL_YEAR = {"", "全年", "all"}


def field_of(header: str) -> str | None:
    """The product field a file's column header names, or None (the column is ignored)."""
    return COLUMNS.get(header.strip().lower())


@dataclass(frozen=True)
class RejectedRow:
    number: int  # as a spreadsheet shows it: the header is row 1
    columns: tuple[str, ...]  # the file's own headers of the fields at fault
    reason: str


@dataclass
class ProductImport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)


def import_product_rows(
    factory: sessionmaker[Session],
    headers: Iterable[str],
    rows: Iterable[tuple[int, dict[str, str]]],
    at: datetime,
) -> ProductImport:
    """Store each row as a SKU; rows keyed by the file's own headers."""
    fields = {h: f for h in headers if (f := field_of(h)) is not None}
    header_of = {f: h for h, f in fields.items()}
    missing = [name for name in REQUIRED if name not in header_of]
    if missing:
        raise ProductRefused(missing[0], f"文件缺少列:{', '.join(missing)} (missing columns)")
    outcome = ProductImport()
    with transaction(factory) as session:
        pools = {p.name: p.name for p in list_pools(session)}
        pools |= {p.label: p.name for p in list_pools(session)}
    batch: list[tuple[int, ProductDraft]] = []
    for number, raw in rows:
        outcome.rows += 1
        values = {fields[h]: (v or "").strip() for h, v in raw.items() if h in fields}
        draft, bad = _draft(values, pools)
        if bad:
            outcome.rejected.append(_reject(number, bad, header_of))
        elif draft is not None:
            batch.append((number, draft))
        if len(batch) >= CHUNK:
            _write(factory, batch, at, outcome, header_of)
            batch = []
    _write(factory, batch, at, outcome, header_of)
    outcome.rejected.sort(key=lambda r: r.number)
    return outcome


def _write(
    factory: sessionmaker[Session],
    batch: list[tuple[int, ProductDraft]],
    at: datetime,
    outcome: ProductImport,
    header_of: dict[str, str],
) -> None:
    if not batch:
        return
    with transaction(factory) as session:
        for number, draft in batch:
            try:
                with session.begin_nested():
                    _, what = put_product(session, draft, at)
            except ProductRefused as exc:
                found = [(d["field"], d["problem"]) for d in exc.details]
                outcome.rejected.append(_reject(number, found, header_of))
                continue
            except DataError:
                outcome.rejected.append(RejectedRow(number, (), "数据库无法保存该行的值"))
                continue
            if what == "created":
                outcome.created += 1
            elif what == "updated":
                outcome.updated += 1
            else:
                outcome.unchanged += 1


def _reject(number: int, bad: list[tuple[str, str]], header_of: dict[str, str]) -> RejectedRow:
    columns = tuple(dict.fromkeys(header_of.get(name, name) for name, _ in bad))
    return RejectedRow(number, columns, ";".join(chinese_part(reason) for _, reason in bad))


def _draft(
    values: dict[str, str], pools: dict[str, str]
) -> tuple[ProductDraft | None, list[tuple[str, str]]]:
    bad: list[tuple[str, str]] = []
    for name in REQUIRED:
        if not values.get(name):
            bad.append((name, f"{_NAMES[name]}不能为空"))
    price = parse_money(values.get("price", "")) if values.get("price") else None
    if values.get("price") and price is None:
        bad.append(("price", f"价格 {values['price']} 不是金额"))
    shelf = _whole(values.get("shelf_life_days", "").removesuffix("天"))
    if values.get("shelf_life_days") and shelf is None:
        bad.append(("shelf_life_days", f"保质期 {values['shelf_life_days']} 不是整数天数"))
    flags: dict[str, bool] = {}
    for name, default in (("cold_chain", False), ("active", True)):
        text = values.get(name, "").lower()
        if text and text not in YES | NO:
            bad.append((name, f"{_NAMES[name]} {values[name]} 须为 是 或 否"))
        flags[name] = default if not text else text in YES
    pool = None
    if values.get("pool"):
        pool = pools.get(values["pool"])
        if pool is None:
            bad.append(("pool", f"没有区域池 {values['pool']}"))
    months: dict[str, tuple[int, ...] | None] = {}
    for name in ("months_on_sale", "peak_months"):
        try:
            months[name] = _months(values.get(name, ""))
        except ValueError:
            bad.append((name, f"{_NAMES[name]} {values[name]} 须写成 1-3,11,12 这样的月份"))
    if bad or price is None or shelf is None:
        return None, bad
    draft = ProductDraft(
        sku=values["sku"],
        name=values["name"],
        category=values["category"],
        price=price,
        shelf_life_days=shelf,
        cold_chain=flags["cold_chain"],
        spu=values.get("spu") or None,
        spec=values.get("spec") or None,
        pool=pool,
        months_on_sale=months.get("months_on_sale"),
        peak_months=months.get("peak_months") or (),
        active=flags["active"],
    )
    return draft, []


_NAMES = {
    "sku": "SKU 编码",
    "name": "商品名称",
    "category": "类目",
    "price": "价格",
    "shelf_life_days": "保质期",
    "cold_chain": "冷链",
    "active": "上架",
    "months_on_sale": "在售月份",
    "peak_months": "旺季月份",
}


def _whole(text: str) -> int | None:
    text = text.strip()
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if text.isdigit() and len(text) <= 6 else None


def _months(text: str) -> tuple[int, ...] | None:
    """``"1-3,11,12"`` (also ``、`` ``，`` and ``月``) → (1, 2, 3, 11, 12); all year → None.
    A range may wrap the year end (11-2)."""
    text = text.strip().replace("月", "").replace("、", ",").replace("，", ",").replace("~", "-")
    if text.lower() in ALL_YEAR:
        return None
    found: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        first, _, last = part.partition("-")
        start, end = int(first), int(last or first)  # ValueError: not a month
        if not (1 <= start <= 12 and 1 <= end <= 12):
            raise ValueError(part)
        span = range(start, end + 1) if start <= end else [*range(start, 13), *range(1, end + 1)]
        found.extend(m for m in span if m not in found)
    if not found:
        raise ValueError(text)
    return tuple(found)
