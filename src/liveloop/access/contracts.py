"""What access publishes to other packages: the roles a user or API key acts in, and the
personal fields whose visibility ``access.service.sees`` decides."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    HOST = "host"
    LEADER = "leader"
    GUIDE = "guide"
    ANALYST = "analyst"
    INTEGRATOR = "integrator"


class PiiField(StrEnum):
    """Personal data a role may see whole or only masked (``access.service.sees``)."""

    PHONE = "phone"
    NAME = "name"
    ADDRESS = "address"
    EMAIL = "email"
    IDENTIFIER = "identifier"  # unionid, openid, device and platform ids
