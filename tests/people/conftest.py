"""Fixtures of the people tests: signed-in clients for the segment pages."""

from tests.web.conftest import login, make_user  # noqa: F401 - fixtures used by the page tests
