"""Group-buy (拼团): campaigns with tiered prices by group size, groups, paid joins, closes
that refund the difference or everything, retried until the provider has paid (docs/groupbuy.md)."""
