"""a show's follow-up audiences (live_audience_members) and system segments' origin

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_audience_members",
        sa.Column("live_session_id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=24), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_live_audience_members_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint(
            "live_session_id", "audience", "customer_id", name=op.f("pk_live_audience_members")
        ),
    )
    with op.batch_alter_table("segments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "origin",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("segments", schema=None) as batch_op:
        batch_op.drop_column("origin")
    op.drop_table("live_audience_members")
