"""`sada serve`: the web app and API under uvicorn, and how a server process is set up
(the base URL of links, the metrics of several processes) and stopped."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from sada import __version__
from sada.cli.common import _db, _fail, _settings, console

SHUTDOWN_GRACE_SECONDS = 3


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="Server processes (jobs then need `sada worker`)."),
) -> None:
    """Serve the web app and API (an outdated schema: upgraded or refused, see SADA_AUTO_UPGRADE)."""
    import uvicorn

    from sada.core.telemetry import configure_logging
    from sada.db.migrate import SchemaOutOfDate, check_schema

    base_url = use_base_url(host, port)
    settings = _settings()
    db = _db()
    try:
        check_schema(db, auto_upgrade=settings.upgrades_on_start)
    except SchemaOutOfDate as exc:
        _fail(str(exc))
    finally:
        db.dispose()
    configure_logging(settings.log_format, settings.log_level)
    if workers > 1:
        use_metrics_dir()
    console.print(f"Sada {__version__} on {base_url}  (API docs: /api/docs)")
    # Ctrl+C: requests still running get a few seconds, then the server stops anyway.
    uvicorn.run(
        "sada.asgi:app",
        host=host,
        port=port,
        workers=workers,
        factory=False,
        log_config=None,  # sada.asgi configures logging (JSON lines by default)
        access_log=False,  # the app logs each request once, with its request id
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )
    abandon_running_queries()


def use_metrics_dir() -> Path:
    """Several server processes: their metrics go to files that `/metrics` adds up.

    prometheus_client's multiprocess mode reads PROMETHEUS_MULTIPROC_DIR when the server
    processes import it; set here, before uvicorn starts them. An operator's own directory is
    used (emptied first: counts of a previous run would be added); else a new temp folder.
    """
    import tempfile

    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    folder = Path(configured) if configured else Path(tempfile.mkdtemp(prefix="sada-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return folder


def use_base_url(host: str, port: int) -> str:
    """The address links in pages and emails use (survey links, invitations, resets).

    SADA_BASE_URL wins when it is set (behind a proxy, a public name); otherwise the address
    this server listens on, so `--port 9000` gives links on port 9000, not 8000. Set in the
    environment before the app reads its settings.
    """
    configured = os.environ.get("SADA_BASE_URL", "").strip()
    if configured:
        return configured.rstrip("/")
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - a name to show
    if ":" in shown:
        shown = f"[{shown}]"
    base_url = f"http://{shown}:{port}"
    os.environ["SADA_BASE_URL"] = base_url
    from sada.settings import get_settings

    get_settings.cache_clear()
    return base_url


def abandon_running_queries() -> None:
    """After the server stopped, a database query still running in a worker thread would keep
    the process alive until it ends (minutes on a slow page): leave without waiting for it.
    The database rolls back whatever that thread had not committed."""
    import threading

    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if others:
        console.print(f"stopped; {len(others)} unfinished request(s) abandoned")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
