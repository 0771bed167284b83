"""The rows a guarded UPDATE or an ``ON CONFLICT DO NOTHING`` insert changed: 0 means another
request (or an earlier run) got there first."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult


def affected(result: object) -> int:
    return int(cast(CursorResult[Any], result).rowcount)
