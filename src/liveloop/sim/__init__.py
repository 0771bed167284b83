"""The brand simulator: a Chinese food brand's private-domain business with planted truths.

    from liveloop.sim import SimConfig, simulate
    for chunk in simulate(SimConfig(customers=10_000, seed=42)):
        ...  # chunk.customers, chunk.orders, chunk.events, ...

Everything is a pure function of (seed, person index), so output is identical byte for byte
however it is chunked, and memory stays flat as the number of customers grows.
"""

from typing import Any

# Live shows for demos and tests, imported on first use (they bring an HTTP client along):
# ``generate_show`` writes one show's script, ``replay_show`` sends it through the signed
# webhook, ``OnAir`` keeps shows running back to back.
_SHOWS = {
    "ShowConfig": "liveloop.sim.shows",
    "generate_show": "liveloop.sim.shows",
    "Webhook": "liveloop.sim.replay",
    "replay_show": "liveloop.sim.replay",
    "OnAir": "liveloop.sim.replay",
}


def __getattr__(name: str) -> Any:
    if name in _SHOWS:
        import importlib

        return getattr(importlib.import_module(_SHOWS[name]), name)
    raise AttributeError(f"module 'liveloop.sim' has no attribute {name!r}")
