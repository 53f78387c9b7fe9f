"""ASGI entry point for servers: `uvicorn sada.asgi:app`. Settings are read here."""

from sada.app import create_app
from sada.core.telemetry import configure_logging
from sada.settings import Settings

settings = Settings()
configure_logging(settings.log_format, settings.log_level)
app = create_app(settings)
