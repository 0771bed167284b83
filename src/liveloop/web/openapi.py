"""The OpenAPI document says every answer the API gives: besides each operation's own success
answers, the errors any of them may give (``liveloop.errors``: the JSON error body), so that
generated clients and contract tests know them. Download routes declare their CSV and Excel
answers themselves (``web.downloads.TABLES``)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

ERROR = {
    "type": "object",
    "required": ["error", "reason"],
    "properties": {
        "error": {"type": "string", "description": "a code: bad_request, not_found …"},
        "reason": {"type": "string", "description": "why, in words"},
        "details": {"description": "per field, for a refused body"},
    },
}
# Any operation: a body or a parameter it cannot read, no or a wrong key, a role that may not,
# a thing that is not there, a state that forbids it, too much at once.
ERRORS = {
    "400": "the request cannot be read (malformed JSON, a bad value)",
    "401": "no valid API key or write key",
    "403": "the caller's role may not do this",
    "404": "not found (or outside the caller's row scope)",
    "409": "the current state forbids it",
    "413": "the body is too large",
    "415": "a body in a media type the operation does not take",
    "422": "the body or a parameter breaks the schema",
    "429": "over the rate limit or backed off; see Retry-After",
}
# Operations anyone may call, which answer only their own codes.
OPEN = ("/healthz", "/readyz", "/metrics")


def declare_errors(app: FastAPI) -> None:
    """Make ``app.openapi()`` name the error answers of every operation: FastAPI builds the
    document as always, once, and the errors are added to it then."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()  # FastAPI's own; it keeps it in app.openapi_schema
        document.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
        for path, operations in document.get("paths", {}).items():
            if path not in OPEN:
                for operation in operations.values():
                    _add_errors(operation["responses"])
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _add_errors(responses: dict[str, Any]) -> None:
    for status, description in ERRORS.items():
        if status == "422" and status in responses:  # FastAPI's own: keep it, say ours
            responses[status]["content"] = _json()
        responses.setdefault(status, {"description": description, "content": _json()})


def _json() -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
