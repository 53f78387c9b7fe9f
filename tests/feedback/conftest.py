"""Fixtures for the survey page tests."""

from tests.web.conftest import login, make_user  # noqa: F401 - fixtures used by the page tests
