from collections import defaultdict

import pytest

from liveloop.sim.config import SimConfig
from liveloop.sim.generate import simulate

TRUTH_CONFIG = SimConfig(customers=12_000, seed=7)


@pytest.fixture(scope="session")
def brand() -> dict[str, list[dict]]:
    """Twelve thousand simulated people, every table concatenated (a few seconds)."""
    tables: dict[str, list[dict]] = defaultdict(list)
    for chunk in simulate(TRUTH_CONFIG, workers=2):
        for name, rows in chunk.tables().items():
            tables[name].extend(rows)
    return dict(tables)
