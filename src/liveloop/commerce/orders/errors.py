"""Why an order command is refused. Reasons are Chinese first (the console shows them as they
are), with the English after for API clients.

    CommerceError              400
     ├── UnknownOrder          404  no order with that number
     ├── OrderRefused          422  input that cannot mean one thing (no lines, a bad amount …)
     └── OrderConflict         409  clashes with what is (an illegal move, a different payment …)
          └── PaidElsewhere    409  already paid by another transaction
"""

from __future__ import annotations

from liveloop.commerce.contracts import CommerceError


class UnknownOrder(CommerceError):
    """No order with that number."""

    status = 404


class OrderRefused(CommerceError):
    """Input that cannot be carried out as given."""

    status = 422


class OrderConflict(CommerceError):
    """The command clashes with the order's state or with what was recorded before."""

    status = 409


class PaidElsewhere(OrderConflict):
    """The order was paid before by another transaction (a payment provider that collected
    too refunds its own)."""
