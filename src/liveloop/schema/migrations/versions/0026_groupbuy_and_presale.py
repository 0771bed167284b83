"""group-buy (groupbuy_campaigns, _tiers, _groups, _members, _buyers, _refunds) and presale
(presales, presale_orders, presale_refunds)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 14:12:58.717911
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import liveloop.store.base

revision: str = "0026"
# The lead re-chains this after the others when merged (down "0019" as briefed; on this branch
# it joins h-payments' chain 0019 → 0022 → 0020 → 0021 and main's 0023, so it has one head).
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "groupbuy_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.Column("window_hours", sa.Integer(), nullable=False),
        sa.Column("max_size", sa.Integer(), nullable=False),
        sa.Column("per_person_limit", sa.Integer(), nullable=False),
        sa.Column("starts_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groupbuy_campaigns")),
        sa.UniqueConstraint("code", name=op.f("uq_groupbuy_campaigns_code")),
    )
    with op.batch_alter_table("groupbuy_campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_groupbuy_campaigns_sku"), ["sku"], unique=False)

    op.create_table(
        "presales",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.Column("price", liveloop.store.base.Money(), nullable=False),
        sa.Column("deposit", liveloop.store.base.Money(), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("sold", sa.Integer(), nullable=False),
        sa.Column(
            "balance_starts_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "balance_ends_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("remind_hours", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("cancelled_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presales")),
        sa.UniqueConstraint("code", name=op.f("uq_presales_code")),
    )
    with op.batch_alter_table("presales", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_presales_sku"), ["sku"], unique=False)

    op.create_table(
        "groupbuy_buyers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("joins", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["groupbuy_campaigns.id"],
            name=op.f("fk_groupbuy_buyers_campaign_id_groupbuy_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_groupbuy_buyers_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groupbuy_buyers")),
        sa.UniqueConstraint(
            "campaign_id", "customer_id", name=op.f("uq_groupbuy_buyers_campaign_id")
        ),
    )
    with op.batch_alter_table("groupbuy_buyers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_groupbuy_buyers_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_groupbuy_buyers_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "groupbuy_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=48), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("max_size", sa.Integer(), nullable=False),
        sa.Column("top_price", liveloop.store.base.Money(), nullable=False),
        sa.Column("opened_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("size_reached", sa.Integer(), nullable=True),
        sa.Column("final_price", liveloop.store.base.Money(), nullable=True),
        sa.Column(
            "refunds_settled_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["groupbuy_campaigns.id"],
            name=op.f("fk_groupbuy_groups_campaign_id_groupbuy_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["leader_id"], ["customers.id"], name=op.f("fk_groupbuy_groups_leader_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groupbuy_groups")),
        sa.UniqueConstraint("code", name=op.f("uq_groupbuy_groups_code")),
    )
    with op.batch_alter_table("groupbuy_groups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_groupbuy_groups_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_groupbuy_groups_leader_id"), ["leader_id"], unique=False
        )
        batch_op.create_index(
            "ix_groupbuy_groups_status_closes_at", ["status", "closes_at"], unique=False
        )

    op.create_table(
        "groupbuy_tiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("price", liveloop.store.base.Money(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["groupbuy_campaigns.id"],
            name=op.f("fk_groupbuy_tiers_campaign_id_groupbuy_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groupbuy_tiers")),
        sa.UniqueConstraint("campaign_id", "size", name=op.f("uq_groupbuy_tiers_campaign_id")),
    )
    with op.batch_alter_table("groupbuy_tiers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_groupbuy_tiers_campaign_id"), ["campaign_id"], unique=False
        )

    op.create_table(
        "presale_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("presale_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("deposit_order_no", sa.String(length=64), nullable=False),
        sa.Column("balance_order_no", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("deposit", liveloop.store.base.Money(), nullable=False),
        sa.Column("balance", liveloop.store.base.Money(), nullable=False),
        sa.Column(
            "deposit_paid_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("balance_paid_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("forfeited_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "reminded_opening_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "reminded_closing_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_presale_orders_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["presale_id"], ["presales.id"], name=op.f("fk_presale_orders_presale_id_presales")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presale_orders")),
        sa.UniqueConstraint("balance_order_no", name=op.f("uq_presale_orders_balance_order_no")),
        sa.UniqueConstraint("deposit_order_no", name=op.f("uq_presale_orders_deposit_order_no")),
    )
    with op.batch_alter_table("presale_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_presale_orders_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_presale_orders_presale_id"), ["presale_id"], unique=False
        )
        batch_op.create_index(
            "ix_presale_orders_presale_id_status", ["presale_id", "status"], unique=False
        )

    op.create_table(
        "groupbuy_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("order_no", sa.String(length=64), nullable=False),
        sa.Column("paid", liveloop.store.base.Money(), nullable=False),
        sa.Column("joined_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_groupbuy_members_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groupbuy_groups.id"],
            name=op.f("fk_groupbuy_members_group_id_groupbuy_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groupbuy_members")),
        sa.UniqueConstraint("group_id", "customer_id", name="uq_groupbuy_members_group_customer"),
        sa.UniqueConstraint("group_id", "slot", name=op.f("uq_groupbuy_members_group_id")),
        sa.UniqueConstraint("order_no", name=op.f("uq_groupbuy_members_order_no")),
    )
    with op.batch_alter_table("groupbuy_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_groupbuy_members_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_groupbuy_members_group_id"), ["group_id"], unique=False
        )

    op.create_table(
        "presale_refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("presale_order_id", sa.Integer(), nullable=False),
        sa.Column("order_no", sa.String(length=64), nullable=False),
        sa.Column("refund_no", sa.String(length=64), nullable=False),
        sa.Column("amount", liveloop.store.base.Money(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "next_attempt_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("decided_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("requested_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("settled_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["presale_order_id"],
            ["presale_orders.id"],
            name=op.f("fk_presale_refunds_presale_order_id_presale_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presale_refunds")),
        sa.UniqueConstraint("order_no", name=op.f("uq_presale_refunds_order_no")),
        sa.UniqueConstraint("refund_no", name=op.f("uq_presale_refunds_refund_no")),
    )
    with op.batch_alter_table("presale_refunds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_presale_refunds_presale_order_id"), ["presale_order_id"], unique=False
        )
        batch_op.create_index(
            "ix_presale_refunds_state_next_attempt_at", ["state", "next_attempt_at"], unique=False
        )

    op.create_table(
        "groupbuy_refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("order_no", sa.String(length=64), nullable=False),
        sa.Column("refund_no", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("amount", liveloop.store.base.Money(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "next_attempt_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("decided_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("requested_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("settled_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groupbuy_groups.id"],
            name=op.f("fk_groupbuy_refunds_group_id_groupbuy_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["groupbuy_members.id"],
            name=op.f("fk_groupbuy_refunds_member_id_groupbuy_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groupbuy_refunds")),
        sa.UniqueConstraint("member_id", name=op.f("uq_groupbuy_refunds_member_id")),
        sa.UniqueConstraint("refund_no", name=op.f("uq_groupbuy_refunds_refund_no")),
    )
    with op.batch_alter_table("groupbuy_refunds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_groupbuy_refunds_group_id"), ["group_id"], unique=False
        )
        batch_op.create_index(
            "ix_groupbuy_refunds_state_next_attempt_at", ["state", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("groupbuy_refunds", schema=None) as batch_op:
        batch_op.drop_index("ix_groupbuy_refunds_state_next_attempt_at")
        batch_op.drop_index(batch_op.f("ix_groupbuy_refunds_group_id"))

    op.drop_table("groupbuy_refunds")
    with op.batch_alter_table("presale_refunds", schema=None) as batch_op:
        batch_op.drop_index("ix_presale_refunds_state_next_attempt_at")
        batch_op.drop_index(batch_op.f("ix_presale_refunds_presale_order_id"))

    op.drop_table("presale_refunds")
    with op.batch_alter_table("groupbuy_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_groupbuy_members_group_id"))
        batch_op.drop_index(batch_op.f("ix_groupbuy_members_customer_id"))

    op.drop_table("groupbuy_members")
    with op.batch_alter_table("presale_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_presale_orders_presale_id_status")
        batch_op.drop_index(batch_op.f("ix_presale_orders_presale_id"))
        batch_op.drop_index(batch_op.f("ix_presale_orders_customer_id"))

    op.drop_table("presale_orders")
    with op.batch_alter_table("groupbuy_tiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_groupbuy_tiers_campaign_id"))

    op.drop_table("groupbuy_tiers")
    with op.batch_alter_table("groupbuy_groups", schema=None) as batch_op:
        batch_op.drop_index("ix_groupbuy_groups_status_closes_at")
        batch_op.drop_index(batch_op.f("ix_groupbuy_groups_leader_id"))
        batch_op.drop_index(batch_op.f("ix_groupbuy_groups_campaign_id"))

    op.drop_table("groupbuy_groups")
    with op.batch_alter_table("groupbuy_buyers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_groupbuy_buyers_customer_id"))
        batch_op.drop_index(batch_op.f("ix_groupbuy_buyers_campaign_id"))

    op.drop_table("groupbuy_buyers")
    with op.batch_alter_table("presales", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_presales_sku"))

    op.drop_table("presales")
    with op.batch_alter_table("groupbuy_campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_groupbuy_campaigns_sku"))

    op.drop_table("groupbuy_campaigns")
