"""A journey as an operator writes it (YAML or JSON), validated before it is ever stored.

    key: cart-abandonment
    name: 加购未付款提醒
    trigger: {type: event, event: Product Added}
    reentry: {policy: after, wait: 7d}
    exit: {events: [Order Completed]}
    goal: {event: Order Completed, within: 3d}
    steps:
      - {id: wait_pay, type: wait_for_event, event: Order Completed, timeout: 1h,
         on_event: end, on_timeout: remind}
      - {id: remind, type: send, channel: wecom, template: cart_reminder}

Steps run in list order unless a step names its ``next``; ``end`` finishes the journey. Rules
(entry audience, branch and exit conditions) are segment rules (``liveloop.segments``), checked
here through ``parse_rule`` so a journey can never store a rule the engine cannot run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, time, timedelta
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from liveloop import spec
from liveloop.errors import DomainError

END = "end"
STEP_ID = r"^[a-z][a-z0-9_]{0,47}$"
KEY = r"^[a-z][a-z0-9-]{1,63}$"
_DURATION = re.compile(r"^(\d{1,5})([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class DefinitionError(DomainError):
    """The journey definition is not valid; ``details`` lists each problem with its path."""

    status = 422

    def __init__(self, reason: str, details: list[dict[str, str]] | None = None) -> None:
        super().__init__(reason)
        self.details = details or []


def duration(text: str) -> timedelta:
    """``30m``, ``1h``, ``3d``, ``2w`` → a timedelta (also accepts whole seconds as ``90s``)."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a duration like 30m, 1h, 3d or 2w")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


