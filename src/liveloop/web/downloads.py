"""Tabular answers: a JSON page, or every row as CSV (UTF-8 with a BOM, so Excel reads Chinese)
or Excel, streamed where it can be. Shared by the routers and console pages that export rows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import HTTPException, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy import Select, func, select

XLSX_LIMIT = 100_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a route answering through ``respond`` declares (``responses=TABLES``): the JSON page, or
# every row as CSV or Excel.
TABLES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "a JSON page, or every row as CSV (format=csv) or Excel (format=xlsx)",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


class RowPage(BaseModel):
    total: int
    page: int
    page_size: int
    rows: list[dict[str, Any]]


def respond(
    name: str,
    columns: list[str],
    rows: Iterable[dict[str, Any]],
    page: int,
    page_size: int,
    format: str,
) -> RowPage | Response:
    if format == "csv":
        return StreamingResponse(
            _csv(columns, rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format == "xlsx":
        return Response(
            _xlsx(name, columns, rows),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    everything = list(rows)
    start = (page - 1) * page_size
    return RowPage(
        total=len(everything),
        page=page,
        page_size=page_size,
        rows=everything[start : start + page_size],
    )


def respond_sql(
    session: Any,
    name: str,
    columns: list[str],
    query: Select[Any],
    rows: Any,
    page: int,
    page_size: int,
    format: str,
) -> RowPage | Response:
    """Like ``respond``, but a JSON page is cut by the database, not in memory."""
    if format != "json":
        return respond(name, columns, rows(query), page, page_size, format)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    selected = query.offset((page - 1) * page_size).limit(page_size)
    return RowPage(total=total or 0, page=page, page_size=page_size, rows=list(rows(selected)))


def _csv(columns: list[str], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, extrasaction="ignore")
    buffer.write("\ufeff")  # Excel opens UTF-8 Chinese text correctly with a BOM
    writer.writeheader()
    for index, row in enumerate(rows):
        writer.writerow({k: _cell(v) for k, v in row.items()})
        if index % 1000 == 999:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _xlsx(name: str, columns: list[str], rows: Iterable[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=name[:31])
    sheet.append(columns)
    for index, row in enumerate(rows):
        if index >= XLSX_LIMIT:
            raise HTTPException(400, f"more than {XLSX_LIMIT} rows: filter, or export as CSV")
        sheet.append([_cell(row.get(c)) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value
