"""Two API nodes share one rate limit and one sign-in lockout through Redis (127.0.0.1:6379)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from sada.db.engine import open_database
from sada.db.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
REDIS = "redis://127.0.0.1:6379/0"
PASSWORD = "correct horse battery"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_two_nodes_share_the_rate_limit_and_the_login_lockout(tmp_path: Path) -> None:
    from sada.tenants.service import (
        do_add_member,
        do_create_api_key,
        do_create_user,
        do_create_workspace,
    )

    url = f"sqlite:///{tmp_path / 'nodes.db'}"
    db = open_database(url)
    upgrade(db)
    with db.transaction() as session:
        ws = do_create_workspace(session, "nodes")
    with db.transaction(ws.id) as session:
        _row, key = do_create_api_key(session, name="n", scopes=["read"])
        do_add_member(session, do_create_user(session, "lock@example.com", PASSWORD), "owner")
    db.dispose()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SADA_")},
        "SADA_DATABASE_URL": url,
        "SADA_ENVIRONMENT": "test",
        "SADA_REDIS_URL": REDIS,
        "SADA_REDIS_PREFIX": f"sada-test-{uuid.uuid4().hex[:8]}",
        "SADA_API_RATE_PER_SECOND": "0.2",
        "SADA_API_RATE_BURST": "10",
        "SADA_LOGIN_ATTEMPTS_PER_MINUTE": "4",
        "SADA_RUN_JOBS_IN_PROCESS": "false",
        "SADA_LOG_LEVEL": "WARNING",
    }
    ports = [_port(), _port()]
    nodes = [
        subprocess.Popen(
            [sys.executable, "-m", "sada.cli.main", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / f"node{n}.log").open("w"),
        )
        for n, port in enumerate(ports)
    ]
    try:
        clients = [httpx.Client(base_url=f"http://127.0.0.1:{p}", timeout=10) for p in ports]
        deadline = time.monotonic() + 90
        for client in clients:
            while True:
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, (tmp_path / "node0.log").read_text()[-2000:]
                time.sleep(0.3)
        assert clients[0].get("/readyz").json()["checks"]["redis"] == "ok"

        headers = {"Authorization": f"Bearer {key}"}
        codes = [
            clients[n % 2].get("/api/v1/people", headers=headers).status_code for n in range(30)
        ]
        accepted = sum(code == 200 for code in codes)
        # One budget of 10 for both nodes (each alone would accept 10, 20 together).
        assert 10 <= accepted <= 11, codes
        assert {codes[n] for n in range(20, 30, 2)} == {429}
        assert {codes[n] for n in range(21, 30, 2)} == {429}

        def attempt(client: httpx.Client) -> int:
            page = client.get("/login")
            csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            return client.post(
                "/login",
                data={"email": "lock@example.com", "password": "wrong", "csrf": csrf},
            ).status_code

        login_codes = [attempt(clients[n % 2]) for n in range(8)]
        # Three failures spread over both nodes start the shared backoff (each node alone has
        # seen fewer than LoginBackoff.FREE), and the shared 4-a-minute limit holds after it.
        assert login_codes[:3] == [401] * 3, login_codes
        assert set(login_codes[3:]) == {429}, login_codes  # slowed down on both nodes
    finally:
        for node in nodes:
            node.terminate()
        for node in nodes:
            node.wait(timeout=30)


def test_login_backoff_counts_failures_of_every_node_together() -> None:
    """Two app instances, one Redis: failures on one slow the next try on the other."""
    from sada.core.errors import RateLimited
    from sada.core.ratelimit import use_shared_storage
    from sada.web.core import LoginBackoff

    use_shared_storage(REDIS, prefix=f"sada-test-{uuid.uuid4().hex[:8]}")
    try:
        nodes = [LoginBackoff(), LoginBackoff()]  # each app's WebState holds its own
        email = f"{uuid.uuid4().hex[:8]}@example.com"
        for n in range(4):  # alternating nodes: neither alone reaches the free three
            nodes[n % 2].failed("10.0.0.1", email)
        for node in nodes:
            with pytest.raises(RateLimited) as caught:
                node.check("10.0.0.1", email)
            assert 0 < caught.value.retry_after <= 3
        nodes[0].check("10.0.0.2", email)  # another address: the account alone is not slowed yet
        for n in range(20):
            nodes[n % 2].failed(f"10.1.0.{n}", email)  # a distributed guesser
        with pytest.raises(RateLimited) as caught:
            nodes[1].check("10.0.0.2", email)
        assert caught.value.retry_after <= LoginBackoff.ACCOUNT_CAP + 1
        nodes[1].succeeded("10.0.0.1", email)  # the owner signs in on the other node
        nodes[0].check("10.0.0.1", email)
    finally:
        use_shared_storage(None)
