"""Request bodies under a size limit: read at most the limit off the wire, and decompress gzip
at most to the limit, so neither a huge upload nor a gzip bomb costs more than the limit."""

from __future__ import annotations

import zlib

from starlette.requests import Request

from liveloop.ingest.errors import IngestError, TooLarge, UnsupportedEncoding

# A gzip stream of incompressible data is a few bytes longer than the data.
GZIP_SLACK = 1024


def kb(limit: int) -> str:
    return f"{limit // 1024} KB"


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, decoded (``Content-Encoding: gzip`` or none), at most ``limit`` bytes."""
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding not in ("", "identity", "gzip"):
        raise UnsupportedEncoding(
            f"Content-Encoding {encoding!r} is not supported; send gzip or no encoding"
        )
    gzipped = encoding == "gzip"
    wire_limit = limit + GZIP_SLACK if gzipped else limit
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > wire_limit:
        raise TooLarge(f"request body is {int(declared):,} bytes; the limit is {kb(limit)}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > wire_limit:
            raise TooLarge(f"request body is over the limit of {kb(limit)}")
        chunks.append(chunk)
    raw = b"".join(chunks)
    return gunzip(raw, limit) if gzipped else raw


def gunzip(data: bytes, limit: int) -> bytes:
    """Decompress one or more gzip members, refusing output beyond ``limit`` bytes."""
    out = bytearray()
    rest = data
    while rest:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            out += inflater.decompress(rest, limit + 1 - len(out))
        except zlib.error as exc:
            raise IngestError(f"body is not valid gzip: {exc}") from None
        if len(out) > limit or inflater.unconsumed_tail:
            raise TooLarge(f"request body is over the limit of {kb(limit)} after decompression")
        if not inflater.eof:
            raise IngestError("body is not valid gzip: the stream is truncated")
        rest = inflater.unused_data
    return bytes(out)
