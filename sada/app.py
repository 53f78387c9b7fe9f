"""create_app(settings): routers, middleware and lifespan. Nothing runs at import."""

from __future__ import annotations

import gc
import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import DataError

from sada import __version__
from sada.core import tracing
from sada.core.errors import Invalid, SadaError
from sada.core.http import error_response
from sada.core.ratelimit import RateLimiter, shared_storage_ok, use_shared_storage
from sada.core.telemetry import RequestTelemetry
from sada.core.validation import loc_to_path
from sada.db.engine import Database, open_database
from sada.db.migrate import SchemaOutOfDate, check_schema, pending_revisions
from sada.domains import router_modules
from sada.interactions.service import IngestLimits
from sada.jobs.backend import BackendUnavailable, prepare_queue, select_backend
from sada.jobs.metrics import queue_collector
from sada.jobs.metrics import watch as watch_queue
from sada.jobs.runner import JobRunner, LanedRunner, NoRunner
from sada.settings import ConfigurationError, Settings
from sada.tenants.auth import route_guard

log = logging.getLogger(__name__)


@dataclass
class Services:
    """What request handlers need, created once per app."""

    settings: Settings
    db: Database
    api_limiter: RateLimiter
    ingest_limits: IngestLimits
    runner: JobRunner = field(default_factory=NoRunner)

    def wake_jobs(self) -> None:
        self.runner.wake()


_heap_frozen = threading.Event()


def freeze_startup_heap() -> None:
    """Take the objects alive after start-up (modules, routes, templates, table metadata) out of
    the collector's generations, once per process (`gc.freeze`): a full collection otherwise
    walks all of them, a pause of 100-900 ms that landed inside page requests (the journey
    map's p95 in `bench/pages.py`). Garbage is collected first, so nothing dead is kept."""
    if _heap_frozen.is_set():
        return
    _heap_frozen.set()
    gc.collect()
    gc.freeze()


