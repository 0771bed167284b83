"""Ingest: the Segment-compatible tracking API, the live-platform webhook, file imports."""
