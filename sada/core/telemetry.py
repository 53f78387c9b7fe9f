"""Logs, request ids and Prometheus metrics shared by the API and the workers.

- `configure_logging(fmt, level)`: stdlib logging to stderr, one JSON object per line
  (`ts`, `level`, `logger`, `message`, `request_id`, `job_id`, exception text), or plain text
  for a terminal. Called by `sada serve`, `sada worker` and the ASGI entry point, never at
  import (tests keep pytest's logging).
- `request_id`: a context variable set per HTTP request (from a well-formed `X-Request-ID`
  header, or a new one) and per job (the id of the request that enqueued it), so the logs
  of a request and of the jobs it caused share one id.
- Metrics: module-level Prometheus collectors in the default registry; each process serves
  its own at `/metrics` (API) or on the worker's health port.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sada.core import tracing

request_id: ContextVar[str | None] = ContextVar("sada_request_id", default=None)
job_id: ContextVar[int | None] = ContextVar("sada_job_id", default=None)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def new_request_id(offered: str | None = None) -> str:
    """The caller's id when it is well formed (a proxy's or a client's), else a new one."""
    if offered and _REQUEST_ID.match(offered):
        return offered
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """One JSON object per line; `extra={...}` fields are included as they are."""

    _STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
        "message",
        "asctime",
        "taskName",
    }

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid, jid = request_id.get(), job_id.get()
        if rid:
            entry["request_id"] = rid
        if jid is not None:
            entry["job_id"] = jid
        for key, value in vars(record).items():
            if key not in self._STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(fmt: str = "json", level: str = "INFO") -> None:
    """Route every logger (ours, uvicorn's, SQLAlchemy's warnings) to one stderr handler."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Requests are logged once, with their id, by the app's middleware.
    logging.getLogger("uvicorn.access").disabled = True


# ---------------------------------------------------------------- metrics

HTTP_REQUESTS = Counter(
    "sada_http_requests_total",
    "HTTP requests by route template, method and status code.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "sada_http_request_duration_seconds",
    "HTTP request latency by route template.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
JOB_DURATION = Histogram(
    "sada_job_duration_seconds",
    "Time a job ran, by kind and outcome (done, retry, dead, handed_back).",
    ["kind", "outcome"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800),
)
JOB_FAILURES = Counter("sada_job_failures_total", "Failed job attempts by kind.", ["kind"])
WEBHOOK_DELIVERIES = Counter(
    "sada_webhook_deliveries_total",
    "Outbound webhook delivery attempts by outcome (delivered, retry, failed).",
    ["outcome"],
)


_access = logging.getLogger("sada.access")


class RequestTelemetry:
    """Pure ASGI middleware: request id in and out, access log line, request metrics."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = new_request_id(offered)
        token = request_id.set(rid)
        tracing.annotate_request(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope.get("method", "")
            HTTP_REQUESTS.labels(route=route, method=method, status=str(status)).inc()
            HTTP_LATENCY.labels(route=route, method=method).observe(elapsed)
            _access.info(
                "%s %s %s",
                method,
                route,
                status,
                extra={"status": status, "duration_ms": round(elapsed * 1000, 1), "route": route},
            )
            request_id.reset(token)
