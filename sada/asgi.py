"""ASGI entry point for servers: `uvicorn sada.asgi:app`. Settings are read here.

Start-up objects are frozen out of the garbage collector's reach and its threshold
raised (`sada.core.gctune`) in every server process that imports this module.
"""

from sada.app import create_app
from sada.core import gctune
from sada.core.telemetry import configure_logging
from sada.settings import Settings

settings = Settings()
configure_logging(settings.log_format, settings.log_level)
app = create_app(settings)
gctune.tune()
