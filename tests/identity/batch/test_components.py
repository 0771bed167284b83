import itertools
import random

import networkx as nx
import pyarrow as pa

from liveloop.analytics.service import open_engine
from liveloop.identity.batch.components import connected_components


def _components(links: list[tuple[int, int]]) -> tuple[dict[int, int], int]:
    with open_engine("duckdb") as engine:
        engine.load_arrow(
            "links",
            pa.table({"a": [a for a, _ in links], "b": [b for _, b in links]}),
        )
        rounds = connected_components(engine, "links", "components")
        return dict(engine.rows("SELECT node, component FROM components")), rounds


def test_every_node_is_labelled_with_the_smallest_node_of_its_networkx_component():
    rng = random.Random(3)
    links = [(rng.randrange(3_000), rng.randrange(3_000)) for _ in range(2_000)]
    links = [(a, b) for a, b in links if a != b]
    labels, _ = _components(links)
    graph = nx.Graph(links)
    expected = {node: min(part) for part in nx.connected_components(graph) for node in part}
    assert labels == expected


def test_a_long_chain_converges_in_logarithmic_rounds():
    chain = list(range(1_000))
    rng = random.Random(1)
    rng.shuffle(chain)  # ids out of order along the chain: the worst case for plain propagation
    labels, rounds = _components(list(itertools.pairwise(chain)))
    assert set(labels.values()) == {0}
    assert rounds <= 25