def clock_time(text: str) -> time:
    match = re.match(r"^([01]\d|2[0-3]):([0-5]\d)$", text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a local time like 10:00")
    return time(int(match[1]), int(match[2]))


def _check_rule(rule: dict[str, Any] | None) -> dict[str, Any] | None:
    if rule is None:
        return None
    from liveloop.segments.service import parse_rule

    parse_rule(rule)
    return rule


def _valid(parse: Any) -> AfterValidator:
    return AfterValidator(lambda text: (parse(text), text)[1])


Rule = Annotated[dict[str, Any], Field(description="a segment rule")]
DurationText = Annotated[str, _valid(duration)]
LocalTime = Annotated[str, _valid(clock_time)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---- triggers ----------------------------------------------------------------------------------


class EventTrigger(Strict):
    """Enter when the person does ``event``; ``properties`` must all equal the event's."""

    type: Literal["event"]
    event: str = Field(min_length=1, max_length=128)
    properties: dict[str, str | int | float | bool] = Field(default_factory=dict)


class SegmentTrigger(Strict):
    """Enter when the person enters the named segment."""

    type: Literal["segment_entered"]
    segment: str = Field(min_length=1, max_length=128)


class DateTrigger(Strict):
    """Enter on a date of the person's own, shifted by ``offset_days``, at local ``at``:
    ``birthday`` (month and day, every year) or ``repurchase_runout`` (the predicted day a
    product runs out, once per prediction)."""

    type: Literal["date"]
    date: Literal["birthday", "repurchase_runout"]
    offset_days: int = Field(default=0, ge=-60, le=60)
    at: LocalTime = "10:00"


class ScheduleTrigger(Strict):
    """Enter everyone in ``audience`` at local ``at`` every day, every week (``weekday`` 1 =
    Monday) or once (on ``on``, a date)."""

    type: Literal["schedule"]
    every: Literal["day", "week", "once"]
    at: LocalTime = "10:00"
    weekday: int | None = Field(default=None, ge=1, le=7)
    on: str | None = None
    audience: Rule

    @model_validator(mode="after")
    def _slot(self) -> ScheduleTrigger:
        if self.every == "week" and self.weekday is None:
            raise ValueError("a weekly schedule needs a weekday (1 = Monday … 7 = Sunday)")
        if self.every == "once":
            try:
                date.fromisoformat(self.on or "")
            except ValueError:
                raise ValueError("a one-off schedule needs on: YYYY-MM-DD, a real date") from None
        return self


CALENDAR_YEARS = (1901, 2199)  # the years the calendar (almanac) computes


class CalendarTrigger(Strict):
    """Enter the audience on a day of the marketing calendar (``day``: a 节气 such as 冬至, a
    festival, a commerce day or one of the brand's own dates), shifted by ``offset_days``
    (-3: three days before), at local ``at`` — once per person and occurrence, so a yearly day
    lets each person in once a year. The audience is a segment rule (``audience``) or a saved
    segment's name (``segment``, its rule judged at the slot); ``year`` keeps the trigger to
    one year (a campaign's journey); ``properties`` join the trigger's context for messages.
    Shorthand: ``{calendar: 冬至, offset_days: -3, ...}``. Whether the calendar knows ``day``
    is checked when the journey is saved (brand dates live in the store)."""

    type: Literal["calendar"]
    day: str
    offset_days: int = 0
    at: LocalTime = "10:00"
    audience: Rule | None = None
    segment: str | None = None
    year: int | None = None
    properties: dict[str, str | int | float | bool] = Field(default_factory=dict)

    @field_validator("day")
    @classmethod
    def _day(cls, value: str) -> str:
        value = value.strip()
        if not 0 < len(value) <= 32:
            raise ValueError("日历日的名称需要 1-32 个字符,如 冬至、中秋、会员日")
        return value

    @field_validator("offset_days")
    @classmethod
    def _offset(cls, value: int) -> int:
        if not -60 <= value <= 60:
            raise ValueError("offset_days 需要在 -60 到 60 天之间(-3 即提前三天)")
        return value

    @field_validator("year")
    @classmethod
    def _year(cls, value: int | None) -> int | None:
        low, high = CALENDAR_YEARS
        if value is not None and not low <= value <= high:
            raise ValueError(f"year 需要在 {low}-{high} 之间")
        return value

    @field_validator("segment")
    @classmethod
    def _segment(cls, value: str | None) -> str | None:
        if value is not None and not 0 < len(value.strip()) <= 128:
            raise ValueError("segment 是已保存分群的名称,1-128 个字符")
        return value.strip() if value is not None else None

    @model_validator(mode="after")
    def _who(self) -> CalendarTrigger:
        if (self.audience is None) == (self.segment is None):
            raise ValueError(
                "日历触发需要指定受众:audience(分群规则)或 segment(已保存的分群名),二选一"
            )
        return self


def _calendar_shorthand(value: Any) -> Any:
    """``{calendar: 冬至, …}`` (no ``type``) is a calendar trigger on that day."""
    if isinstance(value, dict) and "type" not in value and "calendar" in value:
        rest = {k: v for k, v in value.items() if k != "calendar"}
        return {"type": "calendar", "day": value["calendar"], **rest}
    return value


Trigger = Annotated[
    EventTrigger | SegmentTrigger | DateTrigger | ScheduleTrigger | CalendarTrigger,
    Field(discriminator="type"),
    BeforeValidator(_calendar_shorthand),
]


# ---- steps -------------------------------------------------------------------------------------


class StepBase(Strict):
    id: str = Field(pattern=STEP_ID)
    next: str | None = None  # default: the following step, or the end

    def targets(self) -> Iterator[str]:
        if self.next is not None:
            yield self.next


class Send(StepBase):
    """Send ``template`` through ``channel``; ``purpose`` decides which guard rails apply."""

    type: Literal["send"]
    channel: Literal["wecom", "sms", "email", "console"]  # webhooks are their own step
    template: str = Field(min_length=1, max_length=64)
    purpose: Literal["marketing", "service"] = "marketing"
    # Skip the message (outcome "skipped") for people the journey has no such fact for.
    requires: list[Literal["product", "recommended", "coupon", "content"]] = Field(
        default_factory=list
    )


class IssueCoupon(StepBase):
    """Issue a coupon of ``template`` (or of the member tier's, ``from_tier``); ``on_product``
    narrows it to a product from the context (the one the person looked at most, or the
    recommended one); ``valid_hours`` overrides the template's validity. The coupon's code is
    then in the context for later messages."""

    type: Literal["coupon"]
    template: str = Field(min_length=1, max_length=64)
    valid_hours: int | None = Field(default=None, ge=1, le=24 * 366)
    on_product: Literal["most_viewed", "recommended", "trigger"] | None = None
    # The person's member tier's coupon instead of ``template`` when their tier names one (and
    # the template exists): ``birthday_coupon`` is the tier's birthday gift (loyalty benefits).
    from_tier: Literal["birthday_coupon"] | None = None


class FindContent(StepBase):
    """Find the content-library item that answers what the person asked in a show and left
    open (提问未获回复), and keep it for the messages that follow: ``content`` (title, excerpt,
    kind, id) and ``asked`` (their question). The show is the trigger's ``live_session_id``
    (a follow-up segment's ``Segment Entered`` carries it), or else their latest show that
    ended within ``within``. ``kind`` narrows to clips, recipes or 话术; ``excerpt`` is how
    many characters of the item's body the messages get. When nothing matches the step goes
    to ``on_none`` (default: the following step, where ``requires: [content]`` skips)."""

    type: Literal["content"]
    kind: Literal["clip", "recipe", "script"] | None = None
    excerpt: int = Field(default=60, ge=0, le=500)
    within: DurationText = "14d"
    on_none: str | None = None

    def targets(self) -> Iterator[str]:
        yield from super().targets()
        if self.on_none is not None:
            yield self.on_none


class Tag(StepBase):
    type: Literal["tag"]
    add: list[str] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> Tag:
        if not self.add and not self.remove:
            raise ValueError("a tag step adds or removes at least one tag")
        if any(not 0 < len(tag) <= 64 for tag in [*self.add, *self.remove]):
            raise ValueError("tags are 1 to 64 characters")
        return self


class GuideTask(StepBase):
    type: Literal["task"]
    title: str = Field(min_length=1, max_length=120)
    body: str = Field(default="", max_length=2000)
    kind: str = Field(default="follow_up", pattern=r"^[a-z][a-z0-9_]{0,23}$")
    due: DurationText = "1d"


class Webhook(StepBase):
    type: Literal["webhook"]
    endpoint: str = Field(pattern=r"^https?://\S+$", max_length=512)
    event_type: str = Field(min_length=1, max_length=64)


class SetTraits(StepBase):
    type: Literal["set_trait"]
    traits: dict[str, str | int | float | bool | None] = Field(min_length=1)


class Wait(StepBase):
    type: Literal["wait"]
    duration: DurationText


class WaitUntil(StepBase):
    """Wait until the next local ``at`` (``10:00``), at least ``min`` later."""

    type: Literal["wait_until"]
    at: LocalTime
    min: DurationText = "0s"


class WaitForEvent(StepBase):
    """Wait for the person's ``event`` until ``timeout`` has passed — counted from when the step
    is reached, or, with ``until_property``, from the time the trigger's property names (a
    booked live's ``live_ends_at``, say; ISO 8601)."""

    type: Literal["wait_for_event"]
    event: str = Field(min_length=1, max_length=128)
    timeout: DurationText
    until_property: str | None = Field(default=None, max_length=64)
    on_event: str
    on_timeout: str

    def targets(self) -> Iterator[str]:
        yield from (self.on_event, self.on_timeout)


class Branch(StepBase):
    type: Literal["branch"]
    condition: Rule
    then: str
    otherwise: str = Field(alias="else")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def targets(self) -> Iterator[str]:
        yield from (self.then, self.otherwise)


class Variant(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_\-]{1,32}$")
    percent: int = Field(ge=0, le=100)
    next: str


class Split(StepBase):
    """A/B split; a variant named ``control`` is the hold-out group the others are measured
    against. The same person always lands in the same variant of a journey."""

    type: Literal["split"]
    variants: list[Variant] = Field(min_length=2, max_length=10)

    @model_validator(mode="after")
    def _percentages(self) -> Split:
        if sum(v.percent for v in self.variants) != 100:
            raise ValueError("variant percentages must add up to 100")
        if len({v.name for v in self.variants}) != len(self.variants):
            raise ValueError("variant names must be different")
        return self

    def targets(self) -> Iterator[str]:
        yield from (v.next for v in self.variants)


class Exit(StepBase):
    type: Literal["exit"]


Step = Annotated[
    Send
    | IssueCoupon
    | FindContent
    | Tag
    | GuideTask
    | Webhook
    | SetTraits
    | Wait
    | WaitUntil
    | WaitForEvent
    | Branch
    | Split
    | Exit,
    Field(discriminator="type"),
]
ACTIONS = ("send", "coupon", "content", "tag", "task", "webhook", "set_trait")


class Reentry(Strict):
    """``never``: once per person; ``always``: again whenever not inside; ``after``: again once
    ``wait`` has passed since the last entry."""

    policy: Literal["never", "always", "after"] = "never"
    wait: str | None = None

    @model_validator(mode="after")
    def _wait(self) -> Reentry:
        if self.policy == "after":
            if self.wait is None:
                raise ValueError("reentry after needs a wait such as 30d")
            duration(self.wait)
        return self


class ExitWhen(Strict):
    events: list[str] = Field(default_factory=list)
    condition: Rule | None = None


class Goal(Strict):
    event: str = Field(default=spec.ORDER_COMPLETED, min_length=1, max_length=128)
    within: DurationText = "7d"


class Journey(Strict):
    key: str = Field(pattern=KEY)
    name: str = Field(min_length=1, max_length=64)
    description: str = Field(default="", max_length=2000)
    trigger: Trigger
    audience: Rule | None = None
    reentry: Reentry = Reentry()
    exit: ExitWhen = ExitWhen()
    goal: Goal | None = None
    # Products the journey's messages talk about, looked up once per person when needed.
    products: list[Literal["most_viewed", "recommended"]] = Field(default_factory=list)
    steps: list[Step] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _graph(self) -> Journey:
        if self.key == "builtins":
            raise ValueError("key 'builtins' is reserved (GET /v1/journeys/builtins)")
        ids = [step.id for step in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError("step ids must be unique")
        if END in ids:
            raise ValueError(f"{END!r} is reserved for the end of the journey")
        known = {*ids, END}
        for step in self.steps:
            for target in step.targets():
                if target not in known:
                    raise ValueError(f"step {step.id!r} goes to {target!r}, which is no step")
        finds = any(isinstance(step, FindContent) for step in self.steps)
        for step in self.steps:
            if isinstance(step, Send) and "content" in step.requires and not finds:
                raise ValueError(
                    f"step {step.id!r} requires content, but no content step finds any"
                )
        return self

    def step(self, step_id: str) -> Any:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def after(self, step_id: str) -> str:
        """Where a step goes when it does not say: the following step, or the end."""
        step = self.step(step_id)
        if step.next is not None:
            return str(step.next)
        index = self.steps.index(step)
        return self.steps[index + 1].id if index + 1 < len(self.steps) else END

    def rules(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every segment rule in the journey, with where it sits."""
        if self.audience is not None:
            yield "audience", self.audience
        if self.exit.condition is not None:
            yield "exit.condition", self.exit.condition
        if isinstance(self.trigger, ScheduleTrigger):
            yield "trigger.audience", self.trigger.audience
        if isinstance(self.trigger, CalendarTrigger) and self.trigger.audience is not None:
            yield "trigger.audience", self.trigger.audience
        for index, step in enumerate(self.steps):
            if isinstance(step, Branch):
                yield f"steps.{index}.condition", step.condition


class _Loader(yaml.SafeLoader):
    """YAML as operators mean it: only true/false are booleans (YAML 1.1 also reads ``on``,
    ``off``, ``yes``, ``no``), ``10:00`` stays a time of day (not sexagesimal 600) and
    ``2026-12-12`` a date as written (not a datetime object)."""


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag
        not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789")
)


def load(text: str) -> Any:
    """Parse YAML or JSON text (see ``_Loader``); raises DefinitionError."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        raise DefinitionError(f"not valid YAML or JSON: {exc}") from exc
    except RecursionError:
        raise DefinitionError("the definition is nested too deeply") from None


# What pydantic says about a calendar trigger, in the operator's words (the trigger is new, so
# its refusals are Chinese from the start; pydantic's English follows in brackets).
_CHINESE = {
    "missing": "缺少这一项",
    "extra_forbidden": "不认识这一项",
    "int_parsing": "需要整数",
    "int_type": "需要整数",
    "int_from_float": "需要整数",
    "string_type": "需要文字",
    "dict_type": "需要一个映射(如分群规则)",
    "bool_type": "需要 true 或 false",
}


def _reason(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["loc"][:2] == ("trigger", "calendar"):
        if error["type"] in _CHINESE:
            return f"{_CHINESE[error['type']]} ({message})"
        if error["loc"][-1] == "at":
            return f"时间需要写成 24 小时制的 时:分,如 10:00 ({message})"
    return message


def parse(document: str | dict[str, Any]) -> Journey:
    """A journey from YAML/JSON text or an already-parsed document; raises DefinitionError."""
    if isinstance(document, str):
        document = load(document)
    if not isinstance(document, dict):
        raise DefinitionError("a journey is a mapping with key, name, trigger and steps")
    try:
        journey = Journey.model_validate(document)
    except ValidationError as exc:
        details = [
            {"path": ".".join(str(p) for p in error["loc"]), "reason": _reason(error)}
            for error in exc.errors(include_url=False, include_input=False)
        ]
        raise DefinitionError("the journey definition is not valid", details) from exc
    problems = []
    for path, rule in journey.rules():
        try:
            _check_rule(rule)
        except ValueError as exc:
            problems.append({"path": path, "reason": str(exc)})
    if problems:
        raise DefinitionError("a rule in the journey is not valid", problems)
    return journey
