"""Why an ingest request is refused. Each error knows its HTTP status, its code and any header
the client needs (``Retry-After``, ``WWW-Authenticate``); the body is the usual
``{"error": code, "reason": …}``.

    IngestError (DomainError, 400)
    ├── InvalidJson          400 the body is not JSON (or not an object)
    ├── InvalidEvent         400 a message breaks the spec; the reason names batch[i] and the field
    ├── TooLarge             400 over 32 KB per event or 500 KB per request (Segment answers 400)
    ├── UnsupportedEncoding  400 a Content-Encoding other than gzip/identity
    ├── BadWriteKey          401 missing, unknown or disabled write key
    ├── BadSignature         401 webhook signature or timestamp wrong or stale
    ├── NotAllowed           403 the source may not use this endpoint
    ├── RateLimited          429 the source is over its events-per-second rate (Retry-After)
    └── Busy                 503 the writer's queue is full (Retry-After)
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from liveloop.errors import DomainError, error_body


class IngestError(DomainError):
    """An ingest request refused as sent."""

    status = 400
    code = "bad_request"

    def __init__(self, reason: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.headers = headers


class InvalidJson(IngestError):
    """The body is not valid JSON, or not the JSON object the endpoint takes."""

    code = "invalid_json"


class InvalidEvent(IngestError):
    """A message breaks the tracking spec (missing ids, wrong types, bad timestamp …)."""

    code = "invalid_request"


class TooLarge(IngestError):
    """An event over 32 KB, or a request over its limit (before or after decompression)."""

    code = "payload_too_large"


class UnsupportedEncoding(IngestError):
    """A Content-Encoding we do not decode."""

    code = "unsupported_encoding"


class BadWriteKey(IngestError):
    """No write key, or one that is unknown or disabled."""

    status = 401
    code = "unauthorized"

    def __init__(self, reason: str) -> None:
        super().__init__(reason, headers={"WWW-Authenticate": 'Basic realm="liveloop"'})


class BadSignature(IngestError):
    """A webhook whose signature does not match, or whose timestamp is missing or stale."""

    status = 401
    code = "bad_signature"


class NotAllowed(IngestError):
    """The source may not use this endpoint (e.g. the live webhook from a non-live source)."""

    status = 403
    code = "forbidden"


class RateLimited(IngestError):
    """The source sent more events per second than its configured rate."""

    status = 429
    code = "rate_limited"


class Busy(IngestError):
    """The event writer has more waiting than it will queue; retry shortly."""

    status = 503
    code = "busy"


def install(app: FastAPI) -> None:
    @app.exception_handler(IngestError)
    async def refused(request: Request, exc: IngestError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.status, str(exc), code=exc.code),
            status_code=exc.status,
            headers=exc.headers,
        )
