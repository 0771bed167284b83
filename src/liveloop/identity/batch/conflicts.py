"""Components that break a per-person limit are settled by re-linking them, strongest link first.

A connected component is one person only if it holds no more values of each strong type than
that type's limit (one member no., one unionid, one phone, two openids, one Douyin id). When a
component holds more — a reassigned phone links its old and new owner, a mistyped CRM phone
sits beside the member's real one, a family tablet joins two members — it is settled as the
online resolver would have built it, link by link, refusing any merge it refuses:

1. Its links are the pairs of identifiers seen together, each weighted by the number of
   observations that saw both, and stamped with the last time they were seen together.
2. Links are applied heaviest first; ties go to the more recent link (a reassigned phone stays
   with whoever uses it now), then to the higher-priority pair (node ids follow priority).
3. A link that would give the merged person more values of a strong type than the type's limit
   is refused: two people each holding a strong identifier of a limit-1 type are never merged.
4. Each resulting person is named by its smallest node id (its highest-priority identifier).

Weak types (device, anonymous id) never refuse a merge; their limits are applied afterwards by
dropping the least recently seen (see ``recompute``). The settling runs per component as
Python (``Engine.map_groups``): the few components in conflict are small, and a union-find with
refusals is clearer as code than as SQL. Both engines run this same function.
"""

from __future__ import annotations

from collections import Counter

import pyarrow as pa

from liveloop.identity.rules import RULES

STRONG_LIMITS = {rule.type.value: rule.limit for rule in RULES.values() if rule.strong}

LINK_COLUMNS = (
    ("component", "BIGINT"),
    ("a", "BIGINT"),
    ("a_type", "VARCHAR"),
    ("b", "BIGINT"),
    ("b_type", "VARCHAR"),
    ("weight", "BIGINT"),
    ("last_seen", "TIMESTAMP"),  # the last observation that saw both
)
SETTLED_COLUMNS = (("node", "BIGINT"), ("person", "BIGINT"))


class _People:
    """Union-find over nodes; each root counts the strong values its person holds."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}
        self.holds: dict[int, Counter[str]] = {}

    def add(self, node: int, kind: str) -> None:
        if node not in self.parent:
            self.parent[node] = node
            self.holds[node] = Counter({kind: 1} if kind in STRONG_LIMITS else {})

    def find(self, node: int) -> int:
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:  # path compression
            self.parent[node], node = root, self.parent[node]
        return root

    def link(self, a: int, b: int) -> bool:
        """Merge the people holding ``a`` and ``b`` unless a strong limit forbids it."""
        first, second = self.find(a), self.find(b)
        if first == second:
            return True
        merged = self.holds[first] + self.holds[second]
        if any(count > STRONG_LIMITS[kind] for kind, count in merged.items()):
            return False
        keep, gone = min(first, second), max(first, second)
        self.parent[gone] = keep
        self.holds[keep] = merged
        del self.holds[gone]
        return True


def settle(links: pa.Table) -> pa.Table:
    """People of one component, from its ``LINK_COLUMNS`` rows: ``SETTLED_COLUMNS`` rows."""
    columns = {name: links.column(name).to_pylist() for name in ("a", "a_type", "b", "b_type")}
    weight = links.column("weight").to_pylist()
    last_seen = links.column("last_seen").cast(pa.int64()).to_pylist()  # ticks since 1970
    people = _People()
    nodes = columns["a"] + columns["b"]
    kinds = columns["a_type"] + columns["b_type"]
    for node, kind in zip(nodes, kinds, strict=True):
        people.add(node, kind)
    order = sorted(
        range(links.num_rows),
        key=lambda i: (-last_seen[i], -weight[i], columns["a"][i], columns["b"][i]),
    )
    for i in order:
        people.link(columns["a"][i], columns["b"][i])
    settled = sorted(people.parent)
    return pa.table(
        {
            "node": pa.array(settled, pa.int64()),
            "person": pa.array([people.find(node) for node in settled], pa.int64()),
        }
    )
