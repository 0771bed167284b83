"""Every error leaves the API as JSON with a reason; nothing a client sent becomes a 500.

    {"error": "invalid_request", "reason": "…", "details": [...]}

- malformed JSON body          -> 400 invalid_json
- well-formed but invalid body -> 422 invalid_request (details name each field)
- HTTPException (ours)         -> its status, its detail as the reason
- DomainError subclasses       -> their ``status`` (400 by default, 404, 409 …)
- a value the database refuses -> 400 (input validation should have caught it first)
- anything else                -> 500 internal_error, logged with a trace id, no internals shown
"""

from __future__ import annotations

import logging
import re
import traceback
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

# For free-text inputs: no NUL or other control characters (PostgreSQL refuses NUL in text).
NO_CONTROL_CHARS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


def chinese_part(reason: object) -> str:
    """The Chinese half of a domain reason (``"团长已停用 (the leader is disabled)"`` →
    ``"团长已停用"``): what the console shows, which shows no English."""
    return str(reason).split(" (", 1)[0]


# Personal data that must not reach a log line: mainland mobile numbers (with or without +86,
# spaced or dashed), other E.164 numbers, e-mail addresses.
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?\d{4}[\s-]?(\d{4})(?!\d)")
_E164 = re.compile(r"\+\d{8,15}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def redact(text: str) -> str:
    """``text`` with phone numbers and e-mail addresses masked, for a log line."""
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    text = _E164.sub(lambda m: m.group(0)[:4] + "****", text)
    return _EMAIL.sub("***@***", text)


def redact_logs() -> None:
    """Redact every log record this process makes, whoever logs it — our modules, the web
    server's access log (``/v1/profiles?type=phone&value=…``), a traceback's messages — when it
    is made, before any handler formats it. Idempotent; ``bootstrap.open_runtime`` calls it."""
    make = logging.getLogRecordFactory()
    if getattr(make, "redacts", False):
        return

    def redacting(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if record.exc_info and record.exc_info[1] is not None:
            # Formatters print exc_text when it is set: the traceback, redacted.
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
        return record

    redacting.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting)


class DomainError(ValueError):
    """A request the domain refuses as given; ``status`` is the HTTP status it maps to."""

    status = 400


_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "rate_limited",
}


def error_body(status: int, reason: str, details: Any = None, code: str | None = None) -> dict:
    body: dict[str, Any] = {"error": code or _CODES.get(status, "error"), "reason": reason}
    if details:
        body["details"] = details
    return body


def install(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            error_body(exc.status_code, str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            msg = next(e for e in errors if e.get("type") == "json_invalid").get("ctx", {})
            reason = f"body is not valid JSON: {msg.get('error', 'parse error')}"
            return JSONResponse(error_body(400, reason, code="invalid_json"), status_code=400)
        details = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "problem": e["msg"],
            }
            for e in errors
        ]
        reason = "; ".join(f"{d['field'] or 'body'}: {d['problem']}" for d in details)
        return JSONResponse(
            error_body(422, reason, details, code="invalid_request"), status_code=422
        )

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        details = getattr(exc, "details", None)  # a domain error may list each problem
        return JSONResponse(error_body(exc.status, str(exc), details), status_code=exc.status)

    @app.exception_handler(DataError)
    async def refused_value(request: Request, exc: DataError) -> JSONResponse:
        log.warning("store refused a value on %s %s", request.method, request.url.path)
        reason = "a value is out of range or not storable (e.g. a control character)"
        return JSONResponse(error_body(400, reason, code="invalid_value"), status_code=400)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        trace = uuid.uuid4().hex[:12]
        log.exception("unhandled error %s on %s %s", trace, request.method, request.url.path)
        return JSONResponse(
            error_body(500, f"internal error; quote trace id {trace}", code="internal_error"),
            status_code=500,
        )
