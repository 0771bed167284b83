"""What access publishes to other packages: the roles a user or API key acts in."""

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
