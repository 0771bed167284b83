"""Ingest's background work: the ``order-ledger`` consumer (it follows the ``profiles``
consumer), which turns an order-ledger source's ``Order Completed`` / ``Order Refunded`` into
orders and refunds (``ingest.ledger``)."""

from __future__ import annotations

from liveloop.ingest import ledger
from liveloop.runtime import Runtime


def register(runtime: Runtime) -> None:
    ledger.subscribe(runtime.consumers)
