"""What identity publishes to other packages: the identifier types OneID knows."""

from __future__ import annotations

from enum import StrEnum


class IdentityType(StrEnum):
    """Identifier types, strongest first (the order OneID trusts them in)."""

    MEMBER_NO = "member_no"
    UNIONID = "unionid"
    PHONE = "phone"
    OPENID = "openid"
    DOUYIN_ID = "douyin_id"
    EMAIL = "email"
    DEVICE_ID = "device_id"
    ANONYMOUS_ID = "anonymous_id"
