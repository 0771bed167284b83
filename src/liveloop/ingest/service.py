"""Ingest facade: sources (create, list, disable, find by write key), the order and customer
imports, and the door another domain's webhook comes in through — who sent it (``sender``),
its body under the limit (``read_body``, ``parse_object``), its events written under the
source's rate (``write_events``) and the refusals it may answer with."""

from __future__ import annotations

from liveloop.ingest.body import read_body as read_body
from liveloop.ingest.door import ACCEPTED as ACCEPTED
from liveloop.ingest.door import sender as sender
from liveloop.ingest.door import write_events as write_events
from liveloop.ingest.errors import BadSignature as BadSignature
from liveloop.ingest.errors import InvalidEvent as InvalidEvent
from liveloop.ingest.errors import NotAllowed as NotAllowed
from liveloop.ingest.imports import ImportFileError as ImportFileError
from liveloop.ingest.imports import import_customers as import_customers
from liveloop.ingest.imports import import_orders as import_orders
from liveloop.ingest.ledger import RefusalView as RefusalView
from liveloop.ingest.ledger import ledger_refusals as ledger_refusals
from liveloop.ingest.ledger import refusal_counts as refusal_counts
from liveloop.ingest.messages import MAX_BATCH_BYTES as MAX_BATCH_BYTES
from liveloop.ingest.messages import parse_object as parse_object
from liveloop.ingest.product_imports import ProductImportReport as ProductImportReport
from liveloop.ingest.product_imports import import_products as import_products
from liveloop.ingest.sources import NewSource as NewSource
from liveloop.ingest.sources import SourceError as SourceError
from liveloop.ingest.sources import SourceInfo as SourceInfo
from liveloop.ingest.sources import SourceKind as SourceKind
from liveloop.ingest.sources import UnknownSource as UnknownSource
from liveloop.ingest.sources import create_source as create_source
from liveloop.ingest.sources import disable_source as disable_source
from liveloop.ingest.sources import list_sources as list_sources
from liveloop.ingest.sources import set_order_ledger as set_order_ledger
from liveloop.ingest.sources import source_for_key as source_for_key
