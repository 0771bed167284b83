"""The writer gate: writers of one SQLite file in one process take turns on a lock, and every
way a transaction ends gives the turn back."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from liveloop.store import writer_gate
from liveloop.store.engine import make_engine


@pytest.fixture
def engines(tmp_path):
    url = f"sqlite:///{tmp_path / 'gate.db'}"
    first, second = make_engine(url), make_engine(url)
    with first.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    yield first, second
    first.dispose()
    second.dispose()


def test_two_engines_on_one_file_share_one_gate(engines, tmp_path):
    first, _ = engines
    gate = writer_gate.gate_for(str(tmp_path / "gate.db"))
    with first.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        assert gate.locked()
    assert not gate.locked()


def test_a_waiting_writer_goes_as_soon_as_the_first_commits(engines):
    first, second = engines
    order: list[str] = []
    holding = threading.Event()

    def writer() -> None:
        holding.wait()
        with second.begin() as connection:
            order.append("second")
            connection.execute(text("INSERT INTO t VALUES (2)"))

    thread = threading.Thread(target=writer)
    thread.start()
    with first.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        holding.set()
        time.sleep(0.2)  # the second writer is waiting at the gate, not inside a transaction
        order.append("first")
    thread.join(10)
    assert order == ["first", "second"]
    with first.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM t")) == 2


def test_rollback_and_a_closed_connection_give_the_turn_back(engines, tmp_path):
    first, _ = engines
    gate = writer_gate.gate_for(str(tmp_path / "gate.db"))
    with pytest.raises(RuntimeError), first.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        raise RuntimeError("refused")
    assert not gate.locked()
    connection = first.connect()
    connection.begin()
    connection.execute(text("INSERT INTO t VALUES (1)"))
    connection.close()  # never committed
    assert not gate.locked()
    with first.connect() as reader:
        assert reader.scalar(text("SELECT count(*) FROM t")) == 0


def test_a_gate_held_past_the_wait_answers_database_is_locked(engines, tmp_path, monkeypatch):
    first, second = engines
    monkeypatch.setattr(writer_gate, "WAIT_SECONDS", 0.2)
    with first.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        with pytest.raises(Exception, match="database is locked"), second.begin() as other:
            other.execute(text("INSERT INTO t VALUES (2)"))
    with first.begin() as connection:  # the failed BEGIN left the gate free
        connection.execute(text("INSERT INTO t VALUES (3)"))
