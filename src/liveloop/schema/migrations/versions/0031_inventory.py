"""inventory: warehouses, stock lots, stock moves, reservations

Revision ID: 0031
Revises: 0028
Create Date: 2026-12-08 00:11:50.626985
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import liveloop.store.base

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stock_reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_no", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("reserved_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("settled_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_reservations")),
        sa.UniqueConstraint("order_no", name=op.f("uq_stock_reservations_order_no")),
    )
    op.create_table(
        "warehouses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("province", sa.String(length=32), nullable=False),
        sa.Column("city", sa.String(length=32), nullable=False),
        sa.Column("lat", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.Column("lon", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.Column(
            "zones",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("cutoff", sa.String(length=5), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouses")),
        sa.UniqueConstraint("code", name=op.f("uq_warehouses_code")),
    )
    op.create_table(
        "stock_lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.Column("lot_no", sa.String(length=32), nullable=False),
        sa.Column("zone", sa.String(length=8), nullable=False),
        sa.Column("produced_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("received_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "expires_on >= produced_on", name=op.f("ck_stock_lots_expires_after_produced")
        ),
        sa.CheckConstraint("on_hand >= 0", name=op.f("ck_stock_lots_on_hand_not_negative")),
        sa.CheckConstraint(
            "reserved <= on_hand", name=op.f("ck_stock_lots_reserved_within_on_hand")
        ),
        sa.CheckConstraint("reserved >= 0", name=op.f("ck_stock_lots_reserved_not_negative")),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_stock_lots_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_lots")),
        sa.UniqueConstraint(
            "warehouse_id", "sku", "lot_no", name=op.f("uq_stock_lots_warehouse_id")
        ),
    )
    with op.batch_alter_table("stock_lots", schema=None) as batch_op:
        batch_op.create_index("ix_stock_lots_sku_expires_on", ["sku", "expires_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_stock_lots_warehouse_id"), ["warehouse_id"], unique=False
        )

    op.create_table(
        "stock_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=160), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("on_hand_delta", sa.Integer(), nullable=False),
        sa.Column("reserved_delta", sa.Integer(), nullable=False),
        sa.Column("order_no", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["stock_lots.id"], name=op.f("fk_stock_moves_lot_id_stock_lots")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_moves")),
        sa.UniqueConstraint("source_key", name=op.f("uq_stock_moves_source_key")),
    )
    with op.batch_alter_table("stock_moves", schema=None) as batch_op:
        batch_op.create_index("ix_stock_moves_lot_id_id", ["lot_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stock_moves_order_no"), ["order_no"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stock_moves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_moves_order_no"))
        batch_op.drop_index("ix_stock_moves_lot_id_id")

    op.drop_table("stock_moves")
    with op.batch_alter_table("stock_lots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_lots_warehouse_id"))
        batch_op.drop_index("ix_stock_lots_sku_expires_on")

    op.drop_table("stock_lots")
    op.drop_table("warehouses")
    op.drop_table("stock_reservations")
