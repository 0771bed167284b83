"""A snapshot straight from the simulator's files, for benchmarks and engine tests at scale.

Loading a million people through the store takes hours; this writes the snapshot's tables
from the files in seconds, with the planted person as the customer (ids are person_id + 1),
so jobs run on exactly the data they would see after a perfect OneID. Tracked events find
their person by member number or by a device that is not a trap.
"""

from __future__ import annotations

from pathlib import Path

from liveloop.analytics.snapshot.files import Manifest, Snapshot, TableState
from liveloop.analytics.snapshot.tables import TABLES

QUERIES: dict[str, str] = {
    "customers": """
        SELECT p.person_id + 1 AS customer_id, NULL AS merged_into_id,
               p.joined_at::TIMESTAMP AS created_at, p.province, p.city,
               c.member_tier, p.joined_at::TIMESTAMP AS updated_at
        FROM read_parquet('{sim}/truth/people.parquet') p
        LEFT JOIN read_parquet('{sim}/truth/identifiers.parquet') i
          ON i.person_id = p.person_id AND i.type = 'member_no'
        LEFT JOIN read_parquet('{sim}/customers.parquet') c ON c.member_no = i.value
    """,
    "orders": """
        SELECT ROW_NUMBER() OVER (ORDER BY o.placed_at, o.order_no) AS order_id, o.order_no,
               t.person_id + 1 AS customer_id, o.channel, o.status,
               o.status IN ('paid', 'completed') AS counted,
               o.total::DOUBLE AS total, o.discount::DOUBLE AS discount, o.coupon_code,
               o.live_session_id, o.leader_id, o.pickup_id,
               o.placed_at::TIMESTAMP AS placed_at,
               COALESCE(o.refunded_at, o.placed_at)::TIMESTAMP AS updated_at,
               strftime(o.placed_at::TIMESTAMP, '%Y-%m') AS month
        FROM read_parquet('{sim}/orders.parquet') o
        JOIN read_parquet('{sim}/truth/orders.parquet') t USING (order_no)
    """,
    "order_items": """
        SELECT ROW_NUMBER() OVER (ORDER BY o.order_id, i.line_no) AS item_id, o.order_id,
               i.sku, i.quantity, i.unit_price::DOUBLE AS unit_price
        FROM read_parquet('{sim}/order_items.parquet') i
        JOIN orders o USING (order_no)
    """,
    "events": """
        WITH member AS (
            SELECT value, person_id FROM read_parquet('{sim}/truth/identifiers.parquet')
            WHERE type = 'member_no'
        ), device AS (
            SELECT value, person_id FROM read_parquet('{sim}/truth/identifiers.parquet')
            WHERE type = 'device_id' AND trap IS NULL
        )
        SELECT ROW_NUMBER() OVER (ORDER BY e.timestamp, e.message_id) AS event_id,
               COALESCE(e.event, e.type) AS name, e.type,
               COALESCE(m.person_id, d.person_id) + 1 AS customer_id,
               e.timestamp::TIMESTAMP AS timestamp,
               json_extract_string(e.context, '$.channel') AS channel,
               TRY_CAST(json_extract(e.properties, '$.live_session_id') AS BIGINT)
                   AS live_session_id,
               json_extract_string(e.properties, '$.sku') AS sku,
               TRY_CAST(json_extract(e.properties, '$.watch_seconds') AS BIGINT)
                   AS watch_seconds,
               strftime(e.timestamp::TIMESTAMP, '%Y-%m') AS month
        FROM read_parquet('{sim}/events.parquet') e
        LEFT JOIN member m ON m.value = e.user_id
        LEFT JOIN device d ON d.value = e.anonymous_id
    """,
    "products": """
        SELECT sku, name, category, price::DOUBLE AS price, shelf_life_days, cold_chain
        FROM read_parquet('{sim}/catalog.parquet')
    """,
    "live_sessions": """
        SELECT session_id AS live_session_id, room, title, host,
               starts_at::TIMESTAMP AS started_at,
               (starts_at::TIMESTAMP + duration_min * INTERVAL 1 MINUTE) AS ended_at,
               0.0 AS cost
        FROM read_parquet('{sim}/live_sessions.parquet')
    """,
}


def from_simulation(sim: Path, snapshot: Snapshot) -> Snapshot:
    """Write ``snapshot`` (replacing what it held) from the simulation files in ``sim``."""
    import duckdb

    manifest = Manifest(tables={}, source=f"simulation:{sim}")
    with duckdb.connect() as connection:
        connection.execute("SET preserve_insertion_order = false")
        connection.execute("SET TimeZone = 'UTC'")  # the files' aware times → naive UTC
        for table in TABLES:
            query = QUERIES[table.name].format(sim=str(sim).replace("'", "''"))
            connection.execute(f"CREATE TABLE {table.name} AS {query}")
            columns = ", ".join(f'"{name}"' for name in table.schema.names)
            data = connection.sql(f"SELECT {columns} FROM {table.name}").to_arrow_table()
            manifest.tables[table.name] = TableState(
                parts=snapshot.write_part(table, data), rows=data.num_rows
            )
    snapshot.commit(manifest)
    return snapshot
