"""The simulator's output tables: what a brand's systems would hand us (CRM export, orders,
tracked events, groups) and, separately, the planted truth. Each table is a list of dict rows
with a fixed Arrow schema, so Parquet output is typed and reproducible."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import pyarrow as pa

MONEY = pa.decimal128(12, 2)
TS = pa.timestamp("ms", tz="UTC")

SCHEMAS: dict[str, pa.Schema] = {
    # --- what the brand's systems export ---
    "customers": pa.schema(
        [
            ("member_no", pa.string()),
            ("name", pa.string()),
            ("gender", pa.string()),
            ("phone", pa.string()),
            ("birthday", pa.date32()),
            ("province", pa.string()),
            ("city", pa.string()),
            ("member_tier", pa.string()),
            ("registered_at", TS),
            ("consent_sms", pa.bool_()),
            ("consent_wecom", pa.bool_()),
            ("consent_email", pa.bool_()),
        ]
    ),
    "orders": pa.schema(
        [
            ("order_no", pa.string()),
            ("placed_at", TS),
            ("channel", pa.string()),
            ("buyer_id_type", pa.string()),
            ("buyer_id", pa.string()),
            ("receiver_phone", pa.string()),
            ("total", MONEY),
            ("discount", MONEY),
            ("coupon_code", pa.string()),
            ("live_session_id", pa.int32()),
            ("leader_id", pa.int32()),
            ("pickup_id", pa.int32()),
            ("status", pa.string()),
            ("refunded_at", TS),
            ("refund_reason", pa.string()),
        ]
    ),
    "order_items": pa.schema(
        [
            ("order_no", pa.string()),
            ("line_no", pa.int16()),
            ("sku", pa.string()),
            ("quantity", pa.int16()),
            ("unit_price", MONEY),
        ]
    ),
    "events": pa.schema(
        [
            ("message_id", pa.string()),
            ("type", pa.string()),
            ("event", pa.string()),
            ("user_id", pa.string()),
            ("anonymous_id", pa.string()),
            ("timestamp", TS),
            ("properties", pa.string()),
            ("context", pa.string()),
        ]
    ),
    "group_members": pa.schema(
        [
            ("group_id", pa.int32()),
            ("unionid", pa.string()),
            ("joined_at", TS),
        ]
    ),
    # --- the planted truth ---
    "truth_people": pa.schema(
        [
            ("person_id", pa.int64()),
            ("buyer_kind", pa.string()),
            ("p_dropout", pa.float64()),
            ("joined_at", TS),
            ("first_order_at", TS),
            ("dropped_at", TS),
            ("province", pa.string()),
            ("city", pa.string()),
            ("pool", pa.string()),
            ("has_infant", pa.bool_()),
            ("health_need", pa.string()),
            ("baker", pa.bool_()),
            ("coffee", pa.bool_()),
            ("fitness", pa.bool_()),
            ("price_sensitive", pa.bool_()),
            ("viewer", pa.bool_()),
            ("attendance", pa.float64()),
            ("leader_id", pa.int32()),
            ("member", pa.bool_()),
        ]
    ),
    "truth_identifiers": pa.schema(
        [
            ("type", pa.string()),
            ("value", pa.string()),
            ("person_id", pa.int64()),
            ("valid_from", TS),
            ("valid_to", TS),
            ("trap", pa.string()),
        ]
    ),
    "truth_staples": pa.schema(
        [
            ("person_id", pa.int64()),
            ("sku", pa.string()),
            ("planted_interval_days", pa.float64()),
        ]
    ),
    "truth_orders": pa.schema(
        [
            ("order_no", pa.string()),
            ("person_id", pa.int64()),
            ("kind", pa.string()),
        ]
    ),
    "truth_comments": pa.schema(
        [
            ("message_id", pa.string()),
            ("live_session_id", pa.int32()),
            ("intent", pa.string()),
            ("aspect", pa.string()),
            ("sentiment", pa.string()),
        ]
    ),
}


@dataclass
class Chunk:
    """The rows one chunk of people produced, table by table."""

    first_person: int
    customers: list[dict] = field(default_factory=list)
    orders: list[dict] = field(default_factory=list)
    order_items: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    group_members: list[dict] = field(default_factory=list)
    truth_people: list[dict] = field(default_factory=list)
    truth_identifiers: list[dict] = field(default_factory=list)
    truth_staples: list[dict] = field(default_factory=list)
    truth_orders: list[dict] = field(default_factory=list)
    truth_comments: list[dict] = field(default_factory=list)

    def tables(self) -> dict[str, list[dict]]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in SCHEMAS}

    def arrow(self, name: str) -> pa.Table:
        return pa.Table.from_pylist(getattr(self, name), schema=SCHEMAS[name])
