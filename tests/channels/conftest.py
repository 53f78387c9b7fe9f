"""Fixtures of the channels tests: signed-in clients for the settings page, and the loopback
providers (`fake`) for every test module here."""

from __future__ import annotations

from tests.channels.test_channels import fake  # noqa: F401 - the loopback providers
from tests.web.conftest import login, make_user  # noqa: F401 - fixtures used by the page tests
