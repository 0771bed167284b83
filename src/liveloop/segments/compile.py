"""Compile a validated rule into one SQLAlchemy Core predicate over ``customers``.

Invariants:
- user values only ever become bound parameters; identifiers (tables, columns) come from the
  whitelists in ``segments.rules`` and the models, never from the rule's text. JSON keys given
  by a rule (``traits.<key>``, event properties) are bound parameters too (a JSON path).
- every leaf is two-valued (true or false, never NULL): comparisons are guarded with
  ``IS NOT NULL`` and set subqueries never yield a NULL id, so ``not`` means "everyone else".
- a leaf over another table is ``customers.id IN (SELECT customer_id …)``: SQLite drives a
  selective set by rowid and PostgreSQL hashes it, so a preview reads each table once. When
  ``among`` is given (a batch of ids, for journeys' branch checks) every subquery is cut to
  those ids first, so the cost follows the batch, not the store.
- counts that hold for zero ("no purchase", ``count lt 2``) compile to ``NOT IN`` the people
  whose non-zero count fails the threshold, so people with no rows at all are included.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Numeric,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from liveloop import spec
from liveloop.analytics.models import CustomerScore
from liveloop.commerce.contracts import COUNTED_STATUSES
from liveloop.commerce.models import Order, OrderItem, Product
from liveloop.live.models import LiveAudienceMember, LiveSession
from liveloop.profiles.models import Consent, Customer, CustomerTag, ProfileCounters
from liveloop.segments.rules import (
    COUNTER_FIELDS,
    SCORE_FIELDS,
    TRAIT_COLUMNS,
    And,
    Comparison,
    ConsentCondition,
    Count,
    CounterCondition,
    EventCondition,
    LiveAudienceCondition,
    LiveCondition,
    Not,
    Or,
    OrderCondition,
    Relative,
    Rule,
    ScoreCondition,
    TagCondition,
    TraitCondition,
    Window,
)
from liveloop.store.eventlog import Event

SHANGHAI = ZoneInfo("Asia/Shanghai")
BOUGHT = tuple(status.value for status in COUNTED_STATUSES)
DAY = 86_400
customers = Customer.__table__
events = Event.__table__
orders = Order.__table__
items = OrderItem.__table__
scores = CustomerScore.__table__
counters = ProfileCounters.__table__
tags = CustomerTag.__table__
consents = Consent.__table__
audience_members = LiveAudienceMember.__table__


@dataclass(frozen=True)
class Compiled:
    """The rule as a predicate over ``customers`` (living people only)."""

    where: ColumnElement[bool]

    def ids(self) -> Select[Any]:
        return select(customers.c.id).where(self.where)


def compile_rule(
    session: Session, rule: Rule, now: datetime, among: Collection[int] | None = None
) -> Compiled:
    """The predicate of ``rule`` at ``now``. Small look-ups (the last lives, product ids) run
    here, so the main query gets literal bounds the planner can use."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    compiler = _Compiler(session, now.astimezone(UTC), among)
    where = and_(customers.c.merged_into_id.is_(None), compiler.node(rule.root))
    if among is not None:
        where = and_(customers.c.id.in_(compiler.ids()), where)
    return Compiled(where)


