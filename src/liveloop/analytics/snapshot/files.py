"""The snapshot on disk: Parquet part files per table (month directories for partitioned
tables) and a manifest that names the parts that count and each table's watermark.

Readers take the manifest's file list, never a glob, so parts written by a refresh that died
before committing its manifest are never read twice; the next refresh deletes them.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from liveloop.analytics.snapshot.tables import TABLES, SnapshotTable

MANIFEST = "manifest.json"
FORMAT = 1


class SnapshotError(Exception):
    """The snapshot directory is missing, foreign or from another format."""


@dataclass
class TableState:
    parts: list[str] = field(default_factory=list)  # relative to the snapshot directory
    watermark: Any = None  # last id (append) or updated_at ISO text (versioned)
    rows: int = 0


@dataclass
class Manifest:
    tables: dict[str, TableState]
    refreshed_at: str | None = None
    source: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "refreshed_at": self.refreshed_at,
            "source": self.source,
            "tables": {name: vars(state) for name, state in self.tables.items()},
        }


class Snapshot:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def exists(self) -> bool:
        return (self.directory / MANIFEST).is_file()

    def manifest(self) -> Manifest:
        path = self.directory / MANIFEST
        if not path.is_file():
            return Manifest(tables={table.name: TableState() for table in TABLES})
        try:
            data = json.loads(path.read_text("utf-8"))
        except ValueError as exc:
            raise SnapshotError(f"{path} is not a snapshot manifest: {exc}") from None
        if data.get("format") != FORMAT:
            raise SnapshotError(f"{path}: snapshot format {data.get('format')!r} is not {FORMAT}")
        tables = {name: TableState(**state) for name, state in data["tables"].items()}
        for table in TABLES:
            tables.setdefault(table.name, TableState())
        return Manifest(tables, data.get("refreshed_at"), data.get("source", ""))

    def commit(self, manifest: Manifest) -> None:
        """Publish ``manifest`` atomically, then delete files it no longer names."""
        manifest.refreshed_at = datetime.now(UTC).isoformat()
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = self.directory / f".{MANIFEST}.{uuid.uuid4().hex}"
        temporary.write_text(json.dumps(manifest.as_json(), ensure_ascii=False, indent=1))
        os.replace(temporary, self.directory / MANIFEST)
        self._sweep(manifest)

    def _sweep(self, manifest: Manifest) -> None:
        named = {part for state in manifest.tables.values() for part in state.parts}
        for table in TABLES:
            for path in (self.directory / table.name).rglob("*.parquet"):
                if str(path.relative_to(self.directory)) not in named:
                    path.unlink()

    def write_part(self, table: SnapshotTable, data: pa.Table) -> list[str]:
        """Write ``data`` as new part files (one per month for partitioned tables)."""
        data = data.select(table.schema.names).cast(table.schema)
        if data.num_rows == 0:
            return []
        name = f"part-{uuid.uuid4().hex[:12]}.parquet"
        if table.partition is None:
            groups = [(self.directory / table.name, data)]
        else:
            months = data.column("month")
            groups = [
                (
                    self.directory / table.name / f"month={month}",
                    data.filter(pc.equal(months, month)),
                )
                for month in pc.unique(months).to_pylist()
            ]
        written = []
        for folder, rows in groups:
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(rows, folder / name, compression="zstd")
            written.append(str((folder / name).relative_to(self.directory)))
        return written

    def paths(self, table: SnapshotTable, manifest: Manifest | None = None) -> list[Path]:
        state = (manifest or self.manifest()).tables[table.name]
        return [self.directory / part for part in state.parts]


def month_of(times: pa.Array | pa.ChunkedArray) -> pa.Array:
    return pc.strftime(times, format="%Y-%m")
