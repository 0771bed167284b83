"""what each person in a show's follow-up audience asked (live_audience_members.detail)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019"
# The lead re-chains this after 0018 when both are merged.
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("live_audience_members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "detail",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
        batch_op.create_index(
            batch_op.f("ix_live_audience_members_customer_id"), ["customer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("live_audience_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_audience_members_customer_id"))
        batch_op.drop_column("detail")
