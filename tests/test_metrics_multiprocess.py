"""`sada serve --workers 2`: /metrics adds up the counters of both server processes."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from sada.db.engine import open_database
from sada.db.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthz_count(text: str) -> float:
    return sum(
        float(value)
        for value in re.findall(
            r'^sada_http_requests_total\{[^}]*route="/healthz"[^}]*\} (\S+)$', text, re.M
        )
    )


def test_metrics_of_all_server_processes_are_added_up(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'metrics.db'}"
    db = open_database(url)
    upgrade(db)
    db.dispose()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"stale")  # a previous run's file: removed
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SADA_")},
        "SADA_DATABASE_URL": url,
        "SADA_ENVIRONMENT": "test",
        "SADA_RUN_JOBS_IN_PROCESS": "false",
        "SADA_LOG_LEVEL": "WARNING",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    port = _port()
    log = tmp_path / "serve.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "sada.cli.main", "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    sent = 0
    try:
        deadline = time.monotonic() + 150
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                    sent += 1
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.3)
        # Both processes up: each writes its own file once it counted a request.
        deadline = time.monotonic() + 120
        while len({p.name for p in metrics_dir.glob("*_*.db")}) < 2:
            for _ in range(10):  # a new connection each time: either process may take it
                assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
                sent += 1
            assert time.monotonic() < deadline, sorted(p.name for p in metrics_dir.iterdir())
        for _ in range(20):
            assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
            sent += 1
        assert not (metrics_dir / "counter_1.db").exists()
        pids = {p.stem.rsplit("_", 1)[1] for p in metrics_dir.glob("*_*.db")}
        assert len(pids) >= 2, pids  # two server processes counted requests
        for _ in range(4):  # whichever process answers the scrape, it reports them all
            scrape = httpx.get(f"{base}/metrics", timeout=10)
            assert scrape.status_code == 200
            assert _healthz_count(scrape.text) == sent, scrape.text[:2000]
        assert "sada_http_request_duration_seconds_bucket" in scrape.text
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
