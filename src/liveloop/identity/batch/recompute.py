"""The batch OneID recompute: every identifier and every observation → one person.

Reads ``identifiers`` and ``marks`` (made by ``observations``: node ids follow type priority,
so the smallest node of a person is their best identifier) and applies the rules of
``identity.rules`` in four steps:

1. **People by strong identifiers.** Each observation links its strong identifiers (a star
   from its smallest node); connected components by label propagation (``components``);
   components holding more strong values of a type than its limit are settled link by link,
   refusing merges the limits forbid (``conflicts``).
2. **Shared devices.** A weak identifier whose observations belong to more than
   ``SHARED_THRESHOLD`` distinct people of step 1 (an observation belongs to the person of its
   best strong identifier) is a shared device — a store tablet — and is blocked: it links
   nobody and belongs to nobody.
3. **People by all identifiers.** Step 1 again over strong and unblocked weak identifiers.
4. **Weak limits.** A person holding more weak identifiers of a type than its limit keeps the
   most recently seen; the others are dropped from that person and stand alone.

Every identifier then belongs to the person named by that person's smallest node, written
``type:value`` (e.g. ``member_no:M00000042``); every observation belongs to the person of its
best usable identifier. Results do not depend on the engine or on row order.

Tables made: ``identity_people(type, value, person)``, ``observation_people(source, ref,
person)``, ``blocked_identifiers(type, value, reason, people)``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from liveloop.identity.batch.components import connected_components
from liveloop.identity.batch.conflicts import SETTLED_COLUMNS, settle
from liveloop.identity.batch.engine import Engine
from liveloop.identity.rules import SHARED_THRESHOLD


@dataclass(frozen=True)
class Recomputed:
    identifiers: int
    people: int
    observations: int  # observations placed with a person
    conflicts_settled: int  # components that broke a strong limit (final pass)
    shared_blocked: int  # weak identifiers blocked as shared devices
    weak_dropped: int  # weak identifiers dropped past their type's limit
    rounds: int  # label-propagation rounds of the final pass
    seconds: dict[str, float] = field(default_factory=dict)


def recompute(engine: Engine) -> Recomputed:
    """Recompute OneID over the engine's ``identifiers`` and ``marks``."""
    clock = _Stopwatch()
    engine.create("strong_marks", "SELECT * FROM marks WHERE strong")
    _people(engine, "strong_marks", "strong")
    clock.lap("strong people")

    engine.create(
        "shared_identifiers",
        f"""
        SELECT w.node, COUNT(DISTINCT p.person) AS people
        FROM marks w
        JOIN strong_anchors a ON a.obs = w.obs
        JOIN strong_people p ON p.node = a.node
        WHERE NOT w.strong
        GROUP BY w.node
        HAVING COUNT(DISTINCT p.person) > {SHARED_THRESHOLD}
        """,
    )
    engine.create(
        "usable_marks",
        """
        SELECT m.* FROM marks m LEFT JOIN shared_identifiers s ON s.node = m.node
        WHERE s.node IS NULL
        """,
    )
    clock.lap("shared devices")

    rounds, conflicts = _people(engine, "usable_marks", "all")
    clock.lap("all people")

    engine.create(
        "weak_last_seen",
        "SELECT node, MAX(seen_at) AS last_seen FROM usable_marks WHERE NOT strong GROUP BY node",
    )
    engine.create(
        "person_of",
        """
        WITH ranked AS (
            SELECT p.node, p.person,
                   NOT i.strong AND ROW_NUMBER() OVER (
                       PARTITION BY p.person, i.type ORDER BY w.last_seen DESC, p.node
                   ) > i.type_limit AS dropped
            FROM all_people p
            JOIN identifiers i ON i.node = p.node
            LEFT JOIN weak_last_seen w ON w.node = p.node
        )
        SELECT node, dropped,
               CASE WHEN dropped THEN node
                    ELSE MIN(CASE WHEN dropped THEN NULL ELSE node END)
                         OVER (PARTITION BY person) END AS person
        FROM ranked
        """,
    )
    engine.create(
        "person_keys",
        """
        SELECT k.person, best.type || ':' || best.value AS person_key
        FROM (SELECT DISTINCT person FROM person_of) AS k
        JOIN identifiers best ON best.node = k.person
        """,
    )
    engine.create(
        "identity_people",
        """
        SELECT i.type, i.value, k.person_key AS person
        FROM person_of p
        JOIN identifiers i ON i.node = p.node
        JOIN person_keys k ON k.person = p.person
        """,
    )
    engine.create(
        "observation_people",
        """
        SELECT o.source, o.ref, k.person_key AS person
        FROM all_anchors a
        JOIN observations o ON o.obs = a.obs
        JOIN person_of p ON p.node = a.node
        JOIN person_keys k ON k.person = p.person
        """,
    )
    engine.create(
        "blocked_identifiers",
        """
        SELECT i.type, i.value, 'shared' AS reason, s.people
        FROM shared_identifiers s JOIN identifiers i ON i.node = s.node
        """,
    )
    clock.lap("results")
    identifiers, people, observations, shared, dropped = engine.rows(
        """
        SELECT (SELECT COUNT(*) FROM identifiers),
               (SELECT COUNT(DISTINCT person) FROM person_of),
               (SELECT COUNT(*) FROM observation_people),
               (SELECT COUNT(*) FROM shared_identifiers),
               (SELECT COUNT(*) FROM person_of WHERE dropped)
        """
    )[0]
    engine.drop("strong_marks", "weak_last_seen", "person_keys")
    return Recomputed(
        identifiers, people, observations, conflicts, shared, dropped, rounds, clock.laps
    )


