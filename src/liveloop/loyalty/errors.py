"""Why loyalty refuses a command. Reasons are Chinese first (the console shows them as they
are), with the English after for API clients.

    LoyaltyError               400
     ├── UnknownMember         404  no person with that OneID
     ├── RulesRefused          422  rules that cannot mean one thing
     ├── InsufficientPoints    409  积分不足: a spend larger than the available balance
     └── PostingConflict       409  a source key already posted for a different fact
"""

from __future__ import annotations

from liveloop.errors import DomainError


class LoyaltyError(DomainError):
    """A loyalty command refused as given."""


class UnknownMember(LoyaltyError):
    """No person with that OneID."""

    status = 404


class RulesRefused(LoyaltyError):
    """Rules or an adjustment that cannot be carried out as given."""

    status = 422


class InsufficientPoints(LoyaltyError):
    """The available balance is short of the points asked for."""

    status = 409


class PostingConflict(LoyaltyError):
    """The source key was already posted, for a different person or amount."""

    status = 409
