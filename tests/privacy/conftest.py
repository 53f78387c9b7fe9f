"""The web tests' signed-in clients, for the privacy pages."""

from tests.web.conftest import login, make_user

__all__ = ["login", "make_user"]
