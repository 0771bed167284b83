"""Coupons: templates, issuing, redemption on an order, restoring on refund, expiry, voiding.

Money: a fixed coupon takes ``min(amount, eligible subtotal)`` off; a percent coupon with
``pay_percent`` = 85 (85折) takes ``eligible × 15 %`` off, rounded to the fen (half up) and capped
at ``cap``. Eligible lines are those in the coupon's scope (its per-issue SKUs when it has them,
else the template's scope); the threshold (满X) is met by the eligible lines only.

Invariants and where they are kept (``issuing``, ``redemption``):
- a template never issues more than ``total_limit``: ``issued_count`` is raised by a guarded
  UPDATE in the issuing transaction;
- a person never holds more than ``per_person_limit`` of a template: issuers lock the template
  row first (``FOR UPDATE`` on PostgreSQL; SQLite has one writer at a time), so the count they
  read cannot change before they commit. Coupons count whatever their status, on everyone OneID
  has merged into the person;
- a coupon pays for at most one order: it leaves ``issued`` only through a guarded UPDATE.
"""
