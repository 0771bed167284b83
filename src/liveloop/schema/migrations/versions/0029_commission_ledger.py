"""commission: the operator's rates (commission_rates), the ledger's entries
(commission_entries, unique per order line, level and refund), orders that earned nothing
(commission_skips), withdrawals and their movements

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-08 00:05:26.651214
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import liveloop.store.base

revision: str = "0029"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "commission_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("leader", sa.String(length=16), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("order_no", sa.String(length=64), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("refund_no", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.Column("base", liveloop.store.base.Money(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("amount", liveloop.store.base.Money(), nullable=False),
        sa.Column("at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("frozen_until", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("settled_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("posted_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_entries")),
        sa.UniqueConstraint(
            "order_no", "line_no", "level", "refund_no", name=op.f("uq_commission_entries_order_no")
        ),
    )
    with op.batch_alter_table("commission_entries", schema=None) as batch_op:
        batch_op.create_index("ix_commission_entries_leader_at", ["leader", "at"], unique=False)
        batch_op.create_index(
            "ix_commission_entries_state_frozen_until", ["state", "frozen_until"], unique=False
        )

    op.create_table(
        "commission_movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("leader", sa.String(length=16), nullable=False),
        sa.Column("source_key", sa.String(length=96), nullable=False),
        sa.Column("account", sa.String(length=16), nullable=False),
        sa.Column("amount", liveloop.store.base.Money(), nullable=False),
        sa.Column("at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_movements")),
        sa.UniqueConstraint(
            "source_key", "account", name=op.f("uq_commission_movements_source_key")
        ),
    )
    with op.batch_alter_table("commission_movements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commission_movements_leader"), ["leader"], unique=False
        )

    op.create_table(
        "commission_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("scope", sa.String(length=12), nullable=False),
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("effective_from", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_rates")),
        sa.UniqueConstraint(
            "level", "scope", "target", "effective_from", name=op.f("uq_commission_rates_level")
        ),
    )
    op.create_table(
        "commission_skips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_no", sa.String(length=64), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("leader", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_skips")),
        sa.UniqueConstraint("order_no", "level", name=op.f("uq_commission_skips_order_no")),
    )
    op.create_table(
        "commission_withdrawals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("withdrawal_no", sa.String(length=32), nullable=False),
        sa.Column("leader", sa.String(length=16), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("amount", liveloop.store.base.Money(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("requested_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("paid_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_withdrawals")),
        sa.UniqueConstraint("leader", "request_id", name=op.f("uq_commission_withdrawals_leader")),
        sa.UniqueConstraint("withdrawal_no", name=op.f("uq_commission_withdrawals_withdrawal_no")),
    )
    with op.batch_alter_table("commission_withdrawals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commission_withdrawals_leader"), ["leader"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_commission_withdrawals_status"), ["status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("commission_withdrawals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commission_withdrawals_status"))
        batch_op.drop_index(batch_op.f("ix_commission_withdrawals_leader"))

    op.drop_table("commission_withdrawals")
    op.drop_table("commission_skips")
    op.drop_table("commission_rates")
    with op.batch_alter_table("commission_movements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commission_movements_leader"))

    op.drop_table("commission_movements")
    with op.batch_alter_table("commission_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_commission_entries_state_frozen_until")
        batch_op.drop_index("ix_commission_entries_leader_at")

    op.drop_table("commission_entries")
