"""Market-basket analysis: which items are bought together (issue 5).

The facade the CLI and the analytics jobs call:

- ``mine(baskets, min_support, min_confidence, max_len=None, max_consequent=1) -> Mining``:
  frequent itemsets of any length (Eclat on packed bit vectors, ``eclat``/``tidsets``) and
  association rules with support, confidence and lift (``mining``);
- ``mine_lines(baskets, items, …)``: the same from two Arrow columns of basket lines (order_no,
  sku), for jobs reading Parquet;
- ``rules_table(rules) -> pyarrow.Table``: rules in the shape jobs write (``table``);
- ``suggest_bundles(rules)``: item sets to sell together, from high-lift rules (``bundles``);
- ``read_baskets(path)`` / ``write_rules_csv(rules, out)``: basket files in, rules CSV out.

Errors: bad thresholds raise ``ValueError``; a basket file that cannot be read raises
``BasketFileError`` (a ``ValueError``).
"""

from liveloop.analytics.baskets.bundles import Bundle, suggest_bundles
from liveloop.analytics.baskets.files import BasketFileError, read_baskets, write_rules_csv
from liveloop.analytics.baskets.mining import Itemset, Mining, Rule, mine, mine_lines
from liveloop.analytics.baskets.table import RULES_SCHEMA, rules_table

__all__ = [
    "RULES_SCHEMA",
    "BasketFileError",
    "Bundle",
    "Itemset",
    "Mining",
    "Rule",
    "mine",
    "mine_lines",
    "read_baskets",
    "rules_table",
    "suggest_bundles",
    "write_rules_csv",
]
