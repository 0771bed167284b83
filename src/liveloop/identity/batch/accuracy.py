"""How well a recompute matches the simulator's planted truth.

Each scored observation has a true person (the simulator's) and a predicted one (ours):
- an event's true person is in its message id, ``sim{seed}-{person_id}-{n}``;
- an order's is in ``truth/orders.parquet``; a CRM row's is the owner of its member no.

**Pairwise precision** is the share of observation pairs we put together that truly belong
together; **pairwise recall** the share of truly-together pairs we put together. Both come
from the contingency table of (true, predicted) counts n_tp, without enumerating pairs:
correct = Σ C(n_tp, 2), predicted = Σ_p C(n_p, 2), true = Σ_t C(n_t, 2). Observations with no
usable identifier (only placeholders or blocked values) are placed with nobody and are not
scored; ``excluded`` counts them.

``linkable_accuracy`` scores the loosest possible resolver (link everything ever seen together)
to show how much recall the data allows at all. The trap report checks each planted trap on
its own: placeholders join nobody, the store tablets are blocked, the two owners of a
reassigned phone stay apart, and a CRM row with a mistyped phone still lands with its member.
"""

from __future__ import annotations

from dataclasses import dataclass

from liveloop.identity.batch.components import connected_components
from liveloop.identity.batch.engine import Engine
from liveloop.identity.batch.observations import normalised_or_none


@dataclass(frozen=True)
class PairwiseAccuracy:
    scored: int  # observations with a true and a predicted person
    excluded: int  # observations with no usable identifier
    true_people: int
    predicted_people: int
    correct_pairs: int
    predicted_pairs: int
    true_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0


@dataclass(frozen=True)
class TrapReport:
    placeholders: int  # placeholder values planted
    placeholders_placed: int  # … that belong to a person (should be 0)
    shared_devices: int  # store tablets planted
    shared_devices_blocked: int
    reassigned_phones: int  # phones that changed owner
    reassigned_kept_apart: int  # … whose two owners are different people
    typo_rows: int  # CRM rows with a mistyped phone
    typo_rows_with_member: int  # … placed with the member's main person


OBSERVATION_TRUTH = """
SELECT 'event' AS source, ref,
       CAST(regexp_extract(ref, '^sim[0-9]+-([0-9]+)-', 1) AS BIGINT) AS person_id
FROM observations WHERE source = 'event'
UNION ALL
SELECT 'order', order_no, person_id FROM truth_orders
UNION ALL
SELECT 'crm', value, person_id FROM truth_identifiers WHERE type = 'member_no'
"""


def pairwise_accuracy(
    engine: Engine, people: str = "observation_people", scored: str = "scored"
) -> PairwiseAccuracy:
    """Score ``people(source, ref, person)`` against the registered truth tables."""
    engine.create("observation_truth", OBSERVATION_TRUTH)
    engine.create(
        scored,
        f"""
        SELECT t.person_id AS truth, p.person AS predicted, p.source
        FROM {people} p
        JOIN observation_truth t ON t.source = p.source AND t.ref = p.ref
        """,
    )
    row = engine.rows(
        f"""
        WITH cells AS (
            SELECT truth, predicted, COUNT(*) AS n FROM {scored} GROUP BY truth, predicted
        )
        SELECT CAST(SUM(n) AS BIGINT),
               CAST(SUM(n * (n - 1)) AS BIGINT),
               (SELECT CAST(SUM(m * (m - 1)) AS BIGINT)
                FROM (SELECT SUM(n) AS m FROM cells GROUP BY predicted) AS by_predicted),
               (SELECT CAST(SUM(m * (m - 1)) AS BIGINT)
                FROM (SELECT SUM(n) AS m FROM cells GROUP BY truth) AS by_truth),
               COUNT(DISTINCT truth), COUNT(DISTINCT predicted),
               (SELECT COUNT(*) FROM observations) - (SELECT COUNT(*) FROM {people})
        FROM cells
        """
    )[0]
    count, correct, predicted, true, true_people, predicted_people, excluded = row
    return PairwiseAccuracy(
        count,
        excluded,
        true_people,
        predicted_people,
        correct // 2,
        predicted // 2,
        true // 2,
    )


def linkable_accuracy(engine: Engine) -> PairwiseAccuracy:
    """The score of linking every pair of identifiers ever seen together (only the blocked
    shared devices left out), with no limits: no resolver that links by co-occurrence can
    recall more than this, since pairs it misses were never seen together. Needs a recompute's
    ``usable_marks`` and ``all_anchors``."""
    engine.create(
        "linkable_links",
        """
        SELECT DISTINCT a.node AS a, m.node AS b
        FROM usable_marks m JOIN all_anchors a ON a.obs = m.obs
        WHERE m.node <> a.node
        """,
    )
    connected_components(engine, "linkable_links", "linkable_components", prefix="linkable_cc")
    engine.create(
        "linkable_people",
        """
        SELECT o.source, o.ref, CAST(COALESCE(c.component, a.node) AS VARCHAR) AS person
        FROM all_anchors a
        JOIN observations o ON o.obs = a.obs
        LEFT JOIN linkable_components c ON c.node = a.node
        """,
    )
    try:
        return pairwise_accuracy(engine, "linkable_people", "linkable_scored")
    finally:
        engine.drop("linkable_links", "linkable_components", "linkable_people", "linkable_scored")


def trap_report(engine: Engine) -> TrapReport:
    """Needs ``pairwise_accuracy`` to have run (it makes ``scored``)."""
    engine.create(
        "main_person",
        """
        SELECT truth, predicted FROM (
            SELECT truth, predicted, ROW_NUMBER() OVER (
                PARTITION BY truth ORDER BY COUNT(*) DESC, predicted) AS rank
            FROM scored GROUP BY truth, predicted
        ) AS ranked WHERE rank = 1
        """,
    )
    placeholders = engine.rows(
        "SELECT type, value FROM truth_identifiers WHERE trap = 'placeholder'"
    )
    normalised = {
        value for kind, raw in placeholders if (value := normalised_or_none(kind, raw)) is not None
    }
    placed = 0
    if normalised:
        listed = ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(normalised))
        placed = engine.scalar(f"SELECT COUNT(*) FROM identity_people WHERE value IN ({listed})")
    shared, blocked = engine.rows(
        """
        SELECT COUNT(*), COUNT(b.value)
        FROM truth_identifiers t LEFT JOIN blocked_identifiers b ON b.value = t.value
        WHERE t.trap = 'shared_device'
        """
    )[0]
    phones, apart = engine.rows(
        """
        WITH owners AS (
            SELECT value, MIN(person_id) AS giver, MAX(person_id) AS taker
            FROM truth_identifiers WHERE trap = 'reassigned_phone'
            GROUP BY value HAVING COUNT(DISTINCT person_id) = 2
        )
        SELECT COUNT(*), COUNT(*) FILTER (WHERE g.predicted <> t.predicted)
        FROM owners o
        JOIN main_person g ON g.truth = o.giver
        JOIN main_person t ON t.truth = o.taker
        """
    )[0]
    typos, with_member = engine.rows(
        """
        SELECT COUNT(*), COUNT(*) FILTER (WHERE s.predicted = m.predicted)
        FROM scored s
        JOIN (SELECT DISTINCT person_id FROM truth_identifiers WHERE trap = 'typo') AS typo
          ON typo.person_id = s.truth
        JOIN main_person m ON m.truth = s.truth
        WHERE s.source = 'crm'
        """
    )[0]
    return TrapReport(len(placeholders), placed, shared, blocked, phones, apart, typos, with_member)
