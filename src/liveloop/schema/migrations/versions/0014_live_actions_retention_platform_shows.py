"""live actions (append-only, kept for the retention period), the retention horizon, the
platforms' shows a connector pulls

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import liveloop.store.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
FACTS = ("room", "live_session_id", "kind", "target", "detail", "taken_by", "at", "key")

# An action's facts never change; a row is deleted only once older than the horizon the
# retention purge wrote (no horizon row: nothing may be deleted).
SQLITE_TRIGGERS = (
    f"""
    CREATE TRIGGER live_actions_facts_fixed BEFORE UPDATE OF id, {", ".join(FACTS)}
    ON live_actions
    BEGIN SELECT RAISE(ABORT, 'live_actions is append-only: an action''s facts never change');
    END
    """,
    """
    CREATE TRIGGER live_actions_kept BEFORE DELETE ON live_actions
    WHEN OLD.at >= COALESCE((SELECT purge_before FROM live_retention WHERE id = 1), '')
    BEGIN SELECT RAISE(ABORT, 'live_actions rows are kept for the retention period');
    END
    """,
)
POSTGRES_FUNCTION = """
CREATE FUNCTION live_actions_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.at >= COALESCE(
            (SELECT purge_before FROM live_retention WHERE id = 1), '-infinity'::timestamptz
        ) THEN
            RAISE EXCEPTION 'live_actions rows are kept for the retention period';
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.room IS DISTINCT FROM OLD.room
        OR NEW.live_session_id IS DISTINCT FROM OLD.live_session_id
        OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.target IS DISTINCT FROM OLD.target
        OR NEW.detail::text IS DISTINCT FROM OLD.detail::text
        OR NEW.taken_by IS DISTINCT FROM OLD.taken_by OR NEW.at IS DISTINCT FROM OLD.at
        OR NEW.key IS DISTINCT FROM OLD.key THEN
        RAISE EXCEPTION 'live_actions is append-only: an action''s facts never change';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql
"""
POSTGRES_TRIGGER = """
CREATE TRIGGER live_actions_append_only BEFORE UPDATE OR DELETE ON live_actions
FOR EACH ROW EXECUTE FUNCTION live_actions_append_only()
"""


def upgrade() -> None:
    op.create_table(
        "live_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room", sa.String(length=64), nullable=False),
        sa.Column("live_session_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=128), nullable=True),
        sa.Column("detail", JSON, nullable=False),
        sa.Column("taken_by", sa.String(length=64), nullable=False),
        sa.Column("at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("delivery_status", sa.String(length=12), nullable=False),
        sa.Column("delivered_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivery_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_actions")),
        sa.UniqueConstraint("key", name=op.f("uq_live_actions_key")),
    )
    with op.batch_alter_table("live_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_actions_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_live_actions_live_session_id"), ["live_session_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_live_actions_room"), ["room"], unique=False)

    op.create_table(
        "live_platform_shows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("live_session_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=24), nullable=False),
        sa.Column("platform_show_id", sa.String(length=128), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("next_pull_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("pulled_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("viewers", sa.Integer(), nullable=False),
        sa.Column("info", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_platform_shows")),
        sa.UniqueConstraint("live_session_id", name=op.f("uq_live_platform_shows_live_session_id")),
        sa.UniqueConstraint(
            "platform", "platform_show_id", name=op.f("uq_live_platform_shows_platform")
        ),
    )
    with op.batch_alter_table("live_platform_shows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_platform_shows_state"), ["state"], unique=False)

    op.create_table(
        "live_retention",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purge_before", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("purged_at", liveloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_retention")),
    )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS live_actions_append_only ON live_actions")
        op.execute("DROP FUNCTION IF EXISTS live_actions_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS live_actions_facts_fixed")
        op.execute("DROP TRIGGER IF EXISTS live_actions_kept")
    op.drop_table("live_retention")
    with op.batch_alter_table("live_platform_shows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_platform_shows_state"))
    op.drop_table("live_platform_shows")
    with op.batch_alter_table("live_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_actions_room"))
        batch_op.drop_index(batch_op.f("ix_live_actions_live_session_id"))
        batch_op.drop_index(batch_op.f("ix_live_actions_at"))
    op.drop_table("live_actions")
