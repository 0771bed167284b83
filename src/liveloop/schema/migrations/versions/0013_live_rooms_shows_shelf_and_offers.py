"""live rooms, shows (series, planned length, 场控, audience rule), shelf items and prepared
offers; a room for every room code the sessions already name

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import liveloop.store.base

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
# A frozen copy of the names rooms got before anyone named them (live.rooms.DEFAULT_NAMES).
DEFAULT_NAMES = {"main": "官方直播间"}


def upgrade() -> None:
    op.create_table(
        "live_rooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=24), nullable=False),
        sa.Column("connector", JSON, nullable=False),
        sa.Column("secret_ref", sa.String(length=64), nullable=True),
        sa.Column("created_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_rooms")),
        sa.UniqueConstraint("code", name=op.f("uq_live_rooms_code")),
    )
    op.create_table(
        "live_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("live_session_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=64), nullable=False),
        sa.Column("coupon_template", sa.String(length=32), nullable=True),
        sa.Column("prize_sku", sa.String(length=32), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("conditions", JSON, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["live_session_id"],
            ["live_sessions.id"],
            name=op.f("fk_live_offers_live_session_id_live_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_offers")),
        sa.UniqueConstraint(
            "live_session_id", "title", name=op.f("uq_live_offers_live_session_id")
        ),
    )
    with op.batch_alter_table("live_offers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_live_offers_live_session_id"), ["live_session_id"], unique=False
        )
    op.create_table(
        "live_shelf_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("live_session_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.Column("live_price", liveloop.store.base.Money(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("on_shelf", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["live_session_id"],
            ["live_sessions.id"],
            name=op.f("fk_live_shelf_items_live_session_id_live_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_shelf_items")),
        sa.UniqueConstraint(
            "live_session_id", "sku", name=op.f("uq_live_shelf_items_live_session_id")
        ),
    )
    with op.batch_alter_table("live_shelf_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_live_shelf_items_live_session_id"), ["live_session_id"], unique=False
        )

    with op.batch_alter_table("live_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("series", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("planned_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("controllers", JSON, nullable=True))
        batch_op.add_column(
            sa.Column("members_only", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("early_entry_tier", sa.String(length=8), nullable=True))
        batch_op.add_column(
            sa.Column("early_minutes", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute("UPDATE live_sessions SET controllers = '[]'")
    with op.batch_alter_table("live_sessions", schema=None) as batch_op:
        batch_op.alter_column("controllers", existing_type=JSON, nullable=False)

    # Sessions name their room by its code; each code they name becomes a room (the webhook's
    # generic door, our own H5 room) that an operator may rename.
    sessions = sa.table(
        "live_sessions",
        sa.column("room", sa.String),
        sa.column("scheduled_at", liveloop.store.base.UTCDateTime(timezone=True)),
    )
    rooms = sa.table(
        "live_rooms",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("platform", sa.String),
        sa.column("connector", JSON),
        sa.column("created_at", liveloop.store.base.UTCDateTime(timezone=True)),
    )
    first = op.get_bind().execute(
        sa.select(sessions.c.room, sa.func.min(sessions.c.scheduled_at)).group_by(sessions.c.room)
    )
    rows = [
        {
            "code": code,
            "name": DEFAULT_NAMES.get(code, f"直播间 {code}"),
            "platform": "own_h5",
            "connector": {},
            "created_at": at,  # min() keeps the column type: an aware UTC time
        }
        for code, at in first
    ]
    if rows:
        op.bulk_insert(rooms, rows)


def downgrade() -> None:
    with op.batch_alter_table("live_sessions", schema=None) as batch_op:
        batch_op.drop_column("early_minutes")
        batch_op.drop_column("early_entry_tier")
        batch_op.drop_column("members_only")
        batch_op.drop_column("controllers")
        batch_op.drop_column("planned_minutes")
        batch_op.drop_column("series")
    with op.batch_alter_table("live_shelf_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_shelf_items_live_session_id"))
    op.drop_table("live_shelf_items")
    with op.batch_alter_table("live_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_offers_live_session_id"))
    op.drop_table("live_offers")
    op.drop_table("live_rooms")
