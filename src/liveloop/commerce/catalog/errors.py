"""Why the catalog refuses a product or pool. Reasons are Chinese first (the console and the
rejects file show them as they are), with the English after for API clients.

    CommerceError               400
     └── CatalogError           400
          ├── UnknownProduct    404  no SKU with that code
          ├── ProductRefused    422  a field that cannot mean one thing; ``field`` names it
          └── ProductConflict   409  a SKU code already taken
"""

from __future__ import annotations

from liveloop.commerce.contracts import CommerceError


class CatalogError(CommerceError):
    """A catalog command refused as given."""


class UnknownProduct(CatalogError):
    """No product with that SKU."""

    status = 404


class ProductRefused(CatalogError):
    """A field of a product or pool that cannot be stored as given."""

    status = 422

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.details = [{"field": field, "problem": reason}]


class ProductConflict(CatalogError):
    """The command clashes with what is there (a SKU code taken)."""

    status = 409
