"""Every connector follows the one protocol: registered, documented, with fixtures and tests."""

from __future__ import annotations

from pathlib import Path

import pytest

import sada.connectors
from sada.connectors.base import REGISTRY, Item, PermanentError, RetryableError
from sada.connectors.cli import TOOLS, load_all

PACKAGE = Path(sada.connectors.__file__).parent
TESTS = Path(__file__).parent


def test_every_tool_folder_is_registered_documented_and_tested() -> None:
    load_all()
    folders = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())
    assert sorted(TOOLS) == folders
    for name in folders:
        assert name in REGISTRY, f"{name} does not register itself"
        entry = REGISTRY[name]
        assert set(entry.kinds) <= {"file", "webhook", "api"} and entry.kinds
        readme = PACKAGE / name / "README.md"
        assert readme.exists(), f"{name} has no mapping doc"
        text = readme.read_text()
        assert "|" in text and "Fixture" in text, f"{name}'s README lacks its mapping or fixtures"
        assert (TESTS / "fixtures" / name).is_dir(), f"{name} has no fixtures"
        assert any(
            name in p.read_text() for p in TESTS.glob("test_*.py") if p.name != Path(__file__).name
        )


def test_errors_say_permanent_or_retryable() -> None:
    assert PermanentError("x").status_code == 422 and not PermanentError("x").retryable
    assert RetryableError("x").status_code == 503 and RetryableError("x").retryable


@pytest.mark.parametrize(
    ("tool", "fixture"),
    [
        ("qualtrics", "qualtrics/export_2016.csv"),
        ("surveymonkey", "surveymonkey/csv_export.csv"),
        ("zendesk", "zendesk/tickets_incremental.json"),
        ("reviews", "reviews/app_store_reviews.json"),
        ("googleforms", "googleforms/responses.csv"),
        ("chatwoot", "chatwoot/conversations_export.json"),
        ("intercom", "intercom/conversations.json"),
        ("freshdesk", "freshdesk/tickets.json"),
        ("hubspot", "hubspot/tickets.json"),
        ("hubspot", "hubspot/tickets.csv"),
        ("typeform", "typeform/form_response_all_types.json"),
        ("formbricks", "formbricks/response_finished.json"),
        ("segment", "segment/track.json"),
    ],
)
def test_parse_gives_items(tool: str, fixture: str) -> None:
    load_all()
    items = list(REGISTRY[tool].parse((TESTS / "fixtures" / fixture).read_bytes()))
    assert items and all(isinstance(i, Item) for i in items)
    assert any(i.record is not None for i in items)
    with pytest.raises(PermanentError):
        list(REGISTRY[tool].parse(b"\xff\xfe\x00garbage" if tool == "reviews" else b"{oops"))
