"""HTTP helpers shared by routers: bounded JSON bodies and error rendering."""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import AsyncIterable
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse

from sada.core.errors import Invalid, RateLimited, SadaError, TooLarge, UnsupportedMedia

# Inflating is done in steps of at most this many bytes, so a small compressed body
# (a "gzip bomb") never costs more than the decompressed limit plus one step.
_INFLATE_STEP = 64 * 1024


async def read_limited(
    chunks: AsyncIterable[bytes],
    *,
    encoding: str = "",
    max_bytes: int,
    max_compressed: int | None = None,
    declared_length: str | None = None,
) -> bytes:
    """Read a body of at most `max_bytes` (after decompression), refusing larger ones with 413.

    `encoding` is the Content-Encoding: identity or gzip (deflate too). A compressed body is
    read at most `max_compressed` bytes (default `max_bytes`) and inflated incrementally with
    a hard cap, so memory stays bounded whatever the body claims to inflate to.
    """
    encoding = encoding.strip().lower()
    if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
        raise UnsupportedMedia(
            f"Content-Encoding {encoding[:40]!r} is not supported; send identity or gzip"
        )
    compressed = encoding not in ("", "identity")
    wire_limit = (max_compressed or max_bytes) if compressed else max_bytes
    if declared_length and declared_length.isdigit() and int(declared_length) > wire_limit:
        raise TooLarge(
            f"request body is {int(declared_length):,} bytes; the limit is {wire_limit:,} bytes"
        )
    body = bytearray()
    received = 0
    inflater = (
        zlib.decompressobj(wbits=zlib.MAX_WBITS | (32 if encoding != "deflate" else 0))
        if compressed
        else None
    )

    def take(data: bytes) -> None:
        body.extend(data)
        if len(body) > max_bytes:
            raise TooLarge(
                f"request body exceeds the limit of {max_bytes:,} bytes"
                + (" once decompressed" if compressed else "")
            )

    async for chunk in chunks:
        received += len(chunk)
        if received > wire_limit:
            raise TooLarge(f"request body exceeds the limit of {wire_limit:,} bytes")
        if inflater is None:
            take(chunk)
            continue
        data = chunk
        while data:
            try:
                out = inflater.decompress(data, _INFLATE_STEP)
            except zlib.error:
                raise Invalid(f"body is not valid {encoding}") from None
            take(out)
            data = inflater.unconsumed_tail
            if inflater.eof:
                break
    if inflater is not None:
        if not inflater.eof:
            raise Invalid(f"body is not valid {encoding}: it ends early")
        take(inflater.flush(_INFLATE_STEP))
    return bytes(body)


async def read_body(
    request: Request, max_bytes: int, *, max_compressed: int | None = None
) -> bytes:
    """The request body, bounded (and gzip-decoded, bounded) as in `read_limited`."""
    return await read_limited(
        request.stream(),
        encoding=request.headers.get("content-encoding", ""),
        max_bytes=max_bytes,
        max_compressed=max_compressed,
        declared_length=request.headers.get("content-length"),
    )


async def read_json_body(request: Request, max_bytes: int) -> Any:
    """Read at most `max_bytes`; refuse larger bodies with 413 before parsing."""
    body = await read_body(request, max_bytes)
    if not body:
        raise Invalid("request body is empty; expected JSON")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    # orjson refuses lone surrogates; the standard parser accepts them so the
    # item that carries one can be rejected alone, with its path.
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise Invalid(f"request body is not valid UTF-8 (byte {exc.start})") from None
    except RecursionError:
        raise Invalid("request body is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise Invalid(
            f"request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None


def error_response(exc: SadaError) -> JSONResponse:
    body: dict[str, Any] = {"error": {"code": exc.code, "message": exc.message}}
    if exc.details is not None:
        body["error"]["details"] = exc.details
    headers = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None
