"""Fixtures of the channels tests: signed-in clients for the settings page."""

from __future__ import annotations

from tests.web.conftest import login, make_user  # noqa: F401 - fixtures used by the page tests
