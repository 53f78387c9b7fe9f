"""The worker's health signal: a small HTTP endpoint for probes and Prometheus.

`GET /healthz`: 200 while the runner thread is alive and has looped recently (a job that
runs long still counts: the loop beats before each claim and the lease renewer keeps
going), 503 otherwise. `GET /readyz`: 200 when the database answers. `GET /metrics`: the
worker process's job metrics and the queue gauges.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from sada.db.engine import Database


class Beating(Protocol):
    """What the endpoint reads: the in-process runner, or the procrastinate worker's state."""

    @property
    def db(self) -> Database: ...
    @property
    def alive(self) -> bool: ...
    @property
    def last_beat(self) -> float: ...
    @property
    def current(self) -> object | None: ...
    @property
    def jobs_done(self) -> int: ...
    @property
    def poll_interval(self) -> float: ...


def serve_health(runner: Beating, host: str, port: int) -> ThreadingHTTPServer:
    """Start the endpoint in a daemon thread; returns the server (`.shutdown()` stops it)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            if self.path == "/metrics":
                self._send(200, generate_latest(), CONTENT_TYPE_LATEST)
                return
            if self.path == "/healthz":
                idle = time.monotonic() - runner.last_beat
                busy = runner.current is not None
                ok = runner.alive and (busy or idle < max(60.0, runner.poll_interval * 10))
                body = {"status": "ok" if ok else "stuck", "jobs_done": runner.jobs_done}
                self._send(200 if ok else 503, json.dumps(body).encode(), "application/json")
                return
            if self.path == "/readyz":
                try:
                    with runner.db.engine.connect() as connection:
                        connection.execute(text("SELECT 1"))
                    self._send(200, b'{"status": "ready"}', "application/json")
                except Exception:  # noqa: BLE001 - not ready, whatever the reason
                    self._send(503, b'{"status": "database unreachable"}', "application/json")
                return
            self._send(404, b"{}", "application/json")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return None  # probes every few seconds would drown the logs

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="sada-worker-health", daemon=True).start()
    return server