class _Compiler:
    def __init__(self, session: Session, now: datetime, among: Collection[int] | None) -> None:
        self.session, self.now = session, now
        self.dialect = session.get_bind().dialect.name
        self.among = sorted(set(among)) if among is not None else None
        # One expanding parameter, reused wherever the batch cuts a subquery: the ids are sent
        # as bound values, never as text.
        self._ids: Any = bindparam("among", self.among, expanding=True)

    def ids(self) -> Any:
        return self._ids

    # --- tree ---------------------------------------------------------------------------------
    def node(self, node: Any) -> ColumnElement[bool]:
        if isinstance(node, And):
            return and_(*(self.node(child) for child in node.and_))
        if isinstance(node, Or):
            return or_(*(self.node(child) for child in node.or_))
        if isinstance(node, Not):
            return not_(self.node(node.not_))
        handler = getattr(self, f"leaf_{node.type}")
        result: ColumnElement[bool] = handler(node)
        return result

    def member(self, column: Any, query: Select[Any]) -> ColumnElement[bool]:
        """customers.id IN (query), where ``column`` is the query's customer id column."""
        if self.among is not None:
            query = query.where(column.in_(self.ids()))
        return customers.c.id.in_(query)

    def counted(
        self, column: Any, query: Select[Any], amount: Any, count: Count
    ) -> ColumnElement[bool]:
        """People whose ``amount`` (an aggregate over ``query`` grouped by person) meets
        ``count``; a threshold that zero meets also takes in people with no rows at all."""
        if count.op == "gte" and count.value == 1:
            return self.member(column, query)  # "at least once" needs no grouping
        if self.among is not None:
            query = query.where(column.in_(self.ids()))
        query = query.group_by(column)
        if count.holds(0):
            failing = query.having(not_(_threshold(amount, count)))
            return not_(customers.c.id.in_(failing))
        return customers.c.id.in_(query.having(_threshold(amount, count)))

    # --- leaves -------------------------------------------------------------------------------
    def leaf_trait(self, cond: TraitCondition) -> ColumnElement[bool]:
        if cond.field.startswith("traits."):
            return self.json_compare(customers.c.traits, cond.field.removeprefix("traits."), cond)
        column = customers.c[cond.field]
        return self.compare(column, TRAIT_COLUMNS[cond.field], cond)

    def leaf_tag(self, cond: TagCondition) -> ColumnElement[bool]:
        query = select(tags.c.customer_id).where(tags.c.tag.in_(cond.tags))
        return self.member(tags.c.customer_id, query)

    def leaf_consent(self, cond: ConsentCondition) -> ColumnElement[bool]:
        query = select(consents.c.customer_id).where(
            consents.c.channel == cond.channel, consents.c.granted.is_(True)
        )
        granted = self.member(consents.c.customer_id, query)
        return granted if cond.granted else not_(granted)

    def leaf_score(self, cond: ScoreCondition) -> ColumnElement[bool]:
        return self.row_field(scores, cond.field, SCORE_FIELDS[cond.field], cond)

    def leaf_counter(self, cond: CounterCondition) -> ColumnElement[bool]:
        return self.row_field(counters, cond.field, COUNTER_FIELDS[cond.field], cond)

    def row_field(self, table: Any, field: str, kind: str, cond: Comparison) -> ColumnElement[bool]:
        """A field of a one-row-per-person table; no row counts as a missing value."""
        column = table.c[field]
        if cond.op == "missing":
            present = select(table.c.customer_id).where(column.is_not(None))
            return not_(self.member(table.c.customer_id, present))
        query = select(table.c.customer_id).where(self.compare(column, kind, cond))
        return self.member(table.c.customer_id, query)

    def leaf_event(self, cond: EventCondition) -> ColumnElement[bool]:
        since, until = self.window(cond.within)
        where = [events.c.name == cond.name, events.c.customer_id.is_not(None)]
        where += [events.c.timestamp >= since] if since is not None else []
        where.append(events.c.timestamp <= until)
        for prop in cond.where:
            where.append(self.json_compare(events.c.properties, prop.property, prop))
        query = select(events.c.customer_id).where(*where)
        return self.counted(events.c.customer_id, query, func.count(), cond.count)

    def leaf_order(self, cond: OrderCondition) -> ColumnElement[bool]:
        since, until = self.window(cond.within)
        products = self.product_ids(cond.sku, cond.category) if cond.sku or cond.category else []
        if (cond.sku or cond.category) and not products:
            # No such product: nobody bought it (and "bought none" holds for everyone).
            return true() if cond.count.holds(0) and cond.spend is None else false()
        placed: Any = orders.c.placed_at
        if products and self.dialect == "sqlite" and self.by_product(products, since, until):
            # Fewer lines of these products than orders in the window: read the lines by
            # product and look their orders up by id. SQLite would otherwise scan the window by
            # placed_at; a unary + keeps it from using that index.
            placed = UnaryExpression(placed, operator=custom_op("+"), type_=placed.type)
        where: list[ColumnElement[bool]] = [orders.c.status.in_(BOUGHT)]
        where += [placed >= since] if since is not None else []
        where.append(placed <= until)
        if cond.channel is not None:
            where.append(orders.c.channel == cond.channel)
        if cond.live is not None:
            live = orders.c.live_session_id
            where.append(live.is_not(None) if cond.live else live.is_(None))
        if products:
            query = (
                select(orders.c.customer_id)
                .select_from(items.join(orders, items.c.order_id == orders.c.id))
                .where(*where, items.c.product_id.in_(products))
            )
            number = func.count(orders.c.id.distinct())
            paid = func.sum(items.c.unit_price * items.c.quantity, type_=BigInteger)
        else:
            query = select(orders.c.customer_id).where(*where)
            number = func.count(orders.c.id)
            paid = func.sum(orders.c.total, type_=BigInteger)
        bought = self.counted(orders.c.customer_id, query, number, cond.count)
        if cond.spend is None:
            return bought
        spend = self.spend(orders.c.customer_id, query, paid, cond.spend)
        return and_(bought, spend)

    def by_product(self, products: list[int], since: datetime | None, until: datetime) -> bool:
        """Whether the products' order lines are fewer than the window's orders (both counted
        from covering indexes, a few milliseconds at a million customers)."""
        if since is None or self.among is not None:
            return since is None and self.among is None
        lines = select(func.count()).where(items.c.product_id.in_(products))
        in_window = select(func.count()).where(
            orders.c.placed_at >= since, orders.c.placed_at <= until
        )
        return (self.session.scalar(lines) or 0) <= (self.session.scalar(in_window) or 0)

    def spend(self, column: Any, query: Select[Any], paid: Any, cond: Comparison) -> Any:
        """Paid in the window (fen, summed) compared with yuan values."""
        fen = [int(Decimal(str(v)) * 100) for v in cond.values()]
        test = _ordered(paid, cond.op, fen)
        if self.among is not None:
            query = query.where(column.in_(self.ids()))
        grouped = query.group_by(column)
        if _ordered_holds(0, cond.op, fen):
            return not_(customers.c.id.in_(grouped.having(not_(test))))
        return customers.c.id.in_(grouped.having(test))

    def leaf_live(self, cond: LiveCondition) -> ColumnElement[bool]:
        lives = self.last_lives(cond.last, cond.room)
        if not lives:
            return false()
        live_id = self.json_number(events.c.properties, "live_session_id")
        raw = self.json_number(events.c.properties, "watch_seconds")
        # As the profile counters do: one visit counts for at most a day, never negative.
        watched = case((raw > DAY, DAY), (raw < 0, 0), else_=raw)
        where = [
            events.c.name == spec.LIVE_LEFT,
            events.c.customer_id.is_not(None),
            events.c.timestamp >= min(start for _, start in lives),
            events.c.timestamp <= self.now,
            live_id.in_([live for live, _ in lives]),
        ]
        if self.among is not None:
            where.append(events.c.customer_id.in_(self.ids()))
        per_live = (
            select(events.c.customer_id.label("customer_id"))
            .where(*where)
            .group_by(events.c.customer_id, live_id)
            .having(func.coalesce(func.sum(watched), 0) >= cond.min_minutes * 60)
            .subquery()
        )
        enough = (
            select(per_live.c.customer_id)
            .group_by(per_live.c.customer_id)
            .having(func.count() >= min(cond.needed, len(lives)))
        )
        return customers.c.id.in_(enough)

    def leaf_live_audience(self, cond: LiveAudienceCondition) -> ColumnElement[bool]:
        show = cond.live_session_id or self.latest_audience_show(cond.room)
        if show is None:
            return false()
        query = select(audience_members.c.customer_id).where(
            audience_members.c.live_session_id == show,
            audience_members.c.audience == cond.audience.value,
        )
        return self.member(audience_members.c.customer_id, query)

    # --- look-ups done while compiling ---------------------------------------------------------
    def latest_audience_show(self, room: str | None) -> int | None:
        """The latest show (of ``room``) that started by ``now`` and has follow-up audiences."""
        query = (
            select(LiveSession.id)
            .where(
                LiveSession.started_at.is_not(None),
                LiveSession.started_at <= self.now,
                LiveSession.id.in_(select(audience_members.c.live_session_id)),
            )
            .order_by(LiveSession.started_at.desc(), LiveSession.id.desc())
            .limit(1)
        )
        if room is not None:
            query = query.where(LiveSession.room == room)
        found: int | None = self.session.scalar(query)
        return found

    def last_lives(self, last: int, room: str | None) -> list[tuple[int, datetime]]:
        """The ``last`` most recent lives that started by ``now``, newest first."""
        query = select(LiveSession.id, LiveSession.started_at).where(
            LiveSession.started_at.is_not(None), LiveSession.started_at <= self.now
        )
        if room is not None:
            query = query.where(LiveSession.room == room)
        query = query.order_by(LiveSession.started_at.desc(), LiveSession.id.desc()).limit(last)
        return [(live_id, started) for live_id, started in self.session.execute(query) if started]

    def product_ids(self, skus: Sequence[str], categories: Sequence[str]) -> list[int]:
        query = select(Product.id).where(
            or_(Product.sku.in_(list(skus) or [""]), Product.category.in_(list(categories) or [""]))
        )
        return sorted(self.session.scalars(query))

    def window(self, window: Window | None) -> tuple[datetime | None, datetime]:
        if window is None:
            return None, self.now
        until = min(window.until.astimezone(UTC), self.now) if window.until else self.now
        if window.days is not None:
            return self.now - timedelta(days=window.days), until
        if window.hours is not None:
            return self.now - timedelta(hours=window.hours), until
        if window.last_lives is not None:
            lives = self.last_lives(window.last_lives, None)
            return (min(start for _, start in lives) if lives else self.now), until
        since = window.since or self.now  # the model guarantees one start is given
        return since.astimezone(UTC), until

    # --- comparisons --------------------------------------------------------------------------
    def value(self, kind: str, value: Any) -> Any:
        if kind == "date":
            if isinstance(value, Relative):
                return self.now.astimezone(SHANGHAI).date() + timedelta(days=value.days)
            return date.fromisoformat(value)
        if kind == "datetime":
            if isinstance(value, Relative):
                return self.now + timedelta(days=value.days)
            return datetime.fromisoformat(value).astimezone(UTC)
        if kind == "int":
            number = Decimal(str(value))
            return int(number) if number == number.to_integral_value() else float(number)
        if kind == "number":
            return float(value)
        if kind == "money":
            return Decimal(str(value))
        return value

    def compare(self, column: Any, kind: str, cond: Comparison) -> ColumnElement[bool]:
        values = [self.value(kind, v) for v in cond.values()]
        if cond.op == "exists":
            return column.is_not(None)
        if cond.op == "missing":
            return column.is_(None)
        return and_(column.is_not(None), _apply(column, cond.op, values))

    def json_compare(self, document: Any, key: str, cond: Comparison) -> ColumnElement[bool]:
        """A JSON key compared by the type of the given values: strings as text, numbers as
        numbers, booleans as JSON true/false; a value of another JSON type never matches."""
        if cond.op in ("exists", "missing"):
            present = self.json_type(document, key).is_not(None)
            return present if cond.op == "exists" else not_(present)
        values = cond.values()
        if all(isinstance(v, bool) for v in values):
            kind = self.json_type(document, key)
            names = ["true" if v else "false" for v in values]
            matched = and_(kind.is_not(None), kind.in_(names))
            return not_(matched) if cond.op in ("ne", "not_in") else matched
        if all(isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in values):
            number = self.json_number(document, key)
            numbers = [Decimal(str(v)) for v in values]
            return and_(number.is_not(None), _apply(number, cond.op, numbers))
        text = self.json_text(document, key)
        return and_(text.is_not(None), _apply(text, cond.op, [str(v) for v in values]))

    def json_type(self, document: Any, key: str) -> Any:
        """'true', 'false', 'number', 'string', … or NULL when the key is absent."""
        if self.dialect == "postgresql":
            kind = func.jsonb_typeof(document.op("->")(literal(key, String)))
            return case((kind == "boolean", document.op("->>")(literal(key, String))), else_=kind)
        kind = func.json_type(document, literal(_path(key), String))
        return case(
            (kind.in_(["integer", "real"]), "number"), (kind == "text", "string"), else_=kind
        )

    def json_text(self, document: Any, key: str) -> Any:
        if self.dialect == "postgresql":
            text = document.op("->>", return_type=String)(literal(key, String))
            return case(
                (func.jsonb_typeof(document.op("->")(literal(key, String))) == "string", text)
            )
        path = literal(_path(key), String)
        return case(
            (
                func.json_type(document, path) == "text",
                func.json_extract(document, path, type_=String),
            )
        )

    def json_number(self, document: Any, key: str) -> Any:
        if self.dialect == "postgresql":
            text = document.op("->>", return_type=String)(literal(key, String))
            kind = func.jsonb_typeof(document.op("->")(literal(key, String)))
            return case((kind == "number", cast(text, Numeric)))
        path = literal(_path(key), String)
        return case(
            (
                func.json_type(document, path).in_(["integer", "real"]),
                func.json_extract(document, path, type_=Numeric),
            )
        )


