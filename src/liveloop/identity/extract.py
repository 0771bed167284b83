"""Which identifiers an event carries, as (type, raw value) pairs, before normalisation.

Segment's fields map to our identifier types:
- ``userId`` → member_no (the brand's own member/user number);
- ``anonymousId`` → anonymous_id (a device- or browser-scoped id);
- ``traits.phone`` / ``traits.email`` (identify: stored under ``properties.traits``), and the
  same in ``context.traits`` (RudderStack's SDKs send an identify's traits there) → phone, email;
- ``context.externalIds: [{"type": "unionid", "id": …}, …]`` → that type (unionid, openid,
  douyin_id, phone, member_no, device_id); unknown types are ignored;
- ``context.device.id`` → device_id;
- alias ``properties.previousId`` → anonymous_id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from liveloop.identity.contracts import IdentityType

KNOWN = {t.value for t in IdentityType}


def event_identifiers(
    user_id: str | None,
    anonymous_id: str | None,
    properties: Mapping[str, Any],
    context: Mapping[str, Any],
) -> list[tuple[IdentityType, str]]:
    found: list[tuple[IdentityType, str]] = []

    def add(kind: IdentityType, value: object) -> None:
        if isinstance(value, str | int) and not isinstance(value, bool):
            found.append((kind, str(value)))

    add(IdentityType.MEMBER_NO, user_id)
    add(IdentityType.ANONYMOUS_ID, anonymous_id)
    for traits in (properties.get("traits"), context.get("traits")):
        if isinstance(traits, Mapping):
            add(IdentityType.PHONE, traits.get("phone"))
            add(IdentityType.EMAIL, traits.get("email"))
    add(IdentityType.ANONYMOUS_ID, properties.get("previousId"))
    external = context.get("externalIds")
    if isinstance(external, list):
        for item in external:
            if isinstance(item, Mapping) and item.get("type") in KNOWN:
                add(IdentityType(item["type"]), item.get("id"))
    device = context.get("device")
    if isinstance(device, Mapping):
        add(IdentityType.DEVICE_ID, device.get("id"))
    return found
