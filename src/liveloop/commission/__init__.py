"""Commission (佣金) as a ledger exact to the fen: rates, entries per order line and level,
freezing, settlement, claw-backs, withdrawals, statements and reconciliation."""
