"""journeys, versions, journey states and step runs

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 04:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import liveloop.store.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = liveloop.store.base.UTCDateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "journeys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("trigger_event", sa.String(length=128), nullable=True),
        sa.Column("entry_since", UTC, nullable=True),
        sa.Column("scanned_through", sa.String(length=32), nullable=True),
        sa.Column("template", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journeys")),
        sa.UniqueConstraint("key", name=op.f("uq_journeys_key")),
    )
    op.create_index(op.f("ix_journeys_status"), "journeys", ["status"])
    op.create_index(op.f("ix_journeys_trigger_event"), "journeys", ["trigger_event"])
    op.create_table(
        "journey_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", JSON, nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["journey_id"], ["journeys.id"], name=op.f("fk_journey_versions_journey_id_journeys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_versions")),
        sa.UniqueConstraint("journey_id", "version", name=op.f("uq_journey_versions_journey_id")),
    )
    op.create_table(
        "journey_states",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("entry_key", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("step", sa.String(length=48), nullable=True),
        sa.Column("due_at", UTC, nullable=True),
        sa.Column("waiting_for", sa.String(length=128), nullable=True),
        sa.Column("variant", sa.String(length=32), nullable=True),
        sa.Column("context", JSON, nullable=False),
        sa.Column("entered_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("finished_at", UTC, nullable=True),
        sa.Column("exit_reason", sa.String(length=64), nullable=True),
        sa.Column("goal_until", UTC, nullable=True),
        sa.Column("converted_at", UTC, nullable=True),
        sa.Column("revenue", liveloop.store.base.Money(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_journey_states_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["journey_id"], ["journeys.id"], name=op.f("fk_journey_states_journey_id_journeys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_states")),
        sa.UniqueConstraint(
            "journey_id",
            "customer_id",
            "entry_key",
            name=op.f("uq_journey_states_journey_id"),
        ),
    )
    op.create_index("ix_journey_states_due", "journey_states", ["status", "due_at"])
    op.create_index("ix_journey_states_person", "journey_states", ["customer_id", "status"])
    op.create_index(op.f("ix_journey_states_journey_id"), "journey_states", ["journey_id"])
    op.create_table(
        "journey_step_runs",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("state_id", BIGID, nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=48), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=48), nullable=False),
        sa.Column("detail", sa.String(length=255), nullable=True),
        sa.Column("message_id", BIGID, nullable=True),
        sa.Column("at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["journey_id"], ["journeys.id"], name=op.f("fk_journey_step_runs_journey_id_journeys")
        ),
        sa.ForeignKeyConstraint(
            ["state_id"],
            ["journey_states.id"],
            name=op.f("fk_journey_step_runs_state_id_journey_states"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_step_runs")),
    )
    op.create_index(
        "ix_journey_step_runs_journey", "journey_step_runs", ["journey_id", "version", "step"]
    )
    op.create_index(op.f("ix_journey_step_runs_state_id"), "journey_step_runs", ["state_id"])


def downgrade() -> None:
    op.drop_table("journey_step_runs")
    op.drop_table("journey_states")
    op.drop_table("journey_versions")
    op.drop_table("journeys")
