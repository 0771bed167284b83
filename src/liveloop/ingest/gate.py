"""The gate in front of ingestion: who is sending (write key → source) and whether they are
within their rate.

- Write keys come as the HTTP Basic username (password empty or ignored), as Segment's SDKs
  send them, or as ``writeKey`` in the body. Resolved sources are cached per process for
  ``cache_seconds`` (5 s), so a busy source costs no store read per request; a disabled key
  therefore stops working within that time. Unknown keys are not cached.
- Rates are events per second per source (``Source.rate_limit_per_s``; none = unlimited), kept
  by a token bucket in this process's memory: it holds one second of events, refills
  continuously, and a request costs one token per event. A request larger than the whole bucket
  passes when the bucket is full and leaves it in debt, so a small rate never blocks a big batch
  forever. With several server processes each keeps its own buckets (the effective rate is the
  sum); a shared limiter (Redis) is the way to a global one.
"""

from __future__ import annotations

import base64
import binascii
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from liveloop.clock import Clock
from liveloop.ingest.errors import BadWriteKey, RateLimited
from liveloop.ingest.sources import SourceInfo, source_for_key, write_key_hash
from liveloop.store.engine import transaction


def basic_auth_user(header: str | None) -> str | None:
    """The username of an ``Authorization: Basic …`` header (None when absent or not Basic)."""
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise BadWriteKey("Authorization: Basic is not valid base64 of 'writeKey:'") from None
    return decoded.partition(":")[0] or None


@dataclass
class _Bucket:
    rate: int
    tokens: float
    at: datetime


class RateLimiter:
    """Token buckets per source, in memory (see the module docstring)."""

    def __init__(self) -> None:
        self._buckets: dict[int, _Bucket] = {}

    def take(self, source: SourceInfo, events: int, now: datetime) -> None:
        """Spend ``events`` tokens of the source's bucket, or raise ``RateLimited``."""
        rate = source.rate_limit_per_s
        if rate is None:
            return
        bucket = self._buckets.get(source.id)
        if bucket is None or bucket.rate != rate:
            bucket = self._buckets[source.id] = _Bucket(rate, float(rate), now)
        elapsed = max((now - bucket.at).total_seconds(), 0.0)
        bucket.tokens = min(float(rate), bucket.tokens + elapsed * rate)
        bucket.at = now
        if bucket.tokens >= events or bucket.tokens >= rate:
            bucket.tokens -= events
            return
        needed = min(events, rate) - bucket.tokens
        wait = max(1, math.ceil(needed / rate))
        raise RateLimited(
            f"source {source.name!r} is over its rate of {rate:,} events per second; "
            f"retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )


class SourceGate:
    """Resolves write keys to sources (cached) and applies their rates."""

    def __init__(
        self, read_sessions: sessionmaker[Session], clock: Clock, cache_seconds: float = 5.0
    ) -> None:
        self.read_sessions = read_sessions
        self.clock = clock
        self.ttl = timedelta(seconds=cache_seconds)
        self.limiter = RateLimiter()
        self._cache: dict[str, tuple[SourceInfo, datetime]] = {}

    def source(self, key: str | None) -> SourceInfo:
        """The active source holding ``key``, or ``BadWriteKey`` (401)."""
        if not key:
            raise BadWriteKey(
                "missing write key; send it as the Basic auth username or as writeKey"
            )
        if not isinstance(key, str):
            raise BadWriteKey("writeKey must be a string")
        now = self.clock.now()
        digest = write_key_hash(key)
        cached = self._cache.get(digest)
        if cached is not None and cached[1] > now:
            return cached[0]
        with transaction(self.read_sessions) as session:
            found = source_for_key(session, key)
        if found is None:
            self._cache.pop(digest, None)
            raise BadWriteKey("write key is unknown or disabled")
        if len(self._cache) > 10_000:  # bounded by the number of sources; a guard only
            self._cache.clear()
        self._cache[digest] = (found, now + self.ttl)
        return found

    def forget(self, source_id: int) -> None:
        """Drop a source from the cache (this process disabled it)."""
        for digest, (info, _) in list(self._cache.items()):
            if info.id == source_id:
                del self._cache[digest]

    def admit(self, source: SourceInfo, events: int) -> None:
        self.limiter.take(source, events, self.clock.now())
