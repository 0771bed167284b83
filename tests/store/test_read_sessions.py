"""On SQLite, readers never wait for the writer (WAL + deferred read transactions), and read
sessions cannot write."""

import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from liveloop.profiles.models import Customer
from liveloop.store.engine import transaction


def test_a_read_does_not_wait_for_a_long_write(runtime):
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with transaction(runtime.sessions) as session:
            session.add(Customer(oneid="PWRITER", traits={}))
            session.flush()
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(10)
        with transaction(runtime.read_sessions) as session:
            count = session.scalar(select(func.count()).select_from(Customer))
        # Had the read queued behind the writer, the writer would have given up waiting for
        # `release` and committed first.
        writer_still_open = thread.is_alive()
    finally:
        release.set()
        thread.join(10)
    assert writer_still_open
    assert count == 0  # the uncommitted row is not visible


def test_read_sessions_refuse_to_write(runtime):
    with (
        pytest.raises(OperationalError, match="readonly"),
        transaction(runtime.read_sessions) as session,
    ):
        session.execute(text("DELETE FROM customers"))
