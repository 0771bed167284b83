"""community: leaders (community_leaders), pickup_points, leader_bindings and their
leader_binding_history, pickup_orders (unique pickup codes), pickup_batches, community_settings

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 23:39:08.338542
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import liveloop.store.base

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "community_leaders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("wecom_userid", sa.String(length=64), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("recruited_by", sa.String(length=16), nullable=True),
        sa.Column("applied_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decision_reason", sa.String(length=200), nullable=True),
        sa.Column("approved_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_leaders")),
        sa.UniqueConstraint("code", name=op.f("uq_community_leaders_code")),
        sa.UniqueConstraint("username", name=op.f("uq_community_leaders_username")),
    )
    with op.batch_alter_table("community_leaders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_community_leaders_recruited_by"), ["recruited_by"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_community_leaders_status"), ["status"], unique=False)

    op.create_table(
        "community_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("binding_rule", sa.String(length=16), nullable=False),
        sa.Column("locked_days", sa.Integer(), nullable=False),
        sa.Column("cutoff", sa.String(length=5), nullable=False),
        sa.Column("confirm_days", sa.Integer(), nullable=False),
        sa.Column("remind_after_hours", sa.Integer(), nullable=False),
        sa.Column("updated_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_settings")),
    )
    op.create_table(
        "leader_binding_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("from_leader_id", sa.Integer(), nullable=True),
        sa.Column("to_leader_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("cause", sa.String(length=12), nullable=False),
        sa.Column("source_key", sa.String(length=96), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_leader_binding_history_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["from_leader_id"],
            ["community_leaders.id"],
            name=op.f("fk_leader_binding_history_from_leader_id_community_leaders"),
        ),
        sa.ForeignKeyConstraint(
            ["to_leader_id"],
            ["community_leaders.id"],
            name=op.f("fk_leader_binding_history_to_leader_id_community_leaders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leader_binding_history")),
        sa.UniqueConstraint("source_key", name=op.f("uq_leader_binding_history_source_key")),
    )
    with op.batch_alter_table("leader_binding_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_leader_binding_history_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_leader_binding_history_to_leader_id"), ["to_leader_id"], unique=False
        )

    op.create_table(
        "leader_bindings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=False),
        sa.Column("bound_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cause", sa.String(length=12), nullable=False),
        sa.Column("source_key", sa.String(length=96), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_leader_bindings_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["leader_id"],
            ["community_leaders.id"],
            name=op.f("fk_leader_bindings_leader_id_community_leaders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leader_bindings")),
        sa.UniqueConstraint("customer_id", name=op.f("uq_leader_bindings_customer_id")),
    )
    with op.batch_alter_table("leader_bindings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_leader_bindings_leader_id"), ["leader_id"], unique=False
        )

    op.create_table(
        "pickup_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("province", sa.String(length=32), nullable=False),
        sa.Column("city", sa.String(length=32), nullable=False),
        sa.Column("district", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.String(length=128), nullable=False),
        sa.Column("lat", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.Column("lon", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.Column("opening_hours", sa.String(length=11), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("opened_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["leader_id"],
            ["community_leaders.id"],
            name=op.f("fk_pickup_points_leader_id_community_leaders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_points")),
        sa.UniqueConstraint("code", name=op.f("uq_pickup_points_code")),
    )
    with op.batch_alter_table("pickup_points", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pickup_points_leader_id"), ["leader_id"], unique=False)

    op.create_table(
        "pickup_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("cutoff_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("built_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("arrived_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("arrived_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["pickup_points.id"],
            name=op.f("fk_pickup_batches_point_id_pickup_points"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_batches")),
        sa.UniqueConstraint("point_id", "delivery_date", name=op.f("uq_pickup_batches_point_id")),
    )
    with op.batch_alter_table("pickup_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pickup_batches_delivery_date"), ["delivery_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_pickup_batches_point_id"), ["point_id"], unique=False)

    op.create_table(
        "pickup_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_no", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("assigned_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("assigned_by", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("carried_reason", sa.String(length=200), nullable=True),
        sa.Column("picked_up_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("picked_up_by", sa.String(length=64), nullable=True),
        sa.Column("confirmed_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["pickup_batches.id"],
            name=op.f("fk_pickup_orders_batch_id_pickup_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_pickup_orders_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["point_id"], ["pickup_points.id"], name=op.f("fk_pickup_orders_point_id_pickup_points")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_orders")),
        sa.UniqueConstraint("code", name=op.f("uq_pickup_orders_code")),
        sa.UniqueConstraint("order_no", name=op.f("uq_pickup_orders_order_no")),
    )
    with op.batch_alter_table("pickup_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pickup_orders_batch_id_picked_up_at", ["batch_id", "picked_up_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_pickup_orders_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            "ix_pickup_orders_point_id_batch_id", ["point_id", "batch_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("pickup_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_pickup_orders_point_id_batch_id")
        batch_op.drop_index(batch_op.f("ix_pickup_orders_customer_id"))
        batch_op.drop_index("ix_pickup_orders_batch_id_picked_up_at")

    op.drop_table("pickup_orders")
    with op.batch_alter_table("pickup_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pickup_batches_point_id"))
        batch_op.drop_index(batch_op.f("ix_pickup_batches_delivery_date"))

    op.drop_table("pickup_batches")
    with op.batch_alter_table("pickup_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pickup_points_leader_id"))

    op.drop_table("pickup_points")
    with op.batch_alter_table("leader_bindings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_leader_bindings_leader_id"))

    op.drop_table("leader_bindings")
    with op.batch_alter_table("leader_binding_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_leader_binding_history_to_leader_id"))
        batch_op.drop_index(batch_op.f("ix_leader_binding_history_customer_id"))

    op.drop_table("leader_binding_history")
    op.drop_table("community_settings")
    with op.batch_alter_table("community_leaders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_leaders_status"))
        batch_op.drop_index(batch_op.f("ix_community_leaders_recruited_by"))

    op.drop_table("community_leaders")
