"""The segment rule language: a JSON document, validated here into typed conditions.

A rule is a tree. Inner nodes combine: ``{"and": [...]}``, ``{"or": [...]}``, ``{"not": {...}}``.
Leaves are conditions named by ``"type"`` (docs/segments.md has an example of each):

    trait    a customer column (gender, province, city, member_tier, birthday …) or traits.<key>
    tag      has a tag, or any of several
    score    an analytics result in customer_scores (rfm_group, churn_risk, clv_12m …)
    counter  a live profile counter (orders, spend, last_order_at, watch_seconds …)
    event    events of a name in a window, with property filters and a count threshold
    order    orders (of SKUs / categories, in a live, on a channel) in a window; count, spend
    live     watched at least N minutes in each (or at_least k) of the last n lives
    consent  consent granted (or not) on a channel

Windows (``within``) are relative to the ``now`` a rule is evaluated at: ``{"days": 7}``,
``{"hours": 1}``, ``{"last_lives": 3}`` (since the start of the 3rd most recent live) or fixed
``{"since": …, "until": …}``. Datetime fields of traits, scores and counters take
``{"days_ago": 30}`` as a value, also relative to ``now``.

Every identifier a rule names (fields, channels) comes from a whitelist here; values only ever
reach SQL as bound parameters (see ``segments.compile``). A rule that does not validate raises
``RuleError`` with the JSON path of the first problem, e.g. ``and[1].value``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from liveloop.errors import DomainError
from liveloop.live.contracts import FollowUp

MAX_DEPTH = 8
MAX_CONDITIONS = 50
KEY_PATTERN = r"^[A-Za-z0-9_\u4e00-\u9fff][A-Za-z0-9_\-\u4e00-\u9fff]{0,63}$"
Text = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]*$")]


class RuleError(DomainError):
    """A rule document that does not describe a valid segment; ``path`` points at the problem."""

    status = 422

    def __init__(self, reason: str, path: str = "") -> None:
        self.reason, self.path = reason, path
        super().__init__(f"{path}: {reason}" if path else reason)


# --- fields: the whitelist of what a rule may compare -------------------------------------------
# kind: "text" | "int" | "number" | "money" | "date" | "datetime"
TRAIT_COLUMNS = {
    "gender": "text",
    "province": "text",
    "city": "text",
    "member_tier": "text",
    "birthday": "date",
    "created_at": "datetime",
    "oneid": "text",
}
SCORE_FIELDS = {
    "recency_days": "int",
    "frequency": "int",
    "monetary": "money",
    "rfm_r": "int",
    "rfm_f": "int",
    "rfm_m": "int",
    "rfm_group": "text",
    "lifecycle_stage": "text",
    "p_alive": "number",
    "purchases_30d": "number",
    "purchases_90d": "number",
    "clv_12m": "money",
    "churn_risk": "text",
    "best_contact_hour": "int",
    "preferred_channel": "text",
    "scored_at": "datetime",
}
COUNTER_FIELDS = {
    "orders": "int",
    "coupon_orders": "int",
    "refunds": "int",
    "spend": "money",
    "first_order_at": "datetime",
    "last_order_at": "datetime",
    "lives_attended": "int",
    "watch_seconds": "int",
    "events": "int",
    "last_active_at": "datetime",
}
CHANNELS = ("sms", "wecom", "email", "wechat", "douyin", "mail", "webhook")

Op = Literal["eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "between", "exists", "missing"]
ORDERED = {"gt", "gte", "lt", "lte", "between"}


class Relative(BaseModel):
    """A moment relative to ``now``: ``{"days_ago": 30}`` or ``{"days_ahead": 3}``."""

    model_config = ConfigDict(extra="forbid")
    days_ago: int | None = Field(default=None, ge=0, le=36_600)
    days_ahead: int | None = Field(default=None, ge=0, le=36_600)

    @model_validator(mode="after")
    def _one(self) -> Relative:
        if (self.days_ago is None) == (self.days_ahead is None):
            raise ValueError("give exactly one of days_ago, days_ahead")
        return self

    @property
    def days(self) -> int:
        return -(self.days_ago or 0) + (self.days_ahead or 0)


Scalar = Annotated[
    StrictBool | StrictInt | StrictFloat | Annotated[StrictStr, Field(max_length=256)] | Relative,
    Field(union_mode="left_to_right"),
]
Value = Scalar | Annotated[list[Scalar], Field(min_length=1, max_length=1000)] | None


class Comparison(BaseModel):
    """``op`` and ``value`` shared by field conditions and property filters."""

    model_config = ConfigDict(extra="forbid")
    op: Op = "eq"
    value: Value = None

    @model_validator(mode="after")
    def _shape(self) -> Comparison:
        op, value = self.op, self.value
        if op in ("exists", "missing"):
            if value is not None:
                raise ValueError(f"op {op} takes no value")
        elif op in ("in", "not_in"):
            if not isinstance(value, list):
                raise ValueError(f"op {op} needs a list value")
        elif op == "between":
            if not isinstance(value, list) or len(value) != 2:
                raise ValueError("op between needs a value [low, high]")
        elif value is None or isinstance(value, list):
            raise ValueError(f"op {op} needs a single value")
        for one in self.values():
            if isinstance(one, int | float) and not isinstance(one, bool):
                _number_in_range(one)
        return self

    def values(self) -> list[Any]:
        if self.value is None:
            return []
        return list(self.value) if isinstance(self.value, list) else [self.value]


LARGEST = Decimal("1e15")


def _number_in_range(value: int | float | Decimal) -> None:
    number = Decimal(str(value))
    if not number.is_finite() or abs(number) > LARGEST:
        raise ValueError(f"{value!r} is out of range (at most 10^15 either way)")


def check_kind(kind: str, comparison: Comparison, field: str) -> None:
    """Refuse values that cannot be compared with a field of this kind."""
    for value in comparison.values():
        if kind == "text" and not isinstance(value, str):
            raise ValueError(f"{field} holds text; compare it with strings")
        if kind in ("int", "number", "money"):
            if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
                raise ValueError(f"{field} holds numbers")
            if isinstance(value, str):
                try:
                    _number_in_range(Decimal(value))
                except ArithmeticError:
                    raise ValueError(f"{field} holds numbers; {value!r} is not one") from None
        if kind in ("date", "datetime"):
            if isinstance(value, Relative):
                continue
            if not isinstance(value, str):
                raise ValueError(f"{field} holds a {kind}; give ISO text or {{'days_ago': N}}")
            try:
                parsed: Any = (date if kind == "date" else datetime).fromisoformat(value)
            except ValueError:
                raise ValueError(f"{field}: {value!r} is not an ISO {kind}") from None
            if kind == "datetime" and parsed.tzinfo is None:
                raise ValueError(f"{field}: {value!r} needs a timezone, e.g. +08:00")
        elif isinstance(value, Relative):
            raise ValueError(f"{field} is not a date; days_ago/days_ahead do not apply")


class TraitCondition(Comparison):
    type: Literal["trait"]
    field: Annotated[str, Field(max_length=80)]

    @field_validator("field")
    @classmethod
    def _known(cls, field: str) -> str:
        if field.startswith("traits."):
            key = field.removeprefix("traits.")
            if not re.match(KEY_PATTERN, key):
                raise ValueError(f"trait key {key!r}: letters, digits, _ or - (max 64)")
        elif field not in TRAIT_COLUMNS:
            raise ValueError(
                f"unknown trait {field!r}; use {', '.join(TRAIT_COLUMNS)} or traits.<key>"
            )
        return field

    @model_validator(mode="after")
    def _field(self) -> TraitCondition:
        if self.field.startswith("traits."):
            for value in self.values():
                if isinstance(value, Relative):
                    raise ValueError("traits.* are compared as stored; days_ago does not apply")
            return self
        check_kind(TRAIT_COLUMNS[self.field], self, self.field)
        return self


class ScoreCondition(Comparison):
    type: Literal["score"]
    field: str

    @field_validator("field")
    @classmethod
    def _known(cls, field: str) -> str:
        if field not in SCORE_FIELDS:
            raise ValueError(f"unknown score {field!r}; use {', '.join(SCORE_FIELDS)}")
        return field

    @model_validator(mode="after")
    def _field(self) -> ScoreCondition:
        check_kind(SCORE_FIELDS[self.field], self, self.field)
        return self


class CounterCondition(Comparison):
    type: Literal["counter"]
    field: str

    @field_validator("field")
    @classmethod
    def _known(cls, field: str) -> str:
        if field not in COUNTER_FIELDS:
            raise ValueError(f"unknown counter {field!r}; use {', '.join(COUNTER_FIELDS)}")
        return field

    @model_validator(mode="after")
    def _field(self) -> CounterCondition:
        check_kind(COUNTER_FIELDS[self.field], self, self.field)
        return self


class TagCondition(BaseModel):
    """Has the tag (or any of the tags)."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["tag"]
    tag: (
        Annotated[str, Field(min_length=1, max_length=64)]
        | Annotated[
            list[Annotated[str, Field(min_length=1, max_length=64)]],
            Field(min_length=1, max_length=100),
        ]
    )

    @property
    def tags(self) -> list[str]:
        return [self.tag] if isinstance(self.tag, str) else list(self.tag)


