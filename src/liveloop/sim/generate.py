"""Drive the simulation chunk by chunk (memory stays flat as the number of people grows)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

from liveloop.sim.config import SimConfig
from liveloop.sim.person import simulate_person
from liveloop.sim.tables import Chunk
from liveloop.sim.world import World, build_world


def simulate_chunk(config: SimConfig, world: World, first: int) -> Chunk:
    chunk = Chunk(first_person=first)
    for index in range(first, min(config.customers, first + config.chunk_size)):
        simulate_person(config, world, index, chunk)
    return chunk


def _chunk_in_worker(args: tuple[SimConfig, int]) -> Chunk:
    config, first = args
    return simulate_chunk(config, world_for(config), first)


WORLDS: dict[SimConfig, World] = {}


def world_for(config: SimConfig) -> World:
    # Each worker process builds the (small, deterministic) world once per config.
    if config not in WORLDS:
        WORLDS[config] = build_world(config)
    return WORLDS[config]


def simulate(config: SimConfig, *, workers: int = 1) -> Iterator[Chunk]:
    """Yield the people's rows chunk by chunk, in person order. With ``workers > 1`` chunks are
    generated in parallel processes; the output is identical either way."""
    starts = range(0, config.customers, config.chunk_size)
    if workers <= 1:
        world = world_for(config)
        for first in starts:
            yield simulate_chunk(config, world, first)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        # map keeps order; a bounded window of chunks in flight keeps memory flat.
        window = workers * 2
        pending = [pool.submit(_chunk_in_worker, (config, first)) for first in starts[:window]]
        for n, first in enumerate(starts):
            chunk = pending.pop(0).result()
            nxt = n + window
            if nxt < len(starts):
                pending.append(pool.submit(_chunk_in_worker, (config, starts[nxt])))
            if chunk.first_person != first:  # pragma: no cover - would be a bug in the window
                raise RuntimeError("simulation chunks arrived out of order")
            yield chunk
