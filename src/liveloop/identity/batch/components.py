"""Connected components of the identifier graph, by alternating large-star and small-star.

The algorithm of Kiveris et al., "Connected Components in MapReduce and Beyond" (SoCC 2014),
in SQL. Links are kept as edges (a, b) with a > b. Each round applies:

- **large-star**: every node u points each *larger* neighbour at m(u), the smallest of u and
  its neighbours — big stars form around small ids;
- **small-star**: every node u and its *smaller* neighbours are pointed at the smallest of
  them — chains of small ids collapse.

Both keep each component connected and never join two components. A round that leaves the
edge set unchanged (checked exactly, with EXCEPT) ends the loop: the graph is then a forest of
stars, each centred on its component's smallest node, so every node reads its component off
its one edge. Rounds grow with the logarithm of a component's size even for long chains, where
plain min-label propagation needs as many rounds as the chain is long.
"""

from __future__ import annotations

from liveloop.identity.batch.engine import Engine

MAX_ROUNDS = 64

LARGE_STAR = """
WITH arcs AS (SELECT a AS u, b AS v FROM {edges} UNION ALL SELECT b, a FROM {edges}),
     low AS (SELECT u, LEAST(u, MIN(v)) AS m FROM arcs GROUP BY u)
SELECT DISTINCT arcs.v AS a, low.m AS b
FROM arcs JOIN low ON low.u = arcs.u
WHERE arcs.v > arcs.u
"""

SMALL_STAR = """
WITH low AS (SELECT a AS u, MIN(b) AS m FROM {edges} GROUP BY a)
SELECT e.b AS a, low.m AS b FROM {edges} e JOIN low ON low.u = e.a WHERE e.b <> low.m
UNION
SELECT u, m FROM low
"""


class DidNotConverge(RuntimeError):
    """The edge set was still changing after ``MAX_ROUNDS`` rounds."""


def connected_components(engine: Engine, links: str, out: str, prefix: str = "cc") -> int:
    """Label each node of ``links(a, b)`` (undirected) with its component's smallest node id,
    as ``out(node, component)``; returns the number of rounds it took."""
    edges = f"{prefix}_edges_0"
    engine.create(
        edges, f"SELECT DISTINCT GREATEST(a, b) AS a, LEAST(a, b) AS b FROM {links} WHERE a <> b"
    )
    for rounds in range(1, MAX_ROUNDS + 1):
        large, after = f"{prefix}_large", f"{prefix}_edges_{rounds % 2}"
        engine.create(large, LARGE_STAR.format(edges=edges))
        engine.create(after, SMALL_STAR.format(edges=large))
        engine.drop(large)
        changed = engine.scalar(
            f"""
            SELECT (SELECT COUNT(*) FROM (SELECT a, b FROM {after}
                                          EXCEPT SELECT a, b FROM {edges}) AS added)
                 + ABS((SELECT COUNT(*) FROM {after}) - (SELECT COUNT(*) FROM {edges}))
            """
        )
        engine.drop(edges)
        edges = after
        if changed == 0:
            engine.create(
                out,
                f"SELECT a AS node, b AS component FROM {edges} "
                f"UNION ALL SELECT DISTINCT b, b FROM {edges}",
            )
            engine.drop(edges)
            return rounds
    raise DidNotConverge(f"components still changing after {MAX_ROUNDS} rounds")
