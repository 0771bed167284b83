"""loyalty: the points ledger (accounts, postings, entries, lots), members and growth, rules

Revision ID: 0022
Revises: 0023
Create Date: 2026-12-07 14:12:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import liveloop.store.base

revision: str = "0022"
# The lead re-chains this after the others when merged.
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "loyalty_settings",
        sa.Column("key", sa.String(length=16), nullable=False),
        sa.Column(
            "document",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_loyalty_settings")),
    )
    op.create_table(
        "growth_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=160), nullable=False),
        sa.Column("order_no", sa.String(length=64), nullable=True),
        sa.Column("amount", liveloop.store.base.Money(), nullable=False),
        sa.Column("at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_growth_entries_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_growth_entries")),
        sa.UniqueConstraint("source_key", name=op.f("uq_growth_entries_source_key")),
    )
    with op.batch_alter_table("growth_entries", schema=None) as batch_op:
        batch_op.create_index("ix_growth_entries_customer_at", ["customer_id", "at"], unique=False)

    op.create_table(
        "loyalty_members",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("tier_since", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_start", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_end", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("growth", liveloop.store.base.Money(), nullable=False),
        sa.Column("updated_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_loyalty_members_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_loyalty_members")),
    )
    with op.batch_alter_table("loyalty_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_loyalty_members_window_end"), ["window_end"], unique=False
        )

    op.create_table(
        "points_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=48), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_points_accounts_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_accounts")),
        sa.UniqueConstraint("key", name=op.f("uq_points_accounts_key")),
    )
    with op.batch_alter_table("points_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_points_accounts_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "points_postings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("order_no", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("memo", sa.String(length=200), nullable=False),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_points_postings_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_postings")),
        sa.UniqueConstraint("source_key", name=op.f("uq_points_postings_source_key")),
    )
    with op.batch_alter_table("points_postings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_points_postings_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            "ix_points_postings_customer_kind_at", ["customer_id", "kind", "at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_points_postings_order_no"), ["order_no"], unique=False)

    op.create_table(
        "points_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["points_accounts.id"],
            name=op.f("fk_points_entries_account_id_points_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["points_postings.id"],
            name=op.f("fk_points_entries_posting_id_points_postings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_entries")),
    )
    with op.batch_alter_table("points_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_points_entries_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_points_entries_posting_id"), ["posting_id"], unique=False
        )

    op.create_table(
        "points_lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("order_no", sa.String(length=64), nullable=True),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("earned_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("releases_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_points_lots_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["points_postings.id"],
            name=op.f("fk_points_lots_posting_id_points_postings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_lots")),
        sa.UniqueConstraint("posting_id", name=op.f("uq_points_lots_posting_id")),
    )
    with op.batch_alter_table("points_lots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_points_lots_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_points_lots_order_no"), ["order_no"], unique=False)
        batch_op.create_index(
            "ix_points_lots_status_expires_at", ["status", "expires_at"], unique=False
        )
        batch_op.create_index(
            "ix_points_lots_status_releases_at", ["status", "releases_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("points_lots", schema=None) as batch_op:
        batch_op.drop_index("ix_points_lots_status_releases_at")
        batch_op.drop_index("ix_points_lots_status_expires_at")
        batch_op.drop_index(batch_op.f("ix_points_lots_order_no"))
        batch_op.drop_index(batch_op.f("ix_points_lots_customer_id"))

    op.drop_table("points_lots")
    with op.batch_alter_table("points_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_points_entries_posting_id"))
        batch_op.drop_index(batch_op.f("ix_points_entries_account_id"))

    op.drop_table("points_entries")
    with op.batch_alter_table("points_postings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_points_postings_order_no"))
        batch_op.drop_index("ix_points_postings_customer_kind_at")
        batch_op.drop_index(batch_op.f("ix_points_postings_customer_id"))

    op.drop_table("points_postings")
    with op.batch_alter_table("points_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_points_accounts_customer_id"))

    op.drop_table("points_accounts")
    with op.batch_alter_table("loyalty_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loyalty_members_window_end"))

    op.drop_table("loyalty_members")
    with op.batch_alter_table("growth_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_growth_entries_customer_at")

    op.drop_table("growth_entries")
    op.drop_table("loyalty_settings")
