"""Observations: records that saw identifiers together, read from a brand's exports.

An observation is one record and the identifiers it carries, seen together at one time:
- an event (identify or track, as the ingestion API stores it): ``userId`` → member_no,
  ``anonymousId`` → anonymous_id, ``properties.traits.phone`` → phone, alias
  ``properties.previousId`` → anonymous_id, each ``context.externalIds[]`` of a known type, and
  ``context.device.id`` → device_id — the mapping online resolution uses
  (``identity.extract``);
- an order: its buyer identifier as the channel saw it;
- a CRM customer row: member no. and phone.

Every raw value goes through ``identifiers.normalise`` (phones in any format → E.164;
placeholders such as "null", "0", "13800000000" refused) once per distinct (type, raw value),
in batches of rows (``Engine.map_batches``), then through the operator's blocklist.
Observations left with no usable identifier take no part in the graph.

Tables made here, which the recompute reads:
    observations(obs, source, ref, seen_at)  a view; source ∈ {event, order, crm}, ref = message
                                             id, order no. or member no.; obs = the record's
                                             position in its file, offset per source
    identifiers(node, type, value, strong, type_limit)
                                             each usable normalised identifier once; node ids
                                             are dense and follow (type priority, value), so a
                                             smaller node is a more trusted identifier
    marks(obs, seen_at, node, strong)        which identifiers each observation carries
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from liveloop.identity.batch.engine import Engine
from liveloop.identity.contracts import IdentityType
from liveloop.identity.identifiers import InvalidIdentifier, normalise
from liveloop.identity.rules import RULES

KNOWN_TYPES = tuple(t.value for t in IdentityType)
CLEAN_COLUMNS = (("type", "VARCHAR"), ("raw", "VARCHAR"), ("value", "VARCHAR"))
# obs = offset + row position, so records of different sources never share an id.
ORDER_OFFSET = 1 << 40
CRM_OFFSET = 2 << 40


def normalised_or_none(kind: str, raw: str) -> str | None:
    """The online normalisation; a refused value (placeholder, malformed) becomes None."""
    try:
        return normalise(kind, raw)
    except (InvalidIdentifier, ValueError):
        return None


def normalise_batch(batch: pa.Table) -> pa.Table:
    """(type, raw) rows → (type, raw, value), value None where normalisation refused it."""
    kinds, raws = batch.column("type").to_pylist(), batch.column("raw").to_pylist()
    values = [normalised_or_none(k, r) for k, r in zip(kinds, raws, strict=True)]
    return batch.select(["type", "raw"]).append_column("value", pa.array(values, pa.string()))


OBSERVATIONS = f"""
SELECT row_index AS obs, 'event' AS source, message_id AS ref, "timestamp" AS seen_at
FROM events
UNION ALL
SELECT {ORDER_OFFSET} + row_index, 'order', order_no, placed_at FROM orders
UNION ALL
SELECT {CRM_OFFSET} + row_index, 'crm', member_no, registered_at FROM customers
"""

_EVENTS = """
SELECT row_index AS obs, "timestamp" AS seen_at, user_id, anonymous_id, properties, context
FROM events
"""

# One row per (record, identifier) as the source wrote it. The LIKE guards skip parsing JSON
# that cannot hold the field (most events carry no traits, alias or device).
RAW_SIGHTINGS = f"""
WITH ev AS ({_EVENTS})
SELECT obs, seen_at, 'member_no' AS type, user_id AS raw FROM ev WHERE user_id IS NOT NULL
UNION ALL
SELECT obs, seen_at, 'anonymous_id', anonymous_id FROM ev WHERE anonymous_id IS NOT NULL
UNION ALL
SELECT obs, seen_at, 'phone', json_extract_string(properties, '$.traits.phone')
FROM ev WHERE properties LIKE '%"traits"%'
UNION ALL
SELECT obs, seen_at, 'email', json_extract_string(properties, '$.traits.email')
FROM ev WHERE properties LIKE '%"email"%'
UNION ALL
SELECT obs, seen_at, 'phone', json_extract_string(context, '$.traits.phone')
FROM ev WHERE context LIKE '%"traits"%'
UNION ALL
SELECT obs, seen_at, 'email', json_extract_string(context, '$.traits.email')
FROM ev WHERE context LIKE '%"traits"%'
UNION ALL
SELECT obs, seen_at, 'anonymous_id', json_extract_string(properties, '$.previousId')
FROM ev WHERE properties LIKE '%"previousId"%'
UNION ALL
SELECT obs, seen_at, 'device_id', json_extract_string(context, '$.device.id')
FROM ev WHERE context LIKE '%"device"%'
UNION ALL
SELECT obs, seen_at,
       json_extract_string(external, '$.type'), json_extract_string(external, '$.id')
FROM ev
CROSS JOIN UNNEST(CAST(json_extract(context, '$.externalIds') AS VARCHAR[])) AS ids(external)
WHERE context LIKE '%"externalIds"%'
  AND CAST(json_extract(context, '$.externalIds') AS VARCHAR) LIKE '[%'
