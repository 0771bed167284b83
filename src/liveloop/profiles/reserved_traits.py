"""Segment's reserved traits fill the person's own fields.

An ``identify`` call's traits — at the top level (``traits``, as Segment's SDKs send them) or in
``context.traits`` (as RudderStack's do; the top level wins where both say something) — land in
the traits document as they are, and the reserved ones also fill the profile's columns:

| trait | field | accepted |
|---|---|---|
| ``name`` (or ``lastName`` + ``firstName``) | ``name`` | text, cut to 64 characters |
| ``gender`` | ``gender`` | male/m/man/男/1 → 男, female/f/woman/女/2 → 女 |
| ``birthday`` | ``birthday`` | an ISO date or date-time (1900 … the event's day) |
| ``address.city`` | ``city`` | text, cut to 32 |
| ``address.state`` | ``province`` | text, cut to 32 (广东省, 广东 …) |
| ``createdAt`` | ``created_at`` | an ISO date-time; "customer since" moves earlier, never later |

``phone`` and ``email`` are identifiers (``identity.extract``), not fields. A value that cannot
be read is ignored for its field — the field keeps what it had — and the reason is kept in the
traits document under ``ignored_traits`` (``{"birthday": "…"}``) until a good value replaces
it; an unreadable trait never fails the consumer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

IGNORED = "ignored_traits"
GENDERS = {
    "male": "男",
    "m": "男",
    "man": "男",
    "男": "男",
    "1": "男",
    "female": "女",
    "f": "女",
    "woman": "女",
    "女": "女",
    "2": "女",
}
SIZES = {"name": 64, "city": 32, "province": 32}


def identify_traits(properties: Mapping[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
    """The traits an identify call states: ``context.traits`` under the top-level ``traits``."""
    top = properties.get("traits")
    nested = context.get("traits")
    return {
        **(nested if isinstance(nested, Mapping) else {}),
        **(top if isinstance(top, Mapping) else {}),
    }


def profile_fields(
    traits: Mapping[str, Any], at: datetime
) -> tuple[dict[str, Any], dict[str, str]]:
    """(the fields the reserved traits set, the reason each unreadable one was ignored)."""
    fields: dict[str, Any] = {}
    ignored: dict[str, str] = {}

    def text(field: str, trait: str, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
            ignored[trait] = f"{trait} 不是文本 (not text): {_shown(value)}"
            return
        fields[field] = str(value).strip()[: SIZES[field]]

    name = traits.get("name")
    if name is None and (traits.get("lastName") or traits.get("firstName")):
        parts = (traits.get("lastName"), traits.get("firstName"))
        if all(isinstance(p, str) or p is None for p in parts):
            name = "".join(p.strip() for p in parts if p)
    text("name", "name", name)
    if "gender" in traits and traits["gender"] is not None:
        gender = GENDERS.get(str(traits["gender"]).strip().lower())
        if gender is None:
            ignored["gender"] = f"性别 {_shown(traits['gender'])} 无法识别 (unknown gender)"
        else:
            fields["gender"] = gender
    if "birthday" in traits and traits["birthday"] is not None:
        born = _day(traits["birthday"])
        if born is None or not date(1900, 1, 1) <= born <= at.date():
            ignored["birthday"] = f"生日 {_shown(traits['birthday'])} 不是有效日期 (not a date)"
        else:
            fields["birthday"] = born
    address = traits.get("address")
    if isinstance(address, Mapping):
        text("city", "address.city", address.get("city"))
        text("province", "address.state", address.get("state"))
    elif address is not None:
        ignored["address"] = f"地址须为对象 (address is an object): {_shown(address)}"
    if "createdAt" in traits and traits["createdAt"] is not None:
        since = _moment(traits["createdAt"])
        if since is None or not datetime(2000, 1, 1, tzinfo=UTC) <= since <= at:
            ignored["createdAt"] = (
                f"注册时间 {_shown(traits['createdAt'])} 不是有效时间 (not a date-time)"
            )
        else:
            fields["created_at"] = since
    return fields, ignored


def _day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    text = value.strip().replace("/", "-")
    try:
        return date.fromisoformat(text[:10]) if len(text) >= 10 else None
    except ValueError:
        return None


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        day = _day(value)
        return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _shown(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "…"
