"""Content's part in a process: where its search index lives (``LIVELOOP_CONTENT_INDEX_DIR``,
else beside the SQLite file), and the index brought up to the table when the process starts."""

from __future__ import annotations

import logging

from liveloop.content import index, library
from liveloop.runtime import Runtime

log = logging.getLogger(__name__)


def register(runtime: Runtime) -> None:
    url = str(runtime.engine.url)
    if runtime.settings.content_index_dir is not None:
        index.bind(url, runtime.settings.content_index_dir)
    try:
        with runtime.read_sessions() as session:
            written = library.catch_up(session)
    except Exception:  # the table is the truth: a broken index must not stop the process
        log.exception("content index not brought up to date at start; searches will retry")
        return
    if written:
        log.info("content index caught up with %d items", written)