def _path(key: str) -> str:
    # The key is whitelisted by pattern (no quotes or dots) and is sent as a bound parameter.
    return f'$."{key}"'


def _apply(column: Any, op: str, values: list[Any]) -> ColumnElement[bool]:
    if op == "eq":
        return column == values[0]
    if op == "ne":
        return column != values[0]
    if op == "in":
        return column.in_(values)
    if op == "not_in":
        return column.not_in(values)
    return _ordered(column, op, values)


def _ordered(column: Any, op: str, values: list[Any]) -> ColumnElement[bool]:
    if op == "gt":
        return column > values[0]
    if op == "gte":
        return column >= values[0]
    if op == "lt":
        return column < values[0]
    if op == "lte":
        return column <= values[0]
    if op == "between":
        return column.between(values[0], values[1])
    if op == "eq":
        return column == values[0]
    raise ValueError(f"op {op} does not order")


def _ordered_holds(number: int, op: str, values: list[int]) -> bool:
    checks = {
        "gt": lambda: number > values[0],
        "gte": lambda: number >= values[0],
        "lt": lambda: number < values[0],
        "lte": lambda: number <= values[0],
        "eq": lambda: number == values[0],
        "between": lambda: values[0] <= number <= values[1],
    }
    return checks[op]()


def _threshold(amount: Any, count: Count) -> ColumnElement[bool]:
    return {
        "eq": amount == count.value,
        "ne": amount != count.value,
        "gt": amount > count.value,
        "gte": amount >= count.value,
        "lt": amount < count.value,
        "lte": amount <= count.value,
    }[count.op]