def create_app(
    settings: Settings | None = None,
    *,
    db: Database | None = None,
    migrate: bool = True,
    run_jobs: bool | None = None,
) -> FastAPI:
    """The app. At start it checks the schema (`migrate=False` skips that, for tests):
    an outdated one is upgraded when SADA_AUTO_UPGRADE allows, and refused otherwise."""
    settings = settings or Settings()
    settings.check_safe_to_run()
    use_shared_storage(settings.redis_url, prefix=settings.redis_prefix)
    database = db or open_database(settings.database_url, application_name="sada-api")
    watch_queue(database)
    if settings.analytics_dir:  # where the journeys' columnar snapshots are (and erased)
        from sada.journeys.columnar import use_directory

        use_directory(settings.analytics_dir)
    try:
        backend = select_backend(database, settings.job_backend)
    except BackendUnavailable as exc:
        raise ConfigurationError(str(exc)) from exc
    jobs_in_process = settings.run_jobs_in_process if run_jobs is None else run_jobs
    # On procrastinate, jobs run in `sada worker`s only.
    jobs_in_process = jobs_in_process and backend == "table"
    services = Services(
        settings=settings,
        db=database,
        api_limiter=RateLimiter(
            settings.api_rate_per_second, settings.api_rate_burst, namespace="api"
        ),
        ingest_limits=IngestLimits(
            max_items=settings.max_batch_items,
            max_text_bytes=settings.max_text_bytes,
            live_window=timedelta(days=settings.live_window_days),
        ),
        # Two lanes (sada.jobs.runner): urgent jobs (ingest applies, rules) never wait
        # behind a long analysis or bulk job running in the other.
        runner=LanedRunner(
            database,
            poll_interval=settings.job_poll_interval,
            lease_seconds=settings.job_lease_seconds,
        )
        if jobs_in_process
        else NoRunner(),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if migrate:
            check_schema(database, auto_upgrade=settings.upgrades_on_start)
            prepare_queue(database, create=settings.upgrades_on_start)
        services.runner.start()
        freeze_startup_heap()
        try:
            yield
        finally:
            services.runner.stop(grace=settings.job_shutdown_grace_seconds)
            if db is None:
                database.dispose()

    app = FastAPI(
        title="Sada",
        version=__version__,
        description="Customer and audience experience management: one interaction log, one profile per person.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # served by sada.web.api_docs from the installed swagger-ui-bundle
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = services
    app.add_middleware(RequestTelemetry)
    if settings.otel_endpoint:
        # Outside RequestTelemetry: the request's span is current when it records the id.
        provider = tracing.enable(settings.otel_endpoint, service_name=settings.otel_service_name)
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        app.add_middleware(OpenTelemetryMiddleware, tracer_provider=provider)

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        """Ready for traffic: the database answers and its schema is current (503 otherwise)."""
        checks: dict[str, str] = {}
        try:
            pending = pending_revisions(database)
            checks["database"] = "ok"
            checks["migrations"] = "ok" if not pending else f"{len(pending)} pending"
        except SchemaOutOfDate as exc:
            checks["database"], checks["migrations"] = "ok", str(exc)
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            log.warning("readiness: database unreachable: %s", exc)
            checks["database"] = "unreachable"
        if backend == "procrastinate" and checks.get("database") == "ok":
            from sada.jobs.procrastinate_backend import schema_present

            try:
                present = schema_present(database)
            except Exception:  # noqa: BLE001 - any failure means "not ready"
                present = False
            checks["queue"] = "ok" if present else "procrastinate schema missing"
        redis = shared_storage_ok()
        if redis is not None:
            checks["redis"] = "ok" if redis else "unreachable"
        ready = all(value == "ok" for value in checks.values())
        body: dict[str, object] = {"status": "ready" if ready else "not ready", "checks": checks}
        if isinstance(services.runner, LanedRunner):
            checks["jobs"] = "running" if services.runner.alive else "stopped"
            # What each in-process lane is doing: "idle", a job kind, or "stopped".
            body["job_lanes"] = services.runner.status()
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        """Prometheus metrics of this process (requests, jobs, webhooks) and the queue.

        Under `sada serve --workers N` (PROMETHEUS_MULTIPROC_DIR set), the counters and
        histograms of all N server processes, added up, whichever process answers.
        """
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import CollectorRegistry, multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            registry.register(queue_collector())
            return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.exception_handler(SadaError)
    async def _sada_error(_request: Request, exc: SadaError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(DataError)
    async def _data_error(_request: Request, exc: DataError) -> JSONResponse:
        # The last net under input checks: a value the database cannot hold (a NUL byte in
        # PostgreSQL text, a number out of range) is the client's error, not the server's.
        log.info("database refused a value: %s", type(exc.orig).__name__)
        return error_response(
            Invalid(
                "a value in this request cannot be stored (a NUL "
                "character or a number out of range)"
            )
        )

    @app.exception_handler(OverflowError)
    async def _overflow(_request: Request, _exc: OverflowError) -> JSONResponse:
        # A date or number from the request beyond what Python or the database can hold
        # (year 1 minus a day, an id past 64 bits): the client's error, not the server's.
        return error_response(Invalid("a date or number in this request is out of range"))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"path": loc_to_path("", [p for p in err["loc"] if p != "body"]), "message": err["msg"]}
            for err in exc.errors()
        ]
        return JSONResponse(
            {"error": {"code": "invalid", "message": "invalid request", "details": errors}},
            status_code=422,
        )

    import importlib

    from sada.web.setup import install_web

    install_web(app, services)
    # Every domain router sits under the guard: an /api or /v1 route that declares no API key
    # scope (and is not on the public allow-list) answers 403 rather than running open.
    guard = [Depends(route_guard)]
    for module_name in router_modules():
        app.include_router(importlib.import_module(module_name).router, dependencies=guard)
    return app
