"""Refresh the snapshot from the operational store, incrementally.

Order lines and events are appended past the last id exported; events only up to the
``profiles`` consumer's cursor, so every exported tracked event already names its person.
Customers and orders are versioned by ``updated_at`` (merges re-point customers, refunds and
OneID reassignments touch orders). Products and live sessions are small and copied whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
from sqlalchemy import BigInteger, select, type_coerce
from sqlalchemy.orm import Session, sessionmaker

from liveloop.analytics.snapshot.files import Manifest, Snapshot, month_of
from liveloop.analytics.snapshot.tables import (
    CUSTOMERS,
    EVENTS,
    LIVE_SESSIONS,
    ORDER_ITEMS,
    ORDERS,
    PRODUCTS,
    SnapshotTable,
)
from liveloop.commerce.contracts import COUNTED_STATUSES
from liveloop.commerce.models import Order, OrderItem, Product
from liveloop.live.models import LiveSession
from liveloop.profiles.models import Customer
from liveloop.profiles.service import PROFILES_CONSUMER
from liveloop.store.consumers import ConsumerCursor
from liveloop.store.eventlog import Event

BATCH = 50_000
OVERLAP = timedelta(minutes=10)
COUNTED = {status.value for status in COUNTED_STATUSES}
MAX_PARTS = 24  # past this many parts a table is compacted into one per partition


@dataclass
class RefreshReport:
    rows: dict[str, int] = field(default_factory=dict)  # rows exported this time, per table
    compacted: list[str] = field(default_factory=list)


def refresh(factory: sessionmaker[Session], snapshot: Snapshot) -> RefreshReport:
    """Bring ``snapshot`` up to date with the store; safe to interrupt at any point."""
    manifest = snapshot.manifest()
    report = RefreshReport()
    with factory() as session:
        for table, export in EXPORTS.items():
            state = manifest.tables[table.name]
            if table.mode == "full":
                state.parts, state.rows = [], 0
            exported = 0
            for rows, watermark in export(session, state.watermark):
                state.parts += snapshot.write_part(table, rows)
                state.rows += rows.num_rows
                exported += rows.num_rows
                state.watermark = watermark
            report.rows[table.name] = exported
    for table in EXPORTS:
        if len(manifest.tables[table.name].parts) > MAX_PARTS:
            compact(snapshot, manifest, table)
            report.compacted.append(table.name)
    manifest.source = "store"
    snapshot.commit(manifest)
    return report


Batches = Iterator[tuple[pa.Table, Any]]


def _batches(
    session: Session,
    query: Any,
    table: SnapshotTable,
    convert: Callable[[Sequence[Any]], tuple[Any, ...]],
    watermark_of: Callable[[tuple[Any, ...]], Any],
) -> Batches:
    names = table.schema.names
    result = session.execute(query.execution_options(yield_per=BATCH))
    for chunk in result.partitions():
        rows = [convert(row) for row in chunk]
        columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
        data = pa.table(
            {
                name: pa.array(values, table.schema.field(name).type)
                for name, values in zip(names, columns, strict=False)
                if name != "month"
            }
        )
        if table.partition:
            data = data.append_column("month", month_of(data.column(table.partition)))
        yield data, watermark_of(rows[-1])


def _naive(at: datetime | None) -> datetime | None:
    return None if at is None else at.astimezone(UTC).replace(tzinfo=None)


def _since(watermark: str | None) -> datetime:
    if watermark is None:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return datetime.fromisoformat(watermark) - OVERLAP


def _customers(session: Session, watermark: str | None) -> Batches:
    query = (
        select(
            Customer.id,
            Customer.merged_into_id,
            Customer.created_at,
            Customer.province,
            Customer.city,
            Customer.member_tier,
            Customer.updated_at,
        )
        .where(Customer.updated_at > _since(watermark))
        .order_by(Customer.updated_at, Customer.id)
    )

    def convert(row: Sequence[Any]) -> tuple[Any, ...]:
        return (row[0], row[1], _naive(row[2]), row[3], row[4], row[5], _naive(row[6]))

    return _batches(session, query, CUSTOMERS, convert, _updated_watermark)


def _updated_watermark(row: tuple[Any, ...]) -> str:
    return row[-1].replace(tzinfo=UTC).isoformat()


def _orders(session: Session, watermark: str | None) -> Batches:
    query = (
        select(
            Order.id,
            Order.order_no,
            Order.customer_id,
            Order.channel,
            Order.status,
            type_coerce(Order.total, BigInteger),  # fen, not Decimal: cheaper by far
            type_coerce(Order.discount, BigInteger),
            Order.attributes,
            Order.live_session_id,
            Order.placed_at,
            Order.updated_at,
            type_coerce(Order.refunded_amount, BigInteger),
        )
        .where(Order.updated_at > _since(watermark))
        .order_by(Order.updated_at, Order.id)
    )

    def convert(row: Sequence[Any]) -> tuple[Any, ...]:
        attributes = row[7] or {}
        counted = row[4] in COUNTED
        return (
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            counted,
            # A purchase that stands counts what the buyer kept paying: less a partial refund.
            (row[5] - row[11]) / 100 if counted else row[5] / 100,
            row[6] / 100,
            attributes.get("coupon_code"),
            row[8],
            _whole(attributes.get("leader_id")),
            _whole(attributes.get("pickup_id")),
            _naive(row[9]),
            _naive(row[10]),
        )

    return _batches(session, query, ORDERS, convert, _updated_watermark)


def _order_items(session: Session, watermark: int | None) -> Batches:
    query = (
        select(
            OrderItem.id,
            OrderItem.order_id,
            Product.sku,
            OrderItem.quantity,
            type_coerce(OrderItem.unit_price, BigInteger),
        )
        .join(Product, Product.id == OrderItem.product_id)
        .where(OrderItem.id > (watermark or 0))
        .order_by(OrderItem.id)
    )

    def convert(row: Sequence[Any]) -> tuple[Any, ...]:
        return (row[0], row[1], row[2], row[3], row[4] / 100)

    return _batches(session, query, ORDER_ITEMS, convert, lambda row: row[0])


def _events(session: Session, watermark: int | None) -> Batches:
    resolved = session.scalar(
        select(ConsumerCursor.position).where(ConsumerCursor.name == PROFILES_CONSUMER)
    )
    query = (
        select(
            Event.id,
            Event.name,
            Event.type,
            Event.customer_id,
            Event.timestamp,
            Event.context,
            Event.properties,
        )
        .where(Event.id > (watermark or 0), Event.id <= (resolved or 0))
        .order_by(Event.id)
    )

    def convert(row: Sequence[Any]) -> tuple[Any, ...]:
        context, props = row[5] or {}, row[6] or {}
        channel = context.get("channel")
        sku = props.get("sku")
        return (
            row[0],
            row[1],
            row[2],
            row[3],
            _naive(row[4]),
            channel if isinstance(channel, str) else None,
            _whole(props.get("live_session_id")),
            sku if isinstance(sku, str) else None,
            _whole(props.get("watch_seconds")),
        )

    return _batches(session, query, EVENTS, convert, lambda row: row[0])


def _products(session: Session, watermark: Any) -> Batches:
    query = select(
        Product.sku,
        Product.name,
        Product.category,
        type_coerce(Product.price, BigInteger),
        Product.shelf_life_days,
        Product.cold_chain,
    ).order_by(Product.sku)

    def convert(row: Sequence[Any]) -> tuple[Any, ...]:
        return (row[0], row[1], row[2], row[3] / 100, row[4], row[5])

    return _batches(session, query, PRODUCTS, convert, lambda row: None)


def _live_sessions(session: Session, watermark: Any) -> Batches:
    query = select(
        LiveSession.id,
        LiveSession.room,
        LiveSession.title,
        LiveSession.host,
        LiveSession.started_at,
        LiveSession.ended_at,
        LiveSession.costs,
    ).order_by(LiveSession.id)

    def convert(row: Sequence[Any]) -> tuple[Any, ...]:
        cost = sum((Decimal(str(v)) for v in (row[6] or {}).values()), Decimal(0))
        return (row[0], row[1], row[2], row[3], _naive(row[4]), _naive(row[5]), float(cost))

    return _batches(session, query, LIVE_SESSIONS, convert, lambda row: None)


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


EXPORTS: dict[SnapshotTable, Callable[[Session, Any], Batches]] = {
    CUSTOMERS: _customers,
    ORDERS: _orders,
    ORDER_ITEMS: _order_items,
    EVENTS: _events,
    PRODUCTS: _products,
    LIVE_SESSIONS: _live_sessions,
}


def compact(snapshot: Snapshot, manifest: Manifest, table: SnapshotTable) -> None:
    """Rewrite ``table``'s parts as one per partition, keeping the newest version of each key."""
    import duckdb

    paths = [str(path) for path in snapshot.paths(table, manifest)]
    order = "updated_at DESC" if table.mode == "versioned" else table.key
    files = ", ".join("'" + path.replace("'", "''") + "'" for path in paths)
    with duckdb.connect() as connection:
        data = connection.sql(
            f"SELECT * EXCLUDE (_n) FROM (SELECT *, ROW_NUMBER() OVER "
            f"(PARTITION BY {table.key} ORDER BY {order}) AS _n FROM read_parquet([{files}])) "
            "WHERE _n = 1"
        ).to_arrow_table()
    state = manifest.tables[table.name]
    state.parts = snapshot.write_part(table, data)
    state.rows = data.num_rows
