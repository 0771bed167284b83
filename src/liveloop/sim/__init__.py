"""The brand simulator: a Chinese food brand's private-domain business with planted truths.

    from liveloop.sim import SimConfig, simulate
    for chunk in simulate(SimConfig(customers=10_000, seed=42)):
        ...  # chunk.customers, chunk.orders, chunk.events, ...

Everything is a pure function of (seed, person index), so output is identical byte for byte
however it is chunked, and memory stays flat as the number of customers grows.
"""
