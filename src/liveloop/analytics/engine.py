"""The engines analytics jobs run on: DuckDB in-process (default) and Apache Spark (``spark.py``).

A job speaks to an ``Engine`` only through these few verbs, and every query it passes is
DuckDB SQL; the Spark adapter transpiles it with SQLGlot. Tables a job creates are
materialised (a DuckDB table, a checkpointed Spark view), so an iterative job does not grow an
ever longer plan. Where a step is clearer as Python than as SQL (a small graph problem per
component, the online normalisation of identifiers), ``map_groups`` and ``map_batches`` run a
Python function over groups or batches of rows — in process on DuckDB, on the executors on
Spark — so both engines run the very same code.

Column types are given in DuckDB's names: ``BIGINT``, ``INTEGER``, ``VARCHAR``, ``DOUBLE``,
``BOOLEAN``, ``TIMESTAMP``.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

Columns = Sequence[tuple[str, str]]  # (name, DuckDB type)
GroupFunction = Callable[[pa.Table], pa.Table]
BatchFunction = Callable[[pa.Table], pa.Table]
BATCH_ROWS = 100_000

ARROW_TYPES: dict[str, pa.DataType] = {
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "VARCHAR": pa.string(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us"),
}


def arrow_schema(columns: Columns) -> pa.Schema:
    return pa.schema([(name, ARROW_TYPES[kind]) for name, kind in columns])


class Engine(ABC):
    """One analytics session. Use as a context manager, or call ``close``."""

    name: str

    @abstractmethod
    def register_parquet(self, table: str, path: Path, *, row_index: bool = False) -> None:
        """Expose a Parquet file (or a directory of them) as ``table``; with ``row_index``,
        a single file gains a ``row_index`` column: each row's position in the file."""

    @abstractmethod
    def register_files(self, table: str, paths: Sequence[Path]) -> None:
        """Expose exactly these Parquet files (one schema) as ``table``."""

    @abstractmethod
    def view(self, table: str, query: str) -> None:
        """Name ``query`` as ``table`` without materialising it."""

    @abstractmethod
    def create(self, table: str, query: str) -> None:
        """Materialise ``query`` as ``table``, replacing any table of that name."""

    @abstractmethod
    def drop(self, *tables: str) -> None: ...

    @abstractmethod
    def arrow(self, query: str) -> pa.Table: ...

    @abstractmethod
    def load_arrow(self, table: str, data: pa.Table) -> None:
        """Materialise an in-memory Arrow table as ``table``."""

    @abstractmethod
    def map_batches(
        self, table: str, query: str, function: BatchFunction, columns: Columns
    ) -> None:
        """Materialise as ``table`` the concatenation of ``function(batch)`` over Arrow
        batches of ``query``'s rows (any split into batches must give the same result)."""

    @abstractmethod
    def map_groups(
        self, table: str, query: str, key: str, function: GroupFunction, columns: Columns
    ) -> None:
        """Materialise as ``table`` the concatenation of ``function(group)`` over the groups of
        ``query``'s rows that share ``key``; ``function`` returns rows of ``columns``."""

    @abstractmethod
    def write_parquet(self, query: str, path: Path) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        data = self.arrow(query)
        return list(zip(*(column.to_pylist() for column in data.columns), strict=True))

    def scalar(self, query: str) -> Any:
        (row,) = self.rows(query)
        return row[0]

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def apply_per_group(data: pa.Table, key: str, function: GroupFunction) -> list[pa.Table]:
    """``function`` over each run of equal ``key`` values (``data`` must be sorted by key)."""
    if data.num_rows == 0:
        return []
    keys = data.column(key)
    starts = [0]
    if data.num_rows > 1:
        changed = pc.not_equal(keys.slice(1), keys.slice(0, data.num_rows - 1))
        starts += [i + 1 for i in pc.indices_nonzero(changed).to_pylist()]
    ends = [*starts[1:], data.num_rows]
    return [
        function(data.slice(start, end - start)) for start, end in zip(starts, ends, strict=True)
    ]


