"""Presale (定金 + 尾款): a deposit now, the balance in a window, a quota per SKU, reminders,
forfeits and automatic refunds when the brand cancels (docs/groupbuy.md)."""
