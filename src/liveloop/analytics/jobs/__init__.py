"""Analytics jobs: each reads the snapshot on an engine and names its results (see ``base``)."""
