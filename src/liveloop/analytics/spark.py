"""The Spark adapter: the same job, on a Spark session (local mode by default).

Queries arrive in DuckDB's dialect and are transpiled to Spark SQL with SQLGlot. Each created
table is a temp view over a locally checkpointed DataFrame, which cuts its lineage: an
iterative job (label propagation) then plans each round from materialised inputs instead of
replaying every earlier round. pyspark is imported here only, so DuckDB users never need it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa

from liveloop.analytics.engine import (
    BatchFunction,
    Columns,
    Engine,
    GroupFunction,
    arrow_schema,
    require_single_file,
)

SPARK_TYPES = {
    "BIGINT": "bigint",
    "INTEGER": "int",
    "VARCHAR": "string",
    "DOUBLE": "double",
    "BOOLEAN": "boolean",
    "TIMESTAMP": "timestamp",
}


@cache
def to_spark_sql(query: str) -> str:
    import sqlglot

    return sqlglot.transpile(query, read="duckdb", write="spark")[0]


def spark_ddl(columns: Columns) -> str:
    return ", ".join(f"`{name}` {SPARK_TYPES[kind]}" for name, kind in columns)


class SparkEngine(Engine):
    name = "spark"

    def __init__(
        self,
        master: str = "local[2]",
        shuffle_partitions: int = 4,
        driver_memory: str = "2g",
    ) -> None:
        # Python workers must run this interpreter, which has liveloop installed.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        from pyspark.sql import SparkSession

        self.session = (
            SparkSession.builder.master(master)
            .appName("liveloop-analytics")
            .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
            .config("spark.default.parallelism", str(shuffle_partitions))
            .config("spark.driver.memory", driver_memory)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
        self.session.sparkContext.setLogLevel("ERROR")
        self.frames: dict[str, Any] = {}

    def _keep(self, table: str, frame: Any) -> None:
        frame = frame.localCheckpoint(eager=True)
        old = self.frames.pop(table, None)
        frame.createOrReplaceTempView(table)
        self.frames[table] = frame
        if old is not None:
            old.unpersist()

    def register_parquet(self, table: str, path: Path, *, row_index: bool = False) -> None:
        frame = self.session.read.parquet(str(path))
        if row_index:
            require_single_file(path)
            frame = frame.select("*", "_metadata.row_index")
        frame.createOrReplaceTempView(table)

    def register_files(self, table: str, paths: Sequence[Path]) -> None:
        self.session.read.parquet(*(str(path) for path in paths)).createOrReplaceTempView(table)

    def view(self, table: str, query: str) -> None:
        self.session.sql(to_spark_sql(query)).createOrReplaceTempView(table)

    def create(self, table: str, query: str) -> None:
        self._keep(table, self.session.sql(to_spark_sql(query)))

    def drop(self, *tables: str) -> None:
        for table in tables:
            self.session.catalog.dropTempView(table)
            frame = self.frames.pop(table, None)
            if frame is not None:
                frame.unpersist()

    def arrow(self, query: str) -> pa.Table:
        return self.session.sql(to_spark_sql(query)).toArrow()

    def load_arrow(self, table: str, data: pa.Table) -> None:
        self._keep(table, self.session.createDataFrame(data))

    def map_batches(
        self, table: str, query: str, function: BatchFunction, columns: Columns
    ) -> None:
        frame = self.session.sql(to_spark_sql(query))
        result = frame.mapInArrow(_per_batch(function, columns), spark_ddl(columns))
        self._keep(table, result)

    def map_groups(
        self, table: str, query: str, key: str, function: GroupFunction, columns: Columns
    ) -> None:
        frame = self.session.sql(to_spark_sql(query))
        result = frame.groupBy(key).applyInArrow(_conformed(function, columns), spark_ddl(columns))
        self._keep(table, result)

    def write_parquet(self, query: str, path: Path) -> None:
        """Spark writes a directory of part files at ``path``."""
        self.session.sql(to_spark_sql(query)).write.mode("overwrite").parquet(str(path))

    def close(self) -> None:
        for table in list(self.frames):
            self.drop(table)
        self.session.stop()


def _per_batch(
    function: BatchFunction, columns: Columns
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """``mapInArrow`` hands over an iterator of record batches; the function takes tables."""
    schema = arrow_schema(columns)

    def each(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            out = function(pa.Table.from_batches([batch]))
            yield from out.select(schema.names).cast(schema).to_batches()

    return each


def _conformed(function: GroupFunction, columns: Columns) -> Callable[[pa.Table], pa.Table]:
    """The group function with its output held to exactly the declared columns and types.
    (A plain annotated function: pyspark infers the UDF kind from the type hints.)"""
    schema = arrow_schema(columns)

    def each(group: pa.Table) -> pa.Table:
        return function(group).select(schema.names).cast(schema)

    return each
