"""Customer-lifetime models fitted by maximum likelihood on per-customer summaries: BG/NBD and
Pareto/NBD (purchases and dropout), Gamma-Gamma (spend per purchase); ``predict`` for per-person
P(alive), expected purchases and CLV; ``holdout`` for predicted-against-actual validation."""