class DuckDBEngine(Engine):
    """DuckDB in process, in memory (spilling to a temp directory when it must). Python
    steps run in this process, or for ``map_batches`` over many rows in worker processes."""

    name = "duckdb"

    def __init__(
        self,
        threads: int | None = None,
        memory_limit: str | None = None,
        workers: int | None = None,
    ) -> None:
        """``workers``: processes for ``map_batches`` (default: one per core)."""
        import duckdb

        self.workers = workers or os.cpu_count() or 1

        self.connection = duckdb.connect()
        if threads:
            self.connection.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.connection.execute("SET memory_limit = ?", [memory_limit])
        self.connection.execute("SET preserve_insertion_order = false")

    def register_parquet(self, table: str, path: Path, *, row_index: bool = False) -> None:
        source = _literal(str(path / "*.parquet") if path.is_dir() else str(path))
        if row_index:
            require_single_file(path)
            query = (
                "SELECT * EXCLUDE (file_row_number), file_row_number AS row_index "
                f"FROM read_parquet({source}, file_row_number = true)"
            )
        else:
            query = f"SELECT * FROM read_parquet({source})"
        self.view(table, query)

    def register_files(self, table: str, paths: Sequence[Path]) -> None:
        files = ", ".join(_literal(str(path)) for path in paths)
        self.view(table, f"SELECT * FROM read_parquet([{files}])")

    def view(self, table: str, query: str) -> None:
        self.connection.execute(f"CREATE OR REPLACE VIEW {table} AS {query}")

    def create(self, table: str, query: str) -> None:
        self.connection.execute(f"CREATE OR REPLACE TABLE {table} AS {query}")

    def drop(self, *tables: str) -> None:
        for table in tables:
            self.connection.execute(f"DROP TABLE IF EXISTS {table}")

    def arrow(self, query: str) -> pa.Table:
        return self.connection.sql(query).to_arrow_table()

    def load_arrow(self, table: str, data: pa.Table) -> None:
        self.connection.register("_incoming", data)
        try:
            self.create(table, "SELECT * FROM _incoming")
        finally:
            self.connection.unregister("_incoming")

    def map_batches(
        self, table: str, query: str, function: BatchFunction, columns: Columns
    ) -> None:
        reader = self.connection.sql(query).to_arrow_reader(BATCH_ROWS)
        batches = (pa.Table.from_batches([batch]) for batch in reader)
        first = next(batches, None)
        parts = [] if first is None else [function(first)]
        second = next(batches, None)
        if second is not None:  # more than one batch: worth starting worker processes
            remaining = itertools.chain([second], batches)
            if self.workers > 1:
                context = multiprocessing.get_context("spawn")  # no fork under DuckDB threads
                with ProcessPoolExecutor(self.workers, mp_context=context) as pool:
                    parts += pool.map(function, remaining)
            else:
                parts += map(function, remaining)
        self.load_arrow(table, _concat(parts, arrow_schema(columns)))

    def map_groups(
        self, table: str, query: str, key: str, function: GroupFunction, columns: Columns
    ) -> None:
        data = self.arrow(f"SELECT * FROM ({query}) ORDER BY {key}")
        parts = apply_per_group(data, key, function)
        self.load_arrow(table, _concat(parts, arrow_schema(columns)))

    def write_parquet(self, query: str, path: Path) -> None:
        self.connection.execute(
            f"COPY ({query}) TO {_literal(str(path))} (FORMAT parquet, COMPRESSION zstd)"
        )

    def close(self) -> None:
        self.connection.close()


def _concat(parts: list[pa.Table], schema: pa.Schema) -> pa.Table:
    if not parts:
        return schema.empty_table()
    return pa.concat_tables([part.select(schema.names).cast(schema) for part in parts])


def require_single_file(path: Path) -> None:
    if path.is_dir():
        raise ValueError(f"row_index needs a single Parquet file, not the directory {path}")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


ENGINES = ("duckdb", "spark")


def open_engine(name: str = "duckdb", **options: Any) -> Engine:
    """``duckdb`` (default) or ``spark`` (needs the ``spark`` extra and Java 17+)."""
    if name == "duckdb":
        return DuckDBEngine(**options)
    if name == "spark":
        from liveloop.analytics.spark import SparkEngine

        return SparkEngine(**options)
    raise ValueError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
