"""catalog: regional pools, SPU and 规格, seasons on products; order-ledger sources and the
ledger events they refused

Revision ID: 0024
Revises: 0021
Create Date: 2026-12-07 14:30:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import liveloop.store.base

revision: str = "0024"
# The lead re-chains this after the others when merged (on h-catalog: after h-orders' 0020).
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# A frozen copy of liveloop.commerce.catalog.regions.DEFAULT_POOLS.
DEFAULT_POOLS = {
    "south": (
        "南方籼米区",
        ["上海市", "重庆市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "湖北省",
         "湖南省", "广东省", "海南省", "四川省", "贵州省", "云南省", "台湾省",
         "广西壮族自治区", "西藏自治区", "香港特别行政区", "澳门特别行政区"],
    ),
    "north": (
        "北方粳米区",
        ["北京市", "天津市", "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "山东省",
         "河南省", "陕西省", "甘肃省", "青海省", "内蒙古自治区", "宁夏回族自治区",
         "新疆维吾尔自治区"],
    ),
}  # fmt: skip


def upgrade() -> None:
    pools = op.create_table(
        "regional_pools",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("provinces", JSON, nullable=False),
        sa.Column("updated_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_regional_pools")),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        pools,
        [
            {"name": name, "label": label, "provinces": provinces, "updated_at": now}
            for name, (label, provinces) in DEFAULT_POOLS.items()
        ],
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spu", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("spec", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("pool", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("months_on_sale", JSON, nullable=True))
        batch_op.add_column(sa.Column("peak_months", JSON, nullable=True))
        batch_op.add_column(
            sa.Column("updated_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_products_spu"), ["spu"], unique=False)
        batch_op.create_index(batch_op.f("ix_products_pool"), ["pool"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_products_pool_regional_pools"), "regional_pools", ["pool"], ["name"]
        )
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("order_ledger", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "ledger_refusals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", BIG_ID, nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("event_name", sa.String(length=128), nullable=False),
        sa.Column("order_no", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_refusals")),
        sa.UniqueConstraint("event_id", name=op.f("uq_ledger_refusals_event_id")),
    )
    with op.batch_alter_table("ledger_refusals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_refusals_source"), ["source"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ledger_refusals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_refusals_source"))
    op.drop_table("ledger_refusals")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("order_ledger")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_products_pool_regional_pools"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_products_pool"))
        batch_op.drop_index(batch_op.f("ix_products_spu"))
        for column in ("updated_at", "peak_months", "months_on_sale", "pool", "spec", "spu"):
            batch_op.drop_column(column)
    op.drop_table("regional_pools")
