"""the operator's 话术 library (live_scripts) and each room's alert rules (live_rooms.alert_rules)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import liveloop.store.base

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_scripts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("aspect", sa.String(length=16), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=True),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("updated_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_scripts")),
        sa.UniqueConstraint("aspect", "sku", name=op.f("uq_live_scripts_aspect")),
    )
    op.create_index(
        "uq_live_scripts_aspect_any",
        "live_scripts",
        ["aspect"],
        unique=True,
        sqlite_where=sa.text("sku IS NULL"),
        postgresql_where=sa.text("sku IS NULL"),
    )
    with op.batch_alter_table("live_rooms", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "alert_rules",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("live_rooms", schema=None) as batch_op:
        batch_op.drop_column("alert_rules")
    op.drop_index("uq_live_scripts_aspect_any", table_name="live_scripts")
    op.drop_table("live_scripts")
