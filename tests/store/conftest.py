"""Store fixtures on top of the shared ones: a runtime on PostgreSQL alone, for the tests that
exercise row locks (``FOR UPDATE SKIP LOCKED``), which SQLite does not have."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from liveloop import bootstrap
from liveloop.clock import ManualClock
from liveloop.config import Settings
from liveloop.runtime import Runtime


@pytest.fixture
def pg_runtime(postgres_url: str, clock: ManualClock) -> Iterator[Runtime]:
    settings = Settings(database_url=postgres_url, run_workers=False, _env_file=None)
    rt = bootstrap.open_runtime(settings, clock)
    yield rt
    rt.close()
