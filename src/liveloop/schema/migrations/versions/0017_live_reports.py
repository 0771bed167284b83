"""each ended show's post-live report (live_reports)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import liveloop.store.base

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_reports",
        sa.Column("live_session_id", sa.Integer(), nullable=False),
        sa.Column("made_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "document",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("live_session_id", name=op.f("pk_live_reports")),
    )


def downgrade() -> None:
    op.drop_table("live_reports")
