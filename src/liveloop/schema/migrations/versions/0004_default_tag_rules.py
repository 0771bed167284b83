"""default tag rules (关注健康, 活跃于晚间时段, 有特定健康需求, 价格敏感型)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from liveloop.store.base import JSONDoc, UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A frozen copy: later changes to liveloop.profiles.rules.DEFAULT_RULES do not rewrite history.
DEFAULT_RULES = [
    {
        "kind": "event",
        "tag": "有特定健康需求",
        "event": "Live Comment Posted",
        "where": {
            "field": "properties.text",
            "op": "contains_any",
            "value": ["糖尿病", "高血压", "血糖", "孕妇", "减脂"],
        },
    },
    {
        "kind": "profile",
        "tag": "关注健康",
        "where": {
            "any": [
                {"field": "categories", "op": "contains_any", "value": ["滋补健康"]},
                {"field": "lives_attended", "op": "gte", "value": 3},
            ]
        },
    },
    {
        "kind": "profile",
        "tag": "活跃于晚间时段",
        "where": {
            "all": [
                {"field": "events", "op": "gte", "value": 5},
                {"field": "evening_share", "op": "gte", "value": 0.5},
            ]
        },
    },
    {
        "kind": "profile",
        "tag": "价格敏感型",
        "where": {
            "all": [
                {"field": "orders", "op": "gte", "value": 3},
                {"field": "coupon_order_share", "op": "gte", "value": 0.5},
            ]
        },
    },
]

tag_rules = sa.table(
    "tag_rules",
    sa.column("tag", sa.String),
    sa.column("kind", sa.String),
    sa.column("rule", JSONDoc),
    sa.column("enabled", sa.Boolean),
    sa.column("created_at", UTCDateTime),
)


def upgrade() -> None:
    now = datetime(2026, 11, 22, tzinfo=UTC)
    op.bulk_insert(
        tag_rules,
        [
            {"tag": r["tag"], "kind": r["kind"], "rule": r, "enabled": True, "created_at": now}
            for r in DEFAULT_RULES
        ],
    )


def downgrade() -> None:
    op.execute(tag_rules.delete().where(tag_rules.c.tag.in_([r["tag"] for r in DEFAULT_RULES])))
