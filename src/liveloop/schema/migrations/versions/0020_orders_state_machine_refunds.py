"""orders as a state machine: order money and transition columns, line refunds, order_refunds

Revision ID: 0020
Revises: 0022
Create Date: 2026-12-07 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import liveloop.store.base

revision: str = "0020"
# The lead re-chains this after the others when merged. On h-orders it follows loyalty's 0022
# (merged for points at checkout), so the branch has one head.
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WHEN = liveloop.store.base.UTCDateTime(timezone=True)
MONEY = liveloop.store.base.Money()


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        for name in ("subtotal", "coupon_discount", "points_value", "refunded_amount"):
            batch_op.add_column(sa.Column(name, MONEY, server_default=sa.text("0"), nullable=False))
        batch_op.add_column(
            sa.Column("points_used", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(sa.Column("leader", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("address", JSON, nullable=True))
        batch_op.add_column(sa.Column("request_digest", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("paid_at", WHEN, nullable=True))
        batch_op.add_column(sa.Column("transaction_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("paid_via", sa.String(length=64), nullable=True))
        for name in ("shipped_at", "delivered_at", "completed_at", "cancelled_at"):
            batch_op.add_column(sa.Column(name, WHEN, nullable=True))
        batch_op.add_column(sa.Column("cancel_reason", sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f("ix_orders_leader"), ["leader"], unique=False)
        batch_op.create_index("ix_orders_status_placed_at", ["status", "placed_at"], unique=False)
        batch_op.create_index(
            "ix_orders_status_delivered_at", ["status", "delivered_at"], unique=False
        )
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "refunded_quantity", sa.Integer(), server_default=sa.text("0"), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("refunded_amount", MONEY, server_default=sa.text("0"), nullable=False)
        )
    op.create_table(
        "order_refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("refund_no", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("lines", JSON, nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("order_status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("requested_at", WHEN, nullable=False),
        sa.Column("settled_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_refunds_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_refunds")),
        sa.UniqueConstraint("refund_no", name=op.f("uq_order_refunds_refund_no")),
    )
    with op.batch_alter_table("order_refunds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_refunds_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            "ix_order_refunds_status_requested_at", ["status", "requested_at"], unique=False
        )
    # Orders recorded before: paid when placed, their money terms and refunds as they were.
    op.execute(
        "UPDATE orders SET subtotal = total + discount, paid_at = placed_at, paid_via = 'recorded'"
    )
    op.execute(
        "UPDATE orders SET coupon_discount = COALESCE((SELECT c.discount FROM coupons c "
        "WHERE c.order_no = orders.order_no AND c.status = 'redeemed'), 0)"
    )
    op.execute("UPDATE orders SET refunded_amount = total WHERE status = 'refunded'")
    op.execute(
        "INSERT INTO order_refunds (refund_no, order_id, amount, lines, reason, status, "
        "order_status, source, requested_at, settled_at) "
        "SELECT order_no, id, total, '[]', 'refunded before refunds were kept', 'succeeded', "
        "'paid', 'migration 0020', updated_at, updated_at FROM orders WHERE status = 'refunded'"
    )


def downgrade() -> None:
    with op.batch_alter_table("order_refunds", schema=None) as batch_op:
        batch_op.drop_index("ix_order_refunds_status_requested_at")
        batch_op.drop_index(batch_op.f("ix_order_refunds_order_id"))
    op.drop_table("order_refunds")
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.drop_column("refunded_amount")
        batch_op.drop_column("refunded_quantity")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_status_delivered_at")
        batch_op.drop_index("ix_orders_status_placed_at")
        batch_op.drop_index(batch_op.f("ix_orders_leader"))
        for name in (
            "cancel_reason",
            "cancelled_at",
            "completed_at",
            "delivered_at",
            "shipped_at",
            "paid_via",
            "transaction_id",
            "paid_at",
            "request_digest",
            "address",
            "leader",
            "points_used",
            "refunded_amount",
            "points_value",
            "coupon_discount",
            "subtotal",
        ):
            batch_op.drop_column(name)
