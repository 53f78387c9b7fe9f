"""Real servers on loopback for tests: an HTTP webhook receiver and an SMTP server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    delay: float = 0.0


class Receiver:
    """An HTTP server that records requests and answers from a script (then 200)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.requests: list[Received] = []
        self.script: list[Reply] = []
        self.route: Callable[[str], Reply | None] | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                receiver.requests.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                reply = (receiver.route(self.path) if receiver.route else None) or (
                    receiver.script.pop(0) if receiver.script else Reply()
                )
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.send_header("content-length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                return

        family = socket.AF_INET6 if ":" in host else socket.AF_INET

        class Server(ThreadingHTTPServer):
            address_family = family
            daemon_threads = True

        self.server = Server((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, host: str = "127.0.0.1", path: str = "/hook") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SMTPSink:
    """aiosmtpd on 127.0.0.1 that keeps every message."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[EmailMessage] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                sink.messages.append(
                    message_from_bytes(envelope.original_content, policy=policy.default)  # type: ignore[arg-type]
                )
                return "250 OK"

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)
        self.controller.start()
        self.port = port

    def wait(self, n: int, timeout: float = 5.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    def close(self) -> None:
        self.controller.stop()


def drain_jobs(
    db: Any, workspace_id: int, *, kinds: list[str] | None = None, now: Any = None, limit: int = 500
) -> list[str]:
    """Run this workspace's due jobs (not other tests' ones); return the kinds run, in order."""
    from datetime import timedelta

    from sqlalchemy import select, update

    from sada.db.types import utcnow
    from sada.jobs.models import Job
    from sada.jobs.service import run_job

    ran: list[str] = []
    for _ in range(limit):
        when = now or utcnow()
        with db.transaction() as session:
            query = (
                select(Job)
                .where(
                    Job.workspace_id == workspace_id,
                    Job.status == "queued",
                    Job.run_at <= when,
                )
                .order_by(Job.run_at, Job.id)
                .limit(1)
            )
            if kinds:
                query = query.where(Job.kind.in_(kinds))
            job = session.execute(query).scalar_one_or_none()
            if job is None:
                return ran
            session.execute(
                update(Job)
                .where(Job.id == job.id)
                .values(
                    status="running",
                    attempts=Job.attempts + 1,
                    locked_until=utcnow() + timedelta(minutes=5),
                )
            )
            session.flush()
            session.refresh(job)
            session.expunge(job)
        run_job(db, job)
        ran.append(job.kind)
    return ran
