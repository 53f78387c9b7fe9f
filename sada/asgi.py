"""ASGI entry point for servers: `uvicorn sada.asgi:app`. Settings are read here."""

from sada.app import create_app

app = create_app()
