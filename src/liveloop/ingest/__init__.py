"""Ingest: the Segment-compatible tracking API, the door live's webhook comes in through, file
imports."""
