"""Health, readiness, Prometheus metrics, request ids in logs and jobs, worker health."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from sada.app import create_app
from sada.core.telemetry import JsonFormatter, job_id, new_request_id, request_id
from sada.db.engine import open_database
from sada.db.migrate import upgrade
from sada.jobs.health import serve_health
from sada.jobs.models import Job
from sada.jobs.runner import InProcessRunner
from sada.settings import Settings


def _item(n: int) -> dict[str, Any]:
    return {
        "source": "obs-test",
        "external_id": f"obs-{uuid.uuid4().hex[:8]}-{n}",
        "occurred_at": "2026-11-29T10:00:00+00:00",
        "channel": "chat",
        "type": "message",
        "direction": "inbound",
        "text": "the delivery was late",
        "person": {"email": f"obs{n}@example.com"},
    }


def test_probes_metrics_and_request_ids(
    db: Any, workspace: Any, client: Any, api_headers: Any
) -> None:
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["migrations"] == "ok"

    answer = client.post(
        "/api/v1/interactions:batch",
        json={"items": [_item(1), _item(2)]},
        headers={**api_headers, "X-Request-ID": "req-obs-123"},
    )
    assert answer.status_code < 300, answer.text
    assert answer.headers["x-request-id"] == "req-obs-123"
    # The jobs the request enqueued carry its id into their logs.
    with db.reader() as session:
        ids = set(
            session.execute(
                select(Job.request_id).where(Job.workspace_id == workspace.id)
            ).scalars()
        )
    assert ids == {"req-obs-123"}
    # A malformed id is replaced, never echoed.
    odd = client.get("/healthz", headers={"X-Request-ID": "bad id\\n<script>"})
    assert odd.headers["x-request-id"] != "bad id\\n<script>"
    assert len(odd.headers["x-request-id"]) == 32

    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    text = metrics.text
    assert (
        'sada_http_requests_total{method="POST",route="/api/v1/interactions:batch",status="200"}'
        in text
        or 'route="/api/v1/interactions:batch",status="201"' in text
    )
    assert (
        'sada_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/healthz"}'
        in text
    )
    assert 'sada_queue_depth{priority="follow_up"}' in text
    assert 'sada_queue_oldest_seconds{priority="analysis"}' in text


def test_readyz_fails_without_database_or_with_an_old_schema(tmp_path: Path) -> None:
    settings = Settings(environment="test", database_url="sqlite:///unused.db")
    down = open_database("postgresql+psycopg://sada@127.0.0.1:1/nowhere")
    with TestClient(create_app(settings, db=down, migrate=False, run_jobs=False)) as client:
        assert client.get("/healthz").status_code == 200  # the process is up
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["database"] == "unreachable"
    old = open_database(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(old, "0001_foundation")
    with TestClient(create_app(settings, db=old, migrate=False, run_jobs=False)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "pending" in ready.json()["checks"]["migrations"]
    old.dispose()


def test_json_logs_carry_request_and_job_ids() -> None:
    record = logging.LogRecord(
        "sada.test", logging.WARNING, __file__, 1, "hello %s", ("مرحبا",), None
    )
    tokens = request_id.set("req-1"), job_id.set(42)
    try:
        line = JsonFormatter().format(record)
    finally:
        request_id.reset(tokens[0])
        job_id.reset(tokens[1])
    entry = json.loads(line)
    assert entry["message"] == "hello مرحبا" and entry["level"] == "warning"
    assert entry["request_id"] == "req-1" and entry["job_id"] == 42
    assert new_request_id("abc-DEF_1.2") == "abc-DEF_1.2"
    assert new_request_id("x" * 65) != "x" * 65


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - loopback only
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_worker_health_endpoint(sqlite_db: Any) -> None:
    runner = InProcessRunner(sqlite_db, poll_interval=0.05, lease_seconds=30)
    server = serve_health(runner, "127.0.0.1", 0)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert _get(f"{base}/healthz")[0] == 503  # not started yet
        runner.start()
        time.sleep(0.3)
        status, body = _get(f"{base}/healthz")
        assert status == 200 and json.loads(body)["status"] == "ok"
        assert _get(f"{base}/readyz")[0] == 200
        assert "# HELP sada_job_duration_seconds" in _get(f"{base}/metrics")[1]
        runner.stop(grace=5)
        assert _get(f"{base}/healthz")[0] == 503  # the runner is gone
    finally:
        runner.stop(grace=5)
        server.shutdown()
