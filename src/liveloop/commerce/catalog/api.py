"""The catalog over HTTP (``commerce.api`` hands the app this router): ``/v1/products`` —
create, change, one with its SPU's other 规格, list and search (paged), take off sale and put
back; ``/v1/product-pools`` — the regional pools, and creating or changing one.

Operators (and admins) and integrators edit; guides, hosts and analysts read. A field that
cannot be stored is a 422 naming it (``details``), an unknown SKU a 404, a taken SKU a 409.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.commerce.catalog import pools, products
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(tags=["catalog"])
Reader = Annotated[
    Principal,
    Depends(require_roles(Role.OPERATOR, Role.INTEGRATOR, Role.GUIDE, Role.HOST, Role.ANALYST)),
]
Editor = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.INTEGRATOR))]
Sku = Annotated[str, Path(max_length=32, pattern=products.CODE.pattern)]
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=products.CODE.pattern)]
Text = Annotated[str, Field(min_length=1, max_length=128, pattern=NO_CONTROL_CHARS)]
Month = Annotated[int, Field(ge=1, le=12)]
Price = Annotated[Decimal, Field(gt=0, le=products.MAX_PRICE, decimal_places=2)]
ShelfLife = Annotated[int, Field(ge=1, le=products.MAX_SHELF_LIFE_DAYS)]
Months = Annotated[list[Month], Field(min_length=1, max_length=12)]


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: Code
    name: Text
    category: Annotated[str, Field(min_length=1, max_length=32, pattern=NO_CONTROL_CHARS)]
    price: Price
    shelf_life_days: ShelfLife
    cold_chain: bool = False
    spu: Code | None = Field(default=None, description="the product (SPU) this SKU is a 规格 of")
    spec: Annotated[str, Field(min_length=1, max_length=32, pattern=NO_CONTROL_CHARS)] | None = (
        Field(default=None, description="the 规格's label, e.g. 5kg")
    )
    pool: Code | None = Field(default=None, description="a regional pool; absent: nationwide")
    months_on_sale: Months | None = Field(default=None, description="absent: all year")
    peak_months: Annotated[list[Month], Field(max_length=12)] = []
    active: bool = True

    def draft(self) -> products.ProductDraft:
        return products.ProductDraft(
            **self.model_dump(exclude={"months_on_sale", "peak_months"}),
            months_on_sale=tuple(self.months_on_sale) if self.months_on_sale else None,
            peak_months=tuple(self.peak_months),
        )


class ProductPatch(BaseModel):
    """Only the fields sent change; ``null`` clears spu, spec, pool (nationwide),
    months_on_sale (all year) or peak_months."""

    model_config = ConfigDict(extra="forbid")
    name: Text | None = None
    category: (
        Annotated[str, Field(min_length=1, max_length=32, pattern=NO_CONTROL_CHARS)] | None
    ) = None
    price: Price | None = None
    shelf_life_days: ShelfLife | None = None
    cold_chain: bool | None = None
    spu: Code | None = None
    spec: Annotated[str, Field(min_length=1, max_length=32, pattern=NO_CONTROL_CHARS)] | None = None
    pool: Code | None = None
    months_on_sale: Months | None = None
    peak_months: Annotated[list[Month], Field(max_length=12)] | None = None
    active: bool | None = None

    def changes(self) -> dict[str, Any]:
        sent = self.model_dump(exclude_unset=True)
        nullable = {"spu", "spec", "pool", "months_on_sale", "peak_months"}
        return {k: v for k, v in sent.items() if v is not None or k in nullable}


class ProductOut(BaseModel):
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
    provinces: list[str] = Field(description="where it may be sold; empty: nationwide")
    months_on_sale: list[int] | None = Field(description="null: all year")
    peak_months: list[int]
    active: bool
    created_at: datetime
    updated_at: datetime | None

    @classmethod
    def of(cls, view: products.ProductView) -> ProductOut:
        return cls.model_validate(view, from_attributes=True)


class SkuOut(BaseModel):
    sku: str
    spec: str | None
    price: Decimal
    active: bool


class ProductDetailOut(ProductOut):
    skus: list[SkuOut] = Field(description="every SKU of the same SPU, this one included")


class ProductPageOut(BaseModel):
    total: int
    page: int
    page_size: int
    rows: list[ProductOut]


class PoolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)]
    provinces: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=16)]], Field(min_length=1, max_length=40)
    ]


class PoolOut(BaseModel):
    name: str
    label: str
    provinces: list[str]


def _detail(detail: products.ProductDetail) -> ProductDetailOut:
    return ProductDetailOut.model_validate(
        {
            **ProductOut.of(detail.product).model_dump(),
            "skus": [SkuOut.model_validate(s, from_attributes=True) for s in detail.skus],
        }
    )


@router.get("/v1/products")
def list_products(
    session: ReadSessionDep,
    _: Reader,
    q: Annotated[str | None, Query(max_length=64, description="name, SKU, SPU or category")] = None,
    category: Annotated[str | None, Query(max_length=32)] = None,
    spu: Annotated[str | None, Query(max_length=32)] = None,
    pool: Annotated[str | None, Query(max_length=32)] = None,
    active: bool | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=products.MAX_PAGE_SIZE)] = 50,
) -> ProductPageOut:
    found = products.list_products(
        session,
        q=q,
        category=category,
        spu=spu,
        pool=pool,
        active=active,
        page=page,
        page_size=page_size,
    )
    return ProductPageOut(
        total=found.total,
        page=found.page,
        page_size=found.page_size,
        rows=[ProductOut.of(v) for v in found.rows],
    )


@router.post("/v1/products", status_code=201)
def create_product(
    body: ProductIn, session: SessionDep, runtime: RuntimeDep, _: Editor
) -> ProductOut:
    return ProductOut.of(products.create_product(session, body.draft(), runtime.clock.now()))


@router.get("/v1/products/{sku}")
def get_product(sku: Sku, session: ReadSessionDep, _: Reader) -> ProductDetailOut:
    return _detail(products.get_product(session, sku))


@router.patch("/v1/products/{sku}")
def update_product(
    sku: Sku, body: ProductPatch, session: SessionDep, runtime: RuntimeDep, _: Editor
) -> ProductOut:
    return ProductOut.of(products.update_product(session, sku, body.changes(), runtime.clock.now()))


@router.post("/v1/products/{sku}/deactivate")
def deactivate_product(sku: Sku, session: SessionDep, runtime: RuntimeDep, _: Editor) -> ProductOut:
    """Take the SKU off sale (下架); twice changes nothing."""
    return ProductOut.of(products.deactivate_product(session, sku, runtime.clock.now()))


@router.post("/v1/products/{sku}/activate")
def activate_product(sku: Sku, session: SessionDep, runtime: RuntimeDep, _: Editor) -> ProductOut:
    """Put the SKU back on sale (上架)."""
    return ProductOut.of(products.activate_product(session, sku, runtime.clock.now()))


@router.get("/v1/product-pools")
def list_pools(session: ReadSessionDep, _: Reader) -> list[PoolOut]:
    return [PoolOut.model_validate(p, from_attributes=True) for p in pools.list_pools(session)]


@router.put("/v1/product-pools/{name}")
def put_pool(
    name: Annotated[str, Path(max_length=32, pattern=products.CODE.pattern)],
    body: PoolIn,
    session: SessionDep,
    runtime: RuntimeDep,
    _: Editor,
) -> PoolOut:
    """Create the pool or replace its label and provinces (广东 or 广东省)."""
    view = pools.put_pool(session, name, body.label, body.provinces, runtime.clock.now())
    return PoolOut.model_validate(view, from_attributes=True)