UNION ALL
SELECT {ORDER_OFFSET} + row_index, placed_at, buyer_id_type, buyer_id FROM orders
UNION ALL
SELECT {ORDER_OFFSET} + row_index, placed_at, 'phone', receiver_phone FROM orders
WHERE receiver_phone IS NOT NULL
UNION ALL
SELECT {CRM_OFFSET} + row_index, registered_at, 'member_no', member_no FROM customers
UNION ALL
SELECT {CRM_OFFSET} + row_index, registered_at, 'phone', phone FROM customers
"""


@dataclass(frozen=True)
class ObservationCounts:
    records: int  # events, orders and CRM rows carrying any identifier field
    marks: int  # (observation, usable identifier) pairs
    identifiers: int  # distinct usable identifiers
    refused_values: int  # distinct raw values normalisation refused (placeholders, malformed)
    blocked_values: int  # distinct normalised values on the blocklist


def register_sim(engine: Engine, sim_dir: Path) -> None:
    """Expose a ``liveloop sim`` output directory's exports (and truth, if present)."""
    for table in ("events", "orders", "customers"):
        engine.register_parquet(table, sim_dir / f"{table}.parquet", row_index=True)
    for table in ("identifiers", "orders"):
        path = sim_dir / "truth" / f"{table}.parquet"
        if path.exists():
            engine.register_parquet(f"truth_{table}", path)


def build_observations(
    engine: Engine, blocklist: Iterable[tuple[str, str]] = ()
) -> ObservationCounts:
    """Make ``observations``, ``identifiers`` and ``marks`` from the registered ``events``,
    ``orders`` and ``customers``; ``blocklist`` holds (type, value) pairs that never identify
    anyone (raw values; they are normalised like everything else)."""
    known = ", ".join(f"'{kind}'" for kind in KNOWN_TYPES)
    engine.view("observations", OBSERVATIONS)
    engine.create(
        "raw_sightings",
        f"SELECT * FROM ({RAW_SIGHTINGS}) AS s WHERE raw IS NOT NULL AND type IN ({known})",
    )
    engine.map_batches(
        "clean_values",
        "SELECT DISTINCT type, raw FROM raw_sightings",
        normalise_batch,
        CLEAN_COLUMNS,
    )
    engine.load_arrow("blocklist", _blocklist_table(blocklist))
    engine.load_arrow("identity_rules", _rules_table())
    engine.create(
        "identifiers",
        """
        SELECT ROW_NUMBER() OVER (ORDER BY r.priority, v.value) AS node, v.type, v.value,
               r.strong, r.type_limit
        FROM (
            SELECT DISTINCT c.type, c.value
            FROM clean_values c LEFT JOIN blocklist b ON b.type = c.type AND b.value = c.value
            WHERE c.value IS NOT NULL AND b.value IS NULL
        ) AS v
        JOIN identity_rules r ON r.type = v.type
        """,
    )
    engine.create(
        "raw_nodes",
        """
        SELECT c.type, c.raw, i.node, i.strong
        FROM clean_values c JOIN identifiers i ON i.type = c.type AND i.value = c.value
        """,
    )
    engine.create(
        "marks",
        """
        SELECT s.obs, s.seen_at, n.node, n.strong
        FROM raw_sightings s JOIN raw_nodes n ON n.type = s.type AND n.raw = s.raw
        """,
    )
    counts = engine.rows(
        """
        SELECT (SELECT COUNT(*) FROM observations),
               (SELECT COUNT(*) FROM marks),
               (SELECT COUNT(*) FROM identifiers),
               (SELECT COUNT(*) FROM clean_values WHERE value IS NULL),
               (SELECT COUNT(DISTINCT c.value)
                FROM clean_values c JOIN blocklist b ON b.type = c.type AND b.value = c.value)
        """
    )[0]
    engine.drop("raw_sightings", "raw_nodes")
    return ObservationCounts(*counts)


def _blocklist_table(blocklist: Iterable[tuple[str, str]]) -> pa.Table:
    rows = set()
    for kind, raw in blocklist:
        value = normalised_or_none(kind, raw)
        if value is not None:
            rows.add((kind, value))
    ordered = sorted(rows)
    return pa.table(
        {
            "type": pa.array([kind for kind, _ in ordered], pa.string()),
            "value": pa.array([value for _, value in ordered], pa.string()),
        }
    )


def _rules_table() -> pa.Table:
    rules = sorted(RULES.values(), key=lambda r: r.priority)
    return pa.table(
        {
            "type": pa.array([r.type.value for r in rules], pa.string()),
            "priority": pa.array([r.priority for r in rules], pa.int32()),
            "strong": pa.array([r.strong for r in rules], pa.bool_()),
            "type_limit": pa.array([r.limit for r in rules], pa.int32()),
        }
    )
