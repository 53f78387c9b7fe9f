"""OpenTelemetry tracing (the `otel` extra): spans of requests and jobs, with Sada's request id,
exported over OTLP/HTTP to a collector; here a loopback receiver that decodes the protobuf."""

from __future__ import annotations

import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

pytest.importorskip(
    "opentelemetry.exporter.otlp.proto.http", reason="the otel extra is not installed"
)
pytest.importorskip("opentelemetry.instrumentation.asgi", reason="the otel extra is not installed")

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (  # noqa: E402
    ExportTraceServiceRequest,
)

from sada.core import tracing  # noqa: E402


class Collector:
    """An OTLP/HTTP trace receiver on 127.0.0.1: counts the spans it is sent."""

    def __init__(self) -> None:
        self.spans: list[dict[str, Any]] = []
        self.paths: list[str] = []
        spans, paths = self.spans, self.paths

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                paths.append(self.path)
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                for resource in request.resource_spans:
                    service = {
                        a.key: a.value.string_value for a in resource.resource.attributes
                    }.get("service.name")
                    for scope in resource.scope_spans:
                        for span in scope.spans:
                            attributes = {}
                            for a in span.attributes:
                                value = a.value
                                attributes[a.key] = (
                                    value.string_value
                                    if value.HasField("string_value")
                                    else value.int_value
                                )
                            spans.append(
                                {
                                    "name": span.name,
                                    "service": service,
                                    "attributes": attributes,
                                    "trace_id": span.trace_id.hex(),
                                }
                            )
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Collector:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_requests_and_jobs_are_traced_with_the_request_id(db, workspace, settings, api_headers):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from sada.app import create_app
    from sada.jobs.service import claim_next, run_job

    rid = f"trace-{uuid.uuid4().hex[:8]}"
    with Collector() as collector:
        traced = settings.model_copy(
            update={"otel_endpoint": collector.url, "otel_service_name": "sada-test"}
        )
        app = create_app(traced, db=db, migrate=False, run_jobs=False)
        try:
            with TestClient(app) as client:
                item = {
                    "source": "shop",
                    "external_id": uuid.uuid4().hex,
                    "occurred_at": "2026-05-01T10:00:00Z",
                    "channel": "email",
                    "type": "message",
                    "direction": "inbound",
                    "text": "the parcel came late",
                    "person": {"email": f"{uuid.uuid4().hex[:8]}@example.com"},
                }
                response = client.post(
                    "/api/v1/interactions:batch",
                    json={"items": [item]},
                    headers={**api_headers, "X-Request-ID": rid},
                )
                assert response.status_code == 202, response.text
                assert response.headers["x-request-id"] == rid
            # The applier job the request enqueued runs with the request's id.
            ran = []
            while (job := claim_next(db)) is not None:
                if job.request_id == rid:
                    ran.append(job.kind)
                run_job(db, job)
            assert "interactions.apply" in ran
            assert tracing.flush()
        finally:
            tracing.disable()
    assert collector.paths and set(collector.paths) == {"/v1/traces"}
    ours = [s for s in collector.spans if s["attributes"].get("sada.request_id") == rid]
    names = {s["name"] for s in ours}
    assert any(n.startswith("POST") for n in names), collector.spans  # the request's span
    assert "job interactions.apply" in names, names
    job = next(s for s in ours if s["name"] == "job interactions.apply")
    assert job["attributes"]["sada.job.kind"] == "interactions.apply"
    assert {s["service"] for s in ours} == {"sada-test"}


def test_tracing_is_off_without_an_endpoint(settings, db):  # type: ignore[no-untyped-def]
    from sada.app import create_app

    create_app(settings, db=db, migrate=False, run_jobs=False)
    assert not tracing.enabled()
    with tracing.job_span("x", 1, "r"):  # a no-op
        pass
