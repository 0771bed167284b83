"""Community group-buying (社区团购): leaders (团长) and their pickup points, customers bound to
a leader, pickup codes and T+1 delivery batches per pickup point (docs/community.md)."""
