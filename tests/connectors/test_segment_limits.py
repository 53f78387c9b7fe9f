"""Finding 3: gzip bodies are checked (key, then compressed size) before they are inflated,
and inflated incrementally under a hard cap, so a gzip bomb costs bounded memory."""

from __future__ import annotations

import asyncio
import base64
import gzip
import tracemalloc
import uuid
import zlib
from collections.abc import AsyncIterator

import orjson
import pytest

from sada.core.errors import TooLarge
from sada.core.http import read_limited

BOMB_INFLATES_TO = 256 * 1024 * 1024


def _bomb() -> bytes:
    """About 250 KiB of gzip that inflates to 256 MiB, built without holding 256 MiB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(1024 * 1024)
    parts = [packer.compress(b'{"batch": ["')]
    parts += [packer.compress(zeros) for _ in range(BOMB_INFLATES_TO // len(zeros))]
    parts.append(packer.flush())
    return b"".join(parts)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = _bomb()
    assert len(data) < 300 * 1024
    return data


def _peak(fn):  # type: ignore[no-untyped-def]
    """Run fn; return (its result, the peak of Python allocations while it ran, in bytes)."""
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_read_limited_stops_inflating_at_the_cap(bomb: bytes) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(bomb), 16 * 1024):
            yield bomb[i : i + 16 * 1024]

    def run() -> str:
        try:
            asyncio.run(read_limited(chunks(), encoding="gzip", max_bytes=500 * 1024))
        except TooLarge as exc:
            return exc.message
        return "read it all"

    message, peak = _peak(run)
    assert "once decompressed" in message
    assert peak < 8 * 1024 * 1024, f"peak {peak:,} bytes for a 500 KiB cap"
    small = orjson.dumps({"batch": [1, 2, 3]})

    async def one() -> AsyncIterator[bytes]:
        yield gzip.compress(small)

    assert asyncio.run(read_limited(one(), encoding="gzip", max_bytes=1024)) == small


def test_segment_checks_key_then_caps_a_gzip_bomb(db, workspace, make_key, client, bomb):  # type: ignore[no-untyped-def]
    key = make_key(db, workspace.id, "write")
    gz = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    basic = {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}
    wrong = {"Authorization": "Basic " + base64.b64encode(b"sada_nope_nope:").decode()}

    for headers, status in (({}, 413), (wrong, 401), (basic, 413)):
        r, peak = _peak(lambda h=headers: client.post("/v1/batch", content=bomb, headers=gz | h))
        assert r.status_code == status, r.text
        assert peak < 32 * 1024 * 1024, f"peak {peak:,} bytes answering {status}"
    r = client.post("/v1/batch", content=b"x" * (600 * 1024), headers=gz | basic)
    assert r.status_code == 413
    r = client.post("/v1/track", content=b"not gzip", headers=gz | basic)
    assert r.status_code == 422 and "gzip" in r.text
    r = client.post("/v1/track", content=b"{}", headers=basic | {"Content-Encoding": "br"})
    assert r.status_code == 415
    message = {
        "type": "track",
        "event": "Signed Up",
        "userId": "u1",
        "messageId": str(uuid.uuid4()),
    }
    good = gzip.compress(orjson.dumps({"batch": [message]}))
    r = client.post("/v1/batch", content=good, headers=gz | basic)
    assert r.status_code == 200 and r.json()["stored"] == 1, r.text
    body_key = gzip.compress(
        orjson.dumps({"batch": [{**message, "messageId": "m2"}], "writeKey": key})
    )
    r = client.post("/v1/batch", content=body_key, headers=gz)
    assert r.status_code == 200 and r.json()["stored"] == 1, r.text
