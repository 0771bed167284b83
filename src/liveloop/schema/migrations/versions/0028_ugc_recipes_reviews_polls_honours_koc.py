"""ugc: recipes and reviews with their moderation (ugc_items), likes, polls with options and
votes, honours, KOC scores

Revision ID: 0028
Revises: 0026
Create Date: 2026-12-07 23:38:26.374970
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import liveloop.store.base

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ugc_polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=64), nullable=False),
        sa.Column("opens_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ugc_polls")),
        sa.UniqueConstraint("code", name=op.f("uq_ugc_polls_code")),
    )
    op.create_table(
        "koc_scores",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("influence", sa.Integer(), nullable=False),
        sa.Column("expertise", sa.Integer(), nullable=False),
        sa.Column("activity", sa.Integer(), nullable=False),
        sa.Column(
            "counts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("recognised", sa.Boolean(), nullable=False),
        sa.Column("recognised_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("scored_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_koc_scores_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_koc_scores")),
    )
    with op.batch_alter_table("koc_scores", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_koc_scores_score"), ["score"], unique=False)

    op.create_table(
        "ugc_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("client_ref", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=64), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "skus",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "photos",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("order_no", sa.String(length=64), nullable=True),
        sa.Column("sku", sa.String(length=32), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column(
            "flags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "hits",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("submitted_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("decided_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_ugc_items_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ugc_items")),
        sa.UniqueConstraint("client_ref", name=op.f("uq_ugc_items_client_ref")),
        sa.UniqueConstraint("order_no", "sku", name="uq_ugc_items_order_line"),
    )
    with op.batch_alter_table("ugc_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ugc_items_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index("ix_ugc_items_kind_status", ["kind", "status"], unique=False)
        batch_op.create_index(
            "ix_ugc_items_status_submitted_at", ["status", "submitted_at"], unique=False
        )

    op.create_table(
        "ugc_poll_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["ugc_polls.id"],
            name=op.f("fk_ugc_poll_options_poll_id_ugc_polls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ugc_poll_options")),
        sa.UniqueConstraint("poll_id", "key", name=op.f("uq_ugc_poll_options_poll_id")),
    )
    op.create_table(
        "ugc_honours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("honour", sa.String(length=16), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("awarded_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("awarded_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_ugc_honours_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["ugc_items.id"], name=op.f("fk_ugc_honours_item_id_ugc_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ugc_honours")),
        sa.UniqueConstraint("honour", "month", "customer_id", name=op.f("uq_ugc_honours_honour")),
    )
    with op.batch_alter_table("ugc_honours", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ugc_honours_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ugc_honours_month"), ["month"], unique=False)

    op.create_table(
        "ugc_likes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("liked_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_ugc_likes_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["ugc_items.id"], name=op.f("fk_ugc_likes_item_id_ugc_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ugc_likes")),
        sa.UniqueConstraint("item_id", "customer_id", name=op.f("uq_ugc_likes_item_id")),
    )
    with op.batch_alter_table("ugc_likes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ugc_likes_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ugc_likes_item_id"), ["item_id"], unique=False)

    op.create_table(
        "ugc_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("voted_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_ugc_votes_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["ugc_poll_options.id"],
            name=op.f("fk_ugc_votes_option_id_ugc_poll_options"),
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["ugc_polls.id"], name=op.f("fk_ugc_votes_poll_id_ugc_polls")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ugc_votes")),
        sa.UniqueConstraint("poll_id", "customer_id", name=op.f("uq_ugc_votes_poll_id")),
    )
    with op.batch_alter_table("ugc_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ugc_votes_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ugc_votes_option_id"), ["option_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ugc_votes_poll_id"), ["poll_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ugc_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ugc_votes_poll_id"))
        batch_op.drop_index(batch_op.f("ix_ugc_votes_option_id"))
        batch_op.drop_index(batch_op.f("ix_ugc_votes_customer_id"))

    op.drop_table("ugc_votes")
    with op.batch_alter_table("ugc_likes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ugc_likes_item_id"))
        batch_op.drop_index(batch_op.f("ix_ugc_likes_customer_id"))

    op.drop_table("ugc_likes")
    with op.batch_alter_table("ugc_honours", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ugc_honours_month"))
        batch_op.drop_index(batch_op.f("ix_ugc_honours_customer_id"))

    op.drop_table("ugc_honours")
    op.drop_table("ugc_poll_options")
    with op.batch_alter_table("ugc_items", schema=None) as batch_op:
        batch_op.drop_index("ix_ugc_items_status_submitted_at")
        batch_op.drop_index("ix_ugc_items_kind_status")
        batch_op.drop_index(batch_op.f("ix_ugc_items_customer_id"))

    op.drop_table("ugc_items")
    with op.batch_alter_table("koc_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_koc_scores_score"))

    op.drop_table("koc_scores")
    op.drop_table("ugc_polls")
