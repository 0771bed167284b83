"""What the batch recompute needs of a SQL engine. The caller opens one (analytics' DuckDB or
Spark) and hands it in: identity sits below analytics and imports none of it.

Queries are DuckDB SQL; column types are given in DuckDB's names (``BIGINT``, ``VARCHAR``,
``TIMESTAMP``…). Python steps passed to ``map_batches`` and ``map_groups`` must be importable
module-level functions: an engine may run them in other processes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

Columns = Sequence[tuple[str, str]]  # (name, DuckDB type)


class Engine(Protocol):
    name: str

    def register_parquet(self, table: str, path: Path, *, row_index: bool = False) -> None:
        """Expose a Parquet file as ``table``; ``row_index`` adds each row's position."""

    def view(self, table: str, query: str) -> None: ...

    def create(self, table: str, query: str) -> None:
        """Materialise ``query`` as ``table``, replacing any table of that name."""

    def drop(self, *tables: str) -> None: ...

    def load_arrow(self, table: str, data: pa.Table) -> None: ...

    def map_batches(
        self, table: str, query: str, function: Callable[[pa.Table], pa.Table], columns: Columns
    ) -> None:
        """``function`` over batches of ``query``'s rows, concatenated as ``table``."""

    def map_groups(
        self,
        table: str,
        query: str,
        key: str,
        function: Callable[[pa.Table], pa.Table],
        columns: Columns,
    ) -> None:
        """``function`` over the groups of ``query``'s rows sharing ``key``, as ``table``."""

    def write_parquet(self, query: str, path: Path) -> None: ...

    def rows(self, query: str) -> list[tuple[Any, ...]]: ...

    def scalar(self, query: str) -> Any: ...
