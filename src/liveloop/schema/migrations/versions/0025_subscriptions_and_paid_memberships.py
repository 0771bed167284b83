"""subscriptions, cycles, paid memberships and their ledger

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 14:12:48
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import liveloop.store.base

revision: str = "0025"
# The lead re-chains this after the others when merged.
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "membership_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.Column("price", liveloop.store.base.Money(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("delivery_sku", sa.String(length=32), nullable=False),
        sa.Column("delivery_quantity", sa.Integer(), nullable=False),
        sa.Column("term_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_plans")),
        sa.UniqueConstraint("code", name=op.f("uq_membership_plans_code")),
        sa.UniqueConstraint("sku", name=op.f("uq_membership_plans_sku")),
    )
    op.create_table(
        "subscription_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("cadence", sa.String(length=12), nullable=False),
        sa.Column("cycles", sa.Integer(), nullable=True),
        sa.Column("price", liveloop.store.base.Money(), nullable=False),
        sa.Column("remind_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_plans")),
        sa.UniqueConstraint("code", name=op.f("uq_subscription_plans_code")),
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("started_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deliveries_granted", sa.Integer(), nullable=False),
        sa.Column("deliveries_used", sa.Integer(), nullable=False),
        sa.Column("paid", liveloop.store.base.Money(), nullable=False),
        sa.Column("refunded", liveloop.store.base.Money(), nullable=False),
        sa.Column("updated_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_memberships_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["membership_plans.id"],
            name=op.f("fk_memberships_plan_id_membership_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint("customer_id", "plan_id", name="uq_memberships_customer"),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_memberships_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_memberships_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscribe_key", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column(
            "address",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("channel", sa.String(length=24), nullable=False),
        sa.Column("anchor_on", sa.Date(), nullable=False),
        sa.Column("anchor_cycle", sa.Integer(), nullable=False),
        sa.Column("next_cycle", sa.Integer(), nullable=False),
        sa.Column("next_on", sa.Date(), nullable=False),
        sa.Column("delivered_cycles", sa.Integer(), nullable=False),
        sa.Column("reminded_cycle", sa.Integer(), nullable=False),
        sa.Column("paused_on", sa.Date(), nullable=True),
        sa.Column("pause_reason", sa.String(length=16), nullable=True),
        sa.Column("cancelled_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=200), nullable=True),
        sa.Column("refunded", liveloop.store.base.Money(), nullable=False),
        sa.Column("prepaid_order_no", sa.String(length=64), nullable=True),
        sa.Column("prepaid_cycles", sa.Integer(), nullable=False),
        sa.Column("prepaid_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_subscriptions_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["subscription_plans.id"],
            name=op.f("fk_subscriptions_plan_id_subscription_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("prepaid_order_no", name=op.f("uq_subscriptions_prepaid_order_no")),
        sa.UniqueConstraint("subscribe_key", name=op.f("uq_subscriptions_subscribe_key")),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subscriptions_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_subscriptions_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index("ix_subscriptions_state_next_on", ["state", "next_on"], unique=False)

    op.create_table(
        "membership_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source_key", sa.String(length=96), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("amount", liveloop.store.base.Money(), nullable=False),
        sa.Column("order_no", sa.String(length=64), nullable=True),
        sa.Column("at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_membership_entries_membership_id_memberships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_entries")),
        sa.UniqueConstraint("source_key", name=op.f("uq_membership_entries_source_key")),
    )
    with op.batch_alter_table("membership_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_membership_entries_membership_id"), ["membership_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_membership_entries_order_no"), ["order_no"], unique=False
        )

    op.create_table(
        "subscription_cycles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("order_no", sa.String(length=64), nullable=True),
        sa.Column("amount", liveloop.store.base.Money(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_failure", sa.String(length=200), nullable=True),
        sa.Column("paid_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refund_no", sa.String(length=64), nullable=True),
        sa.Column("created_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_subscription_cycles_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_cycles")),
        sa.UniqueConstraint("order_no", name=op.f("uq_subscription_cycles_order_no")),
        sa.UniqueConstraint("refund_no", name=op.f("uq_subscription_cycles_refund_no")),
        sa.UniqueConstraint("subscription_id", "number", name="uq_subscription_cycles"),
    )
    with op.batch_alter_table("subscription_cycles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_subscription_cycles_status_next_attempt_at",
            ["status", "next_attempt_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_subscription_cycles_subscription_id"), ["subscription_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("subscription_cycles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscription_cycles_subscription_id"))
        batch_op.drop_index("ix_subscription_cycles_status_next_attempt_at")

    op.drop_table("subscription_cycles")
    with op.batch_alter_table("membership_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_entries_order_no"))
        batch_op.drop_index(batch_op.f("ix_membership_entries_membership_id"))

    op.drop_table("membership_entries")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index("ix_subscriptions_state_next_on")
        batch_op.drop_index(batch_op.f("ix_subscriptions_plan_id"))
        batch_op.drop_index(batch_op.f("ix_subscriptions_customer_id"))

    op.drop_table("subscriptions")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memberships_plan_id"))
        batch_op.drop_index(batch_op.f("ix_memberships_customer_id"))

    op.drop_table("memberships")
    op.drop_table("subscription_plans")
    op.drop_table("membership_plans")
