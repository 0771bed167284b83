"""Loyalty: members' tiers by growth value, and points as a double-entry ledger."""
