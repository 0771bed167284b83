"""liveloop (回头客引擎): turns one-off live-stream buyers into repeat customers."""

__version__ = "0.1.0"