class ConsentCondition(BaseModel):
    """Consent on ``channel`` is granted (``granted: false``: withdrawn or never given)."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["consent"]
    channel: Literal["sms", "wecom", "email", "wechat", "douyin", "mail", "webhook"]
    granted: bool = True


class Window(BaseModel):
    """A time window ending at ``now`` (or at ``until``)."""

    model_config = ConfigDict(extra="forbid")
    days: int | None = Field(default=None, ge=1, le=3_660)
    hours: int | None = Field(default=None, ge=1, le=87_840)
    last_lives: int | None = Field(default=None, ge=1, le=100)
    since: datetime | None = None
    until: datetime | None = None

    @model_validator(mode="after")
    def _one(self) -> Window:
        starts = [self.days, self.hours, self.last_lives, self.since]
        if sum(s is not None for s in starts) != 1:
            raise ValueError("give exactly one of days, hours, last_lives, since")
        for name in ("since", "until"):
            moment = getattr(self, name)
            if moment is not None and moment.tzinfo is None:
                raise ValueError(f"{name} needs a timezone, e.g. 2026-11-01T00:00:00+08:00")
        if self.until is not None and self.since is not None and self.until <= self.since:
            raise ValueError("until must be after since")
        return self


class Count(BaseModel):
    """A threshold on how many: ``{"op": "gte", "value": 2}``; ``{"op": "eq", "value": 0}`` is
    "none"."""

    model_config = ConfigDict(extra="forbid")
    op: Literal["eq", "ne", "gt", "gte", "lt", "lte"] = "gte"
    value: int = Field(default=1, ge=0, le=1_000_000)

    def holds(self, n: int) -> bool:
        v = self.value
        return {
            "eq": n == v,
            "ne": n != v,
            "gt": n > v,
            "gte": n >= v,
            "lt": n < v,
            "lte": n <= v,
        }[self.op]


class PropertyFilter(Comparison):
    property: Annotated[str, Field(pattern=KEY_PATTERN)]

    @model_validator(mode="after")
    def _values(self) -> PropertyFilter:
        for value in self.values():
            if isinstance(value, Relative):
                raise ValueError("event properties are compared as sent; days_ago does not apply")
        if self.op in ORDERED:
            for value in self.values():
                if isinstance(value, bool | str):
                    raise ValueError(f"op {self.op} compares numbers")
        return self


class EventCondition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["event"]
    name: Text
    within: Window | None = None
    where: Annotated[list[PropertyFilter], Field(max_length=10)] = []
    count: Count = Count()


class OrderCondition(BaseModel):
    """Orders (not refunded or cancelled) in the window, of any of ``sku`` / ``category`` when
    given; ``count`` counts orders, ``spend`` (yuan) sums what they paid for those lines."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["order"]
    sku: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=32)]], Field(max_length=200)
    ] = []
    category: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=32)]], Field(max_length=50)
    ] = []
    within: Window | None = None
    channel: Annotated[str, Field(min_length=1, max_length=24)] | None = None
    live: bool | None = Field(default=None, description="only orders placed in a live (or not)")
    count: Count = Count()
    spend: Comparison | None = None

    @model_validator(mode="after")
    def _spend(self) -> OrderCondition:
        if self.spend is not None:
            if self.spend.op not in ("gt", "gte", "lt", "lte", "between", "eq"):
                raise ValueError("spend takes gt, gte, lt, lte, eq or between")
            check_kind("money", self.spend, "spend")
        return self


