"""Why a coupon operation is refused.

Errors (all ``CommerceError``, so an order carrying a bad coupon is refused like any bad order)::

    CouponError
     ├── TemplateRefused        a template definition that is not allowed (400)
     │    └── TemplateConflict    clashes with what exists or was issued (409)
     ├── UnknownTemplate        no template with that code (404)
     ├── UnknownCoupon          no coupon with that code (404)
     ├── UnknownCustomer        no customer with that id or OneID (404)
     ├── IssueRefused           the template cannot issue this coupon now (409)
     │    ├── TemplateInactive        switched off
     │    ├── TemplateEnded           its fixed validity is over
     │    ├── PerPersonLimitReached   the person already holds ``per_person_limit`` of it
     │    ├── TotalLimitReached       ``total_limit`` coupons issued
     │    └── IdempotencyConflict     the key was used for another template or person
     ├── ScopeRefused           per-issue SKUs outside the template's scope or unknown (400)
     └── CouponNotUsable        this coupon cannot pay for this order (400/409)
          ├── CouponNotOwned          it belongs to someone else
          ├── CouponNotYetValid       before ``valid_from``
          ├── CouponExpired           at or after ``valid_until``, or marked expired
          ├── CouponAlreadyUsed       redeemed or void
          ├── CouponNotApplicable     no line of the order is in its scope
          └── ThresholdNotMet         the eligible lines come to less than 满X

"""

from __future__ import annotations

from liveloop.commerce.contracts import CommerceError


class CouponError(CommerceError):
    """A coupon operation refused as given."""


class TemplateRefused(CouponError):
    """A template definition or change that is not allowed."""


class UnknownTemplate(CouponError):
    """No coupon template with that code."""

    status = 404


class UnknownCoupon(CouponError):
    """No coupon with that code."""

    status = 404


class UnknownCustomer(CouponError):
    """No customer with that id or OneID."""

    status = 404


class IssueRefused(CouponError):
    """The template cannot issue this coupon now."""

    status = 409


class TemplateInactive(IssueRefused):
    """The template is switched off."""


class TemplateEnded(IssueRefused):
    """The template's fixed validity window is over."""


class PerPersonLimitReached(IssueRefused):
    """The person already holds as many of this template as it allows."""


class TotalLimitReached(IssueRefused):
    """The template has issued its total."""


class IdempotencyConflict(IssueRefused):
    """The idempotency key already issued a coupon of another template or to another person."""


class ScopeRefused(CouponError):
    """Per-issue SKUs that are unknown or outside the template's scope."""


class CouponNotUsable(CouponError):
    """This coupon cannot pay for this order."""


class CouponNotOwned(CouponNotUsable):
    """The coupon belongs to someone else."""

    status = 403


class CouponNotYetValid(CouponNotUsable):
    """The order is placed before the coupon's window opens."""


class CouponExpired(CouponNotUsable):
    """The order is placed after the coupon's window closed."""

    status = 409


class CouponAlreadyUsed(CouponNotUsable):
    """The coupon was redeemed or voided."""

    status = 409


class CouponNotApplicable(CouponNotUsable):
    """No line of the order is in the coupon's scope."""


class ThresholdNotMet(CouponNotUsable):
    """The eligible lines come to less than the template's threshold."""


class TemplateConflict(TemplateRefused):
    """A template change that clashes with what exists or was issued."""

    status = 409
