"""HTTP helpers shared by routers: bounded JSON bodies and error rendering."""

from __future__ import annotations

import json
import math
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse, Response

from sada.core.errors import Busy, Invalid, RateLimited, SadaError, TooLarge


async def read_json_body(request: Request, max_bytes: int) -> Any:
    """Read at most `max_bytes`; refuse larger bodies with 413 before parsing."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"request body is {int(declared):,} bytes; the limit is {max_bytes:,} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise TooLarge(f"request body exceeds the limit of {max_bytes:,} bytes")
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
    except json.JSONDecodeError as exc:
        raise Invalid(
            f"request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None


def error_response(exc: SadaError) -> JSONResponse:
    body: dict[str, Any] = {"error": {"code": exc.code, "message": exc.message}}
    if exc.details is not None:
        body["error"]["details"] = exc.details
    headers = {}
    if isinstance(exc, RateLimited | Busy):
        headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def fast_json(data: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer serialized by orjson (the ingest hot path: no JSONResponse re-encoding)."""
    return Response(
        orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )


def wants_wait(request: Request) -> bool:
    """`?wait=true` or `Prefer: wait`: answer once applied, with ids (the synchronous path)."""
    if request.query_params.get("wait", "").lower() in ("true", "1", "yes"):
        return True
    prefer = request.headers.get("prefer", "").lower()
    return any(part.strip().split("=")[0] == "wait" for part in prefer.split(","))
