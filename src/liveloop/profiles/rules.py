"""Real-time tag rules: a small JSON language, validated, evaluated without code changes.

    {"kind": "event", "tag": "有特定健康需求", "event": "Live Comment Posted",
     "where": {"field": "properties.text", "op": "contains_any", "value": ["糖尿病", "高血压"]}}
    {"kind": "profile", "tag": "价格敏感型",
     "where": {"all": [{"field": "orders", "op": "gte", "value": 3},
                       {"field": "coupon_order_share", "op": "gte", "value": 0.5}]}}

An *event* rule tags the person when a matching event arrives (fields are paths into the event:
``name``, ``properties.…``, ``context.…``; a list on the path matches if any element does). A
*profile* rule is checked after every change to the person's counters and traits, and adds or
removes its tag (fields: counters such as ``orders``, ``spend``, ``coupon_order_share``,
``evening_share``, ``lives_attended``, ``watch_minutes``, ``categories``; ``traits.…``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from liveloop import spec

Op = Literal["eq", "ne", "gt", "gte", "lt", "lte", "in", "contains", "contains_any"]


class Leaf(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")
    op: Op
    value: str | int | float | bool | list[str | int | float]


class All(BaseModel):
    model_config = ConfigDict(extra="forbid")
    all: list[Condition] = Field(min_length=1, max_length=20)


class AnyOf(BaseModel):
    model_config = ConfigDict(extra="forbid")
    any: list[Condition] = Field(min_length=1, max_length=20)


class Not(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    not_: Condition = Field(alias="not")


Condition = Leaf | All | AnyOf | Not


class EventRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["event"]
    tag: str = Field(min_length=1, max_length=64)
    event: str = Field(min_length=1, max_length=128)
    where: Condition | None = None


class ProfileRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["profile"]
    tag: str = Field(min_length=1, max_length=64)
    where: Condition


Rule = Annotated[EventRule | ProfileRule, Field(discriminator="kind")]
RULE = TypeAdapter(Rule)


def _values(document: Any, path: str) -> list[Any]:
    """Every value at a dotted path; lists along the way fan out."""
    current = [document]
    for part in path.split("."):
        nxt = []
        for item in current:
            if isinstance(item, dict) and part in item:
                value = item[part]
                nxt.extend(value if isinstance(value, list) else [value])
            elif isinstance(item, list):
                nxt.extend(v[part] for v in item if isinstance(v, dict) and part in v)
        current = nxt
    return current


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def _leaf(op: str, found: Any, wanted: Any) -> bool:
    if op in ("gt", "gte", "lt", "lte"):
        a, b = _number(found), _number(wanted)
        if a is None or b is None:
            return False
        return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]
    if op == "eq":
        return bool(found == wanted)
    if op == "ne":
        return bool(found != wanted)
    if op == "in":
        return isinstance(wanted, list) and found in wanted
    if op == "contains":
        return isinstance(found, str) and isinstance(wanted, str) and wanted in found
    if op == "contains_any":
        words = wanted if isinstance(wanted, list) else [wanted]
        if isinstance(found, str):
            return any(isinstance(w, str) and w in found for w in words)
        return found in words
    raise ValueError(op)  # pragma: no cover - Op is closed


def matches(condition: Condition | None, document: dict[str, Any]) -> bool:
    if condition is None:
        return True
    if isinstance(condition, All):
        return all(matches(c, document) for c in condition.all)
    if isinstance(condition, AnyOf):
        return any(matches(c, document) for c in condition.any)
    if isinstance(condition, Not):
        return not matches(condition.not_, document)
    found = _values(document, condition.field)
    if condition.op == "ne":
        return all(_leaf("ne", f, condition.value) for f in found)
    return any(_leaf(condition.op, f, condition.value) for f in found)


DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "kind": "event",
        "tag": "有特定健康需求",
        "event": spec.LIVE_COMMENT_POSTED,
        "where": {
            "field": "properties.text",
            "op": "contains_any",
            "value": ["糖尿病", "高血压", "血糖", "孕妇", "减脂"],
        },
    },
    {
        "kind": "profile",
        "tag": "关注健康",
        "where": {
            "any": [
                {"field": "categories", "op": "contains_any", "value": ["滋补健康"]},
                {"field": "lives_attended", "op": "gte", "value": 3},
            ]
        },
    },
    {
        "kind": "profile",
        "tag": "活跃于晚间时段",
        "where": {
            "all": [
                {"field": "events", "op": "gte", "value": 5},
                {"field": "evening_share", "op": "gte", "value": 0.5},
            ]
        },
    },
    {
        "kind": "profile",
        "tag": "价格敏感型",
        "where": {
            "all": [
                {"field": "orders", "op": "gte", "value": 3},
                {"field": "coupon_order_share", "op": "gte", "value": 0.5},
            ]
        },
    },
]