def _people(engine: Engine, marks: str, name: str) -> tuple[int, int]:
    """``{name}_people(node, person)`` over the identifiers in ``marks``, and
    ``{name}_anchors(obs, node)``: each observation's best identifier. Returns the rounds
    label propagation took and the number of components settled."""
    anchors, links, components = f"{name}_anchors", f"{name}_links", f"{name}_components"
    engine.create(anchors, f"SELECT obs, MIN(node) AS node FROM {marks} GROUP BY obs")
    engine.create(
        links,
        f"""
        SELECT DISTINCT a.node AS a, m.node AS b
        FROM {marks} m JOIN {anchors} a ON a.obs = m.obs
        WHERE m.node <> a.node
        """,
    )
    rounds = connected_components(engine, links, components, prefix=f"{name}_cc")
    engine.create(
        f"{name}_conflicts",
        f"""
        SELECT DISTINCT c.component
        FROM {components} c JOIN identifiers i ON i.node = c.node
        WHERE i.strong
        GROUP BY c.component, i.type, i.type_limit
        HAVING COUNT(*) > i.type_limit
        """,
    )
    engine.create(
        f"{name}_conflict_links",
        f"""
        WITH seen AS (
            SELECT m.obs, m.seen_at, m.node, c.component
            FROM {marks} m
            JOIN {components} c ON c.node = m.node
            JOIN {name}_conflicts k ON k.component = c.component
        )
        SELECT x.component, x.node AS a, ia.type AS a_type, y.node AS b, ib.type AS b_type,
               COUNT(DISTINCT x.obs) AS weight, MAX(x.seen_at) AS last_seen
        FROM seen x
        JOIN seen y ON y.obs = x.obs AND y.node > x.node
        JOIN identifiers ia ON ia.node = x.node
        JOIN identifiers ib ON ib.node = y.node
        GROUP BY x.component, x.node, ia.type, y.node, ib.type
        """,
    )
    engine.map_groups(
        f"{name}_settled",
        f"SELECT * FROM {name}_conflict_links",
        "component",
        settle,
        SETTLED_COLUMNS,
    )
    engine.create(
        f"{name}_people",
        f"""
        SELECT n.node, COALESCE(s.person, c.component, n.node) AS person
        FROM (SELECT DISTINCT node FROM {marks}) n
        LEFT JOIN {components} c ON c.node = n.node
        LEFT JOIN {name}_settled s ON s.node = n.node
        """,
    )
    conflicts = engine.scalar(f"SELECT COUNT(*) FROM {name}_conflicts")
    engine.drop(links, components, f"{name}_conflict_links", f"{name}_settled")
    return rounds, conflicts


def write_results(engine: Engine, out: Path) -> None:
    """``out/identifiers.parquet``, ``observations.parquet`` and ``blocked.parquet``."""
    out.mkdir(parents=True, exist_ok=True)
    for table, file in (
        ("identity_people", "identifiers"),
        ("observation_people", "observations"),
        ("blocked_identifiers", "blocked"),
    ):
        engine.write_parquet(f"SELECT * FROM {table}", out / f"{file}.parquet")


class _Stopwatch:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self.last, 3)
        self.last = now
