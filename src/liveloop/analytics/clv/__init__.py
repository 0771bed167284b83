"""Customer-lifetime models fitted by maximum likelihood on per-customer summaries:
BG/NBD (purchases and dropout) and Gamma-Gamma (spend per purchase)."""
