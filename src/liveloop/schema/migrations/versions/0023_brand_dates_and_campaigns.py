"""the marketing calendar's brand dates (brand_dates) and scheduled campaigns (campaigns)

Revision ID: 0023
Revises: 0019
Create Date: 2026-12-07 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import liveloop.store.base

revision: str = "0023"
# The lead re-chains this after the others when merged.
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "brand_dates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("every", sa.String(length=8), nullable=False),
        sa.Column("month", sa.Integer(), nullable=True),
        sa.Column("day", sa.Integer(), nullable=True),
        sa.Column("on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brand_dates")),
        sa.UniqueConstraint("name", name=op.f("uq_brand_dates_name")),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("day_name", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("show_id", sa.Integer(), nullable=True),
        sa.Column("show_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("journey_key", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["show_id"], ["live_sessions.id"], name=op.f("fk_campaigns_show_id_live_sessions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("template", "year", name=op.f("uq_campaigns_template")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaigns_day"), ["day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaigns_day"))

    op.drop_table("campaigns")
    op.drop_table("brand_dates")
