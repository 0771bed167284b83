"""Inventory: warehouses, stock per SKU per lot, reservations in the order's transaction, FEFO
picking, stock moves as a ledger, and the pure routing core (docs/inventory.md)."""
