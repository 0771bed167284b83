"""The columnar snapshot of the operational store that analytics jobs read (see ``tables``)."""

from liveloop.analytics.snapshot.files import Snapshot, SnapshotError
from liveloop.analytics.snapshot.read import open_snapshot

__all__ = ["Snapshot", "SnapshotError", "open_snapshot"]
