"""Regional pools: a name (``south``), a label (南方籼米区) and the provinces in it. A SKU in a
pool is sold only there (``products.sellable_in``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.commerce.catalog.errors import ProductRefused
from liveloop.commerce.catalog.models import RegionalPool
from liveloop.commerce.catalog.products import CODE, CONTROL
from liveloop.commerce.catalog.regions import province


@dataclass(frozen=True)
class PoolView:
    name: str
    label: str
    provinces: tuple[str, ...]


def list_pools(session: Session) -> list[PoolView]:
    return [
        PoolView(p.name, p.label, tuple(p.provinces))
        for p in session.scalars(select(RegionalPool).order_by(RegionalPool.name))
    ]


def put_pool(
    session: Session, name: str, label: str, provinces: Iterable[str], at: datetime
) -> PoolView:
    """Create the pool or replace its label and provinces (short names are read: 广东 →
    广东省); every SKU in it follows at once."""
    if not CODE.match(name):
        raise ProductRefused("name", "区域池编码须为 1-32 位字母、数字或 - _ . (name)")
    if not label.strip() or len(label) > 64 or CONTROL.search(label):
        raise ProductRefused("label", "区域池名称不能为空且不超过 64 个字符 (label: 1-64)")
    full: list[str] = []
    for given in provinces:
        found = province(given)
        if found is None:
            raise ProductRefused("provinces", f"不认识的省份 {given} (unknown province)")
        if found not in full:
            full.append(found)
    if not full:
        raise ProductRefused("provinces", "区域池至少包含一个省份 (at least one province)")
    row = session.get(RegionalPool, name)
    if row is None:
        row = RegionalPool(name=name)
        session.add(row)
    row.label, row.provinces, row.updated_at = label.strip(), full, at
    session.flush()
    return PoolView(row.name, row.label, tuple(row.provinces))