class LiveCondition(BaseModel):
    """Watched at least ``min_minutes`` in each of the last ``last`` lives held before ``now``
    (or in ``at_least`` of them). Watch time is the sum of ``watch_seconds`` of the person's
    ``Live Left`` events of that live."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["live"]
    last: int = Field(default=1, ge=1, le=50)
    min_minutes: float = Field(default=1, ge=0, le=1_440)
    at_least: int | None = Field(default=None, ge=1, le=50)
    room: Annotated[str, Field(min_length=1, max_length=64)] | None = None

    @model_validator(mode="after")
    def _at_least(self) -> LiveCondition:
        if self.at_least is not None and self.at_least > self.last:
            raise ValueError("at_least cannot exceed last")
        return self

    @property
    def needed(self) -> int:
        return self.at_least or self.last


class LiveAudienceCondition(BaseModel):
    """In a follow-up audience of a show, as its post-live report found it: the show
    ``live_session_id``, or the latest show (of ``room``) whose report found audiences."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["live_audience"]
    audience: FollowUp
    live_session_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    room: Annotated[str, Field(min_length=1, max_length=64)] | None = None

    @model_validator(mode="after")
    def _one_show(self) -> LiveAudienceCondition:
        if self.live_session_id is not None and self.room is not None:
            raise ValueError("give live_session_id or room (its latest show), not both")
        return self


