"""Connected components of the identifier graph, by min-label propagation in SQL.

Every node starts labelled with its own id. Each round, a node takes the smallest label among
itself and its neighbours (propagation), then the label of the node its label names (a
shortcut, "pointer jumping", which halves the remaining distance to the component's minimum).
Labels only ever decrease and always name a node of the same component, so when a round
changes no label — checked as an unchanged sum of labels, a cheap scan — every node carries
its component's smallest node id. Rounds grow with the logarithm of a component's diameter;
person-sized components converge in a handful.
"""

from __future__ import annotations

from liveloop.analytics.engine import Engine

MAX_ROUNDS = 64


class DidNotConverge(RuntimeError):
    """Label propagation was still changing labels after ``MAX_ROUNDS`` rounds."""


def connected_components(engine: Engine, links: str, out: str, prefix: str = "cc") -> int:
    """Label each node of ``links(a, b)`` (undirected, a ≠ b) with its component's smallest
    node id, as ``out(node, component)``; returns the number of rounds it took."""
    arcs = f"{prefix}_arcs"
    engine.create(
        arcs, f"SELECT a AS src, b AS dst FROM {links} UNION ALL SELECT b, a FROM {links}"
    )
    labels = f"{prefix}_labels_0"
    engine.create(
        labels, f"SELECT src AS node, LEAST(src, MIN(dst)) AS label FROM {arcs} GROUP BY src"
    )
    total = engine.scalar(f"SELECT SUM(label) FROM {labels}")
    for rounds in range(1, MAX_ROUNDS + 1):
        previous, labels = labels, f"{prefix}_labels_{rounds % 2}"
        engine.create(
            labels,
            f"""
            WITH hop AS (
                SELECT a.src AS node, MIN(l.label) AS label
                FROM {arcs} a JOIN {previous} l ON l.node = a.dst
                GROUP BY a.src
            ), step AS (
                SELECT l.node, LEAST(l.label, h.label) AS label
                FROM {previous} l JOIN hop h ON h.node = l.node
            )
            SELECT s.node, LEAST(s.label, target.label) AS label
            FROM step s JOIN step target ON target.node = s.label
            """,
        )
        engine.drop(previous)
        new_total = engine.scalar(f"SELECT SUM(label) FROM {labels}")
        if new_total == total:
            engine.create(out, f"SELECT node, label AS component FROM {labels}")
            engine.drop(arcs, labels)
            return rounds
        total = new_total
    raise DidNotConverge(f"components still changing after {MAX_ROUNDS} rounds")
