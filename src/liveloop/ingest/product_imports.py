"""Product files (CSV or Excel) from a shop back-office or a spreadsheet: read here, each row
stored by the catalog (``commerce.service.import_product_rows``: columns, validation, one
savepoint per row), and every refused row written to a rejects file — 行号 (row number as the
spreadsheet shows it), 列 (the columns at fault), 原因 (the reason in Chinese), then the row as
it was, so it can be mended and imported again. Re-importing a file changes nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from liveloop.commerce import service as commerce
from liveloop.ingest.imports import ImportFileError, _csv_lines, _xlsx_lines

REJECT_HEADER = ["行号", "列", "原因"]


@dataclass(frozen=True)
class ProductImportReport:
    rows: int
    created: int
    updated: int
    unchanged: int
    rejected: tuple[commerce.RejectedRow, ...]
    columns: tuple[str, ...]
    # The rejects file as UTF-8 CSV with a BOM (Excel reads it), empty when nothing was refused.
    rejects_csv: bytes
    rejects_file: Path | None = None


def import_products(
    factory: sessionmaker[Session],
    path: Path,
    now: datetime,
    rejects: Path | None = None,
    *,
    write_rejects: bool = True,
) -> ProductImportReport:
    """Import ``path``; refused rows go to ``rejects`` (default FILE.rejects.csv beside it),
    which is not left behind when every row landed."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        reader: Callable[[], Iterator[list[str]]] = lambda: _csv_lines(path)  # noqa: E731
    elif suffix in (".xlsx", ".xlsm"):
        reader = lambda: _xlsx_lines(path)  # noqa: E731
    else:
        raise ImportFileError(f"{path.name}: 请使用 .csv (UTF-8) 或 .xlsx 文件")
    try:
        lines = reader()
        header = [h.strip() for h in next(lines, [])]
        kept: dict[int, list[str]] = {}

        def rows() -> Iterator[tuple[int, dict[str, str]]]:
            for number, values in enumerate(lines, start=2):
                if any(values):
                    kept[number] = values
                    yield number, dict(zip(header, values, strict=False))

        try:
            outcome = commerce.import_product_rows(factory, header, rows(), now)
        except commerce.ProductRefused as exc:
            raise ImportFileError(f"{path.name}: {exc}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ImportFileError(f"{path.name}: 无法读取 ({exc})") from None
    except ValueError as exc:  # openpyxl: not a workbook
        if isinstance(exc, ImportFileError):
            raise
        raise ImportFileError(f"{path.name}: 无法读取 ({exc})") from None
    body = _rejects(header, outcome.rejected, kept)
    target = None
    if write_rejects and outcome.rejected:
        target = rejects or path.with_name(path.stem + ".rejects.csv")
        target.write_bytes(body)
    return ProductImportReport(
        rows=outcome.rows,
        created=outcome.created,
        updated=outcome.updated,
        unchanged=outcome.unchanged,
        rejected=tuple(outcome.rejected),
        columns=tuple(header),
        rejects_csv=body if outcome.rejected else b"",
        rejects_file=target,
    )


def _rejects(
    header: list[str], rejected: list[commerce.RejectedRow], kept: dict[int, list[str]]
) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([*REJECT_HEADER, *header])
    for row in rejected:
        values = kept.get(row.number, [])
        writer.writerow([row.number, "、".join(row.columns), row.reason, *values])
    return out.getvalue().encode("utf-8")
