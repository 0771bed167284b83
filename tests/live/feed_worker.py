"""A worker process that runs only live's stream feed on Redis, with the ``Tally`` source
(``python -m tests.live.feed_worker STORE_URL REDIS_URL PREFIX``): the SIGKILL test's victim.
It is built as ``liveloop worker --only live`` builds one; only the bus's key prefix (the
test's own) and the frame source differ."""

from __future__ import annotations

import sys

from liveloop import bootstrap
from liveloop.config import Settings
from liveloop.live.jobs import register_feed
from liveloop.live.stream.bus import use_bus
from liveloop.live.stream.feed import Tally
from liveloop.live.stream.redis_bus import RedisBus


def main(store_url: str, redis_url: str, prefix: str) -> None:
    settings = Settings(
        database_url=store_url,
        live_bus="redis",
        redis_url=redis_url,
        run_workers=False,
        _env_file=None,  # type: ignore[call-arg]
    )
    runtime = bootstrap.open_runtime(settings)
    use_bus(runtime, RedisBus(redis_url, prefix=prefix))
    register_feed(runtime, Tally, tick_seconds=0.05, lease_seconds=1.0)
    work = bootstrap.start_work(bootstrap.wire(runtime), [bootstrap.LIVE])
    print("feeding", flush=True)
    work.run()


if __name__ == "__main__":
    main(*sys.argv[1:4])
