"""create_app(settings): routers, middleware and lifespan. Nothing runs at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from sada import __version__
from sada.core.errors import SadaError
from sada.core.http import error_response
from sada.core.ratelimit import RateLimiter
from sada.core.validation import loc_to_path
from sada.db.engine import Database, open_database
from sada.db.migrate import upgrade
from sada.domains import router_modules
from sada.interactions.service import IngestLimits
from sada.jobs.runner import InProcessRunner, JobRunner, NoRunner
from sada.settings import Settings
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


def create_app(
    settings: Settings | None = None,
    *,
    db: Database | None = None,
    migrate: bool = True,
    run_jobs: bool | None = None,
) -> FastAPI:
    settings = settings or Settings()
    settings.check_safe_to_run()
    database = db or open_database(settings.database_url)
    jobs_in_process = settings.run_jobs_in_process if run_jobs is None else run_jobs
    services = Services(
        settings=settings,
        db=database,
        api_limiter=RateLimiter(settings.api_rate_per_second, settings.api_rate_burst),
        ingest_limits=IngestLimits(
            max_items=settings.max_batch_items,
            max_text_bytes=settings.max_text_bytes,
            live_window=timedelta(days=settings.live_window_days),
        ),
        runner=InProcessRunner(
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
            upgrade(database)
        services.runner.start()
        try:
            yield
        finally:
            services.runner.stop()
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

    @app.exception_handler(SadaError)
    async def _sada_error(_request: Request, exc: SadaError) -> JSONResponse:
        return error_response(exc)

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
