"""Headless Chromium: a Persian-speaking analyst opens the "Correct the analysis" panel of a
card in the feedback explorer, chooses another sentiment, saves, sees the corrected label
marked on the card, and reads the model's scores on the quality page; an Arabic- and a
Chinese-speaking analyst read the same page in their language. Screenshots in
test-artifacts/screenshots."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from sada.db.types import utcnow
from sada.interactions.ingest import ingest_batch
from sada.text.models import TextAnalysis, TextCorrection
from sada.text.service import analyze_interactions
from tests.browser import SHOTS, chromium, needs_chromium, served, sign_in, watched_page
from tests.web.conftest import PASSWORD

pytestmark = needs_chromium
TEXT = "غذا خیلی خوشمزه بود ولی پیک یک ساعت دیر رسید"


def _user(db: Any, ws_id: int, role: str, name: str, language: str) -> str:
    from sada.tenants.service import do_add_member, do_create_user

    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    with db.transaction(ws_id) as session:
        user = do_create_user(session, email, PASSWORD, name=name, language=language)
        do_add_member(session, user, role)
    return email


def _signed_in(browser: Any, site: dict[str, Any], lang: str, problems: list[str]) -> Any:
    page = watched_page(browser, problems)
    page.on(
        "request",
        lambda r: (
            problems.append(f"external request: {r.url}")
            if not r.url.startswith((site["base"], "data:", "about:"))
            else None
        ),
    )
    sign_in(page, site["base"], site["users"][lang], lang)
    return page


@pytest.fixture(scope="module")
def site(_sqlite_database: Any) -> Iterator[dict[str, Any]]:
    from sada.app import create_app
    from sada.settings import Settings
    from sada.tenants.service import do_create_workspace

    db = _sqlite_database
    with db.transaction() as session:
        ws = do_create_workspace(session, f"quality-{uuid.uuid4().hex[:8]}")
    users = {lang: _user(db, ws.id, "analyst", name, lang)
             for lang, name in (("fa", "مینا رضایی"), ("ar", "ليلى حسن"), ("zh", "王芳"))}  # fmt: skip
    with db.transaction(ws.id) as session:
        (result,) = ingest_batch(
            session,
            [
                {
                    "source": "test",
                    "external_id": uuid.uuid4().hex,
                    "occurred_at": (utcnow() - timedelta(hours=2)).isoformat(),
                    "channel": "chat",
                    "type": "message",
                    "direction": "inbound",
                    "text": TEXT,
                    "language": "fa",
                    "person": {"email": f"c-{uuid.uuid4().hex[:6]}@example.com"},
                }
            ],
        )
    analyze_interactions(db, ws.id, [result.id], embedder=False)
    settings = Settings(
        environment="test", database_url="sqlite:///unused.db", base_url="http://127.0.0.1"
    )
    app = create_app(settings, db=db, migrate=False, run_jobs=False)
    with served(app) as base:
        yield {"db": db, "ws": ws.id, "base": base, "users": users, "iid": result.id}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"quality-{name}.png"), full_page=True)


def test_persian_analyst_corrects_a_label_and_reads_the_scores(
    site: dict[str, Any], browser: Any
) -> None:
    problems: list[str] = []
    db, iid = site["db"], site["iid"]
    with db.reader(site["ws"]) as session:
        model = session.execute(
            select(TextAnalysis.sentiment).where(TextAnalysis.interaction_id == iid)
        ).scalar_one()
    wanted = "negative" if model != "negative" else "positive"
    page = _signed_in(browser, site, "fa", problems)
    page.goto(f"{site['base']}/feedback?period=30d")
    assert page.get_attribute("html", "dir") == "rtl"
    card = page.locator(f"#fb-{iid}")
    card.locator("details.correct summary").click()
    assert card.locator("summary").inner_text() == "اصلاح تحلیل"
    card.locator("select[name=sentiment]").select_option(wanted)
    _shot(page, "correct-fa")
    card.locator("button[type=submit]").click()
    page.wait_for_url(f"{site['base']}/feedback?period=30d&done=corrected#fb-{iid}")
    assert page.locator("#feedback-notice").inner_text() == "اصلاح شما ذخیره شد."
    chip = page.locator(f"#fb-{iid} .meta .chip.corrected")
    assert "✎" in chip.inner_text()
    with db.reader(site["ws"]) as session:
        (stored,) = session.execute(select(TextCorrection)).scalars()
    assert (stored.label, stored.model_label, stored.target) == (wanted, model, "sentiment")

    page.click("#model-quality")
    page.wait_for_url(f"{site['base']}/text/quality")
    assert page.locator("h1").inner_text() == "کیفیت تحلیل روی اصلاح‌های شما"
    assert page.locator("#confusion").is_visible()
    _shot(page, "scores-fa")
    for lang, heading in (("ar", "جودة التحليل على تصحيحاتكم"), ("zh", "基于您更正的分析质量")):
        other = _signed_in(browser, site, lang, problems)
        other.goto(f"{site['base']}/text/quality")
        assert other.locator("h1").inner_text() == heading
        assert other.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        _shot(other, f"scores-{lang}")
    assert not problems, problems
