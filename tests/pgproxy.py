"""A loopback TCP proxy for database outages in tests, without stopping the shared server.

Worker processes connect to PostgreSQL through the proxy (`Proxy.url(database_url)`); the
test calls `proxy.outage(seconds)` (or `down()` ... `up()`): every open connection is cut
(both sides reset) and, for the length of the outage, each new connection is accepted and
reset at once, which the client sees as a server that went away ("server closed the
connection unexpectedly" / "connection reset"). After it, connections pass through again.
Other users of the server see nothing: only the proxied connections are cut.

The proxy runs an asyncio loop in a daemon thread of the test process.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
import time
from collections.abc import Iterator

from sqlalchemy.engine import make_url

_LINGER_RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends a reset


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close a connection with a TCP reset (no orderly goodbye, like a vanished server)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
    writer.transport.abort()


class Proxy:
    """Forward 127.0.0.1:<port> to `target` until told to play dead."""

    def __init__(self, target: tuple[str, int] = ("127.0.0.1", 5432)) -> None:
        self.target = target
        self.port = 0
        self.accepted = 0  # connections passed through
        self.refused = 0  # connections reset during an outage
        self.cut = 0  # open connections cut when an outage began
        self._down = False
        self._open: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="pgproxy", daemon=True)

    # ---------------------------------------------------------------- control (any thread)

    def start(self) -> Proxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=30)
        return self

    def url(self, database_url: str) -> str:
        """`database_url` pointed at the proxy (same user, password and database)."""
        return (
            make_url(database_url)
            .set(host="127.0.0.1", port=self.port)
            .render_as_string(hide_password=False)
        )

    def down(self) -> int:
        """Begin an outage: cut every open connection, reset new ones. Returns how many cut."""
        return asyncio.run_coroutine_threadsafe(self._go_down(), self._loop).result(timeout=30)

    def up(self) -> None:
        """End the outage: connections pass through again."""
        self._down = False

    def outage(self, seconds: float) -> int:
        """A database outage of `seconds` (blocking). Returns how many connections were cut."""
        cut = self.down()
        time.sleep(seconds)
        self.up()
        return cut

    @property
    def is_down(self) -> bool:
        return self._down

    def close(self) -> None:
        if not self._thread.is_alive():
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)

    def __enter__(self) -> Proxy:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- the loop's side

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0, backlog=256)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _go_down(self) -> int:
        self._down = True
        cut = len(self._open)
        for writer in list(self._open):
            _reset(writer)
        self._open.clear()
        self.cut += cut
        return cut

    async def _shutdown(self) -> None:
        await self._go_down()
        if self._server is not None:
            self._server.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._down:
            self.refused += 1
            _reset(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            _reset(writer)
            return
        if self._down:  # the outage began while we connected
            self.refused += 1
            _reset(writer)
            _reset(up_writer)
            return
        self.accepted += 1
        pair = {writer, up_writer}
        self._open |= pair
        try:
            await asyncio.gather(
                self._pump(reader, up_writer), self._pump(up_reader, writer), return_exceptions=True
            )
        finally:
            self._open -= pair
            for side in pair:
                side.transport.abort()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            # One side ended: end the other too (the client sees the server leave, and back).
            writer.transport.abort()


@contextlib.contextmanager
def proxied(database_url: str) -> Iterator[Proxy]:
    """A started proxy in front of the server of `database_url`."""
    url = make_url(database_url)
    proxy = Proxy((url.host or "127.0.0.1", int(url.port or 5432)))
    with proxy:
        yield proxy
