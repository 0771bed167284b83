"""portal: leaders' tracked share links (portal_share_links)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-09 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import liveloop.store.base

revision: str = "0030"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portal_share_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=16), nullable=False),
        sa.Column("leader", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("created_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_share_links")),
        sa.UniqueConstraint("token", name=op.f("uq_portal_share_links_token")),
        sa.UniqueConstraint("leader", "kind", "target", name=op.f("uq_portal_share_links_leader")),
    )
    with op.batch_alter_table("portal_share_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_share_links_leader"), ["leader"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("portal_share_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_share_links_leader"))

    op.drop_table("portal_share_links")
