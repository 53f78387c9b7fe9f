"""OpenTelemetry tracing, an optional extra (`pip install sada-cx[otel]`).

Off unless SADA_OTEL_ENDPOINT is set (e.g. http://collector:4318). Then every HTTP request
gets a server span (OpenTelemetry's ASGI middleware) and every job a span (`job <kind>`),
both carrying Sada's request id (`sada.request_id`; a job carries the id of the request
that enqueued it), exported over OTLP/HTTP (protobuf) to `<endpoint>/v1/traces`.

The provider is Sada's own (not the process-wide global), so a library that also uses
OpenTelemetry keeps its own configuration. Without the extra installed, setting the
endpoint is a configuration error at start, never a silent no-op.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_state: dict[str, Any] = {}  # {"provider": TracerProvider, "tracer": Tracer}
_lock = threading.Lock()


class TracingUnavailable(RuntimeError):
    """SADA_OTEL_ENDPOINT is set but the `otel` extra is not installed."""


def enable(endpoint: str, *, service_name: str = "sada", batch: bool = True) -> Any:
    """Export spans to the OTLP/HTTP collector at `endpoint`; returns the tracer provider."""
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    except ImportError as exc:
        raise TracingUnavailable(
            "SADA_OTEL_ENDPOINT is set but OpenTelemetry is not installed: "
            "pip install 'sada-cx[otel]'"
        ) from exc
    with _lock:
        disable_locked()
        provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        exporter = OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces", timeout=5)
        provider.add_span_processor(
            BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
        )
        _state.update(provider=provider, tracer=provider.get_tracer("sada"))
        return provider


def disable_locked() -> None:
    provider = _state.pop("provider", None)
    _state.pop("tracer", None)
    if provider is not None:
        provider.shutdown()


def disable() -> None:
    """Flush and stop exporting (tests; process exit)."""
    with _lock:
        disable_locked()


def enabled() -> bool:
    return "tracer" in _state


def flush(timeout_ms: int = 5000) -> bool:
    provider = _state.get("provider")
    return True if provider is None else bool(provider.force_flush(timeout_ms))


def wrap_asgi(app: Any) -> Any:
    """The ASGI app wrapped in a server span per request (unchanged when tracing is off)."""
    provider = _state.get("provider")
    if provider is None:
        return app
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    return OpenTelemetryMiddleware(app, tracer_provider=provider)


def annotate_request(request_id: str) -> None:
    """Put Sada's request id on the current request span."""
    if "tracer" not in _state:
        return
    from opentelemetry import trace

    trace.get_current_span().set_attribute("sada.request_id", request_id)


@contextmanager
def job_span(kind: str, job_id: int, request_id: str | None) -> Iterator[None]:
    """A span around one job run (no-op when tracing is off)."""
    tracer = _state.get("tracer")
    if tracer is None:
        yield
        return
    attributes: dict[str, Any] = {"sada.job.kind": kind, "sada.job.id": int(job_id)}
    if request_id:
        attributes["sada.request_id"] = request_id
    with tracer.start_as_current_span(f"job {kind}", attributes=attributes):
        yield