class And(BaseModel):
    model_config = ConfigDict(extra="forbid")
    and_: Annotated[list[Node], Field(alias="and", min_length=1, max_length=MAX_CONDITIONS)]


class Or(BaseModel):
    model_config = ConfigDict(extra="forbid")
    or_: Annotated[list[Node], Field(alias="or", min_length=1, max_length=MAX_CONDITIONS)]


class Not(BaseModel):
    model_config = ConfigDict(extra="forbid")
    not_: Annotated[Node, Field(alias="not")]


def _kind(doc: Any) -> str | None:
    if isinstance(doc, dict):
        for key in ("and", "or", "not"):
            if key in doc:
                return key
        kind = doc.get("type")
        return kind if isinstance(kind, str) else None
    if isinstance(doc, BaseModel):
        names: dict[type, str] = {And: "and", Or: "or", Not: "not"}
        return names.get(type(doc)) or getattr(doc, "type", None)
    return None


Condition = (
    TraitCondition
    | TagCondition
    | ScoreCondition
    | CounterCondition
    | EventCondition
    | OrderCondition
    | LiveCondition
    | LiveAudienceCondition
    | ConsentCondition
)

Node = Annotated[
    Annotated[And, Tag("and")]
    | Annotated[Or, Tag("or")]
    | Annotated[Not, Tag("not")]
    | Annotated[TraitCondition, Tag("trait")]
    | Annotated[TagCondition, Tag("tag")]
    | Annotated[ScoreCondition, Tag("score")]
    | Annotated[CounterCondition, Tag("counter")]
    | Annotated[EventCondition, Tag("event")]
    | Annotated[OrderCondition, Tag("order")]
    | Annotated[LiveCondition, Tag("live")]
    | Annotated[LiveAudienceCondition, Tag("live_audience")]
    | Annotated[ConsentCondition, Tag("consent")],
    Discriminator(
        _kind,
        custom_error_type="unknown_condition",
        custom_error_message=(
            "a node is {'and': [...]}, {'or': [...]}, {'not': {...}} or a condition with "
            "type trait, tag, score, counter, event, order, live, live_audience or consent"
        ),
    ),
]

And.model_rebuild()
Or.model_rebuild()
Not.model_rebuild()
_NODE: TypeAdapter[Any] = TypeAdapter(Node)


class Rule(BaseModel):
    """A validated rule: its tree, and the document it came from (stored as given)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    root: Any
    document: dict[str, Any]


def _path(loc: tuple[Any, ...]) -> str:
    """pydantic's location, minus the union tags it inserts, as a JSON path: ``and[1].value``.
    A tag comes first, after a list index, and after a ``not`` field."""
    parts: list[str] = []
    expect_tag = True
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
            expect_tag = True
        elif expect_tag and part in _TAGS:
            expect_tag = False
        else:
            parts.append(("." if parts else "") + str(part))
            expect_tag = part == "not"
    return "".join(parts)


_TAGS = {
    "and",
    "or",
    "not",
    "trait",
    "tag",
    "score",
    "counter",
    "event",
    "order",
    "live",
    "consent",
}


def parse_rule(doc: dict[str, Any]) -> Rule:
    """Validate a rule document; raises ``RuleError`` naming the JSON path of the problem."""
    if not isinstance(doc, dict):
        raise RuleError("a rule is a JSON object")
    try:
        root = _NODE.validate_python(doc)
    except ValidationError as exc:
        error = _first(exc)
        raise RuleError(_message(error), _path(tuple(error["loc"]))) from None
    _limits(root, 1, [0])
    return Rule(root=root, document=doc)


def _first(exc: ValidationError) -> Any:
    """The most specific error: the deepest location (union branches report several)."""
    errors = exc.errors(include_url=False)
    return max(errors, key=lambda e: len(e["loc"]))


def _message(error: Any) -> str:
    msg = str(error["msg"])
    return msg.removeprefix("Value error, ")


def _limits(node: Any, depth: int, seen: list[int]) -> None:
    if depth > MAX_DEPTH:
        raise RuleError(f"rules nest at most {MAX_DEPTH} levels deep")
    children = (
        node.and_
        if isinstance(node, And)
        else node.or_
        if isinstance(node, Or)
        else [node.not_]
        if isinstance(node, Not)
        else []
    )
    if not children:
        seen[0] += 1
        if seen[0] > MAX_CONDITIONS:
            raise RuleError(f"a rule holds at most {MAX_CONDITIONS} conditions")
    for child in children:
        _limits(child, depth + 1, seen)
