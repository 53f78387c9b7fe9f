"""ASGI entry point for servers: `uvicorn sada.asgi:app`. Settings are read here.

Start-up objects are frozen out of the garbage collector's reach and its threshold
raised (`sada.core.gctune`) in every server process that imports this module.
"""

from sada.app import create_app
from sada.core import gctune

app = create_app()
gctune.tune()
