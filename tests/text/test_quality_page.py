"""Analysts correct the analysis in the feedback explorer and see the model scored on their
labels (`/text/quality`), in Persian, Arabic and Chinese as in English; a viewer may read the
scores but not correct; the corrections download as labelled data, audited."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from sada.db.types import utcnow
from sada.interactions.ingest import ingest_batch
from sada.text.models import TextAnalysis, TextCorrection
from sada.text.service import analyze_interactions
from tests.web.conftest import PASSWORD, csrf_of, sign_in


@pytest.fixture
def login(db: Any, workspace: Any, client: Any) -> Any:
    """Sign the test client in as a new member of `workspace` with `role` and a language."""

    def factory(role: str, *, language: str = "en") -> Any:
        from sada.tenants.service import do_add_member, do_create_user

        email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
        with db.transaction(workspace.id) as session:
            user = do_create_user(session, email, PASSWORD, language=language)
            do_add_member(session, user, role)
        assert sign_in(client, email).status_code == 303
        return client

    return factory


TEXTS = {
    "fa": "غذا خیلی خوشمزه بود ولی پیک یک ساعت دیر رسید",
    "ar": "الأكل ممتاز لكن التوصيل تأخر ساعة كاملة",
    "zh": "菜很好吃，但是外卖送得太慢了",
    "en": "The food was great but the delivery was an hour late",
}


def _analysed(db: Any, ws_id: int) -> dict[str, int]:
    items = [
        {
            "source": "test",
            "external_id": uuid.uuid4().hex,
            "occurred_at": (utcnow() - timedelta(hours=n + 1)).isoformat(),
            "channel": "chat",
            "type": "message",
            "direction": "inbound",
            "text": text,
            "language": lang,
            "person": {"email": f"{lang}-{uuid.uuid4().hex[:6]}@example.com"},
        }
        for n, (lang, text) in enumerate(TEXTS.items())
    ]
    with db.transaction(ws_id) as session:
        ids = [r.id for r in ingest_batch(session, items)]
    analyze_interactions(db, ws_id, ids, embedder=False)
    return dict(zip(TEXTS, ids, strict=True))


def _analysis(db: Any, ws_id: int, iid: int) -> TextAnalysis:
    with db.reader(ws_id) as session:
        return session.execute(
            select(TextAnalysis).where(TextAnalysis.interaction_id == iid)
        ).scalar_one()


def test_correct_in_the_explorer_and_see_the_scores(db, workspace, login) -> None:  # type: ignore[no-untyped-def]
    ids = _analysed(db, workspace.id)
    client = login("analyst", language="fa")
    page = client.get("/feedback?period=30d")
    assert page.status_code == 200
    assert 'action="/text/corrections/' in page.text and "اصلاح تحلیل" in page.text

    # Persian text: the analyst says the whole text is negative; its delivery aspect positive
    # (deliberately against the model, so the scores below must move).
    fa = _analysis(db, workspace.id, ids["fa"])
    wrong = "positive" if fa.sentiment != "positive" else "negative"
    aspect = fa.aspects[0]["aspect"]
    flipped = "positive" if fa.aspects[0]["polarity"] != "positive" else "negative"
    done = client.post(
        f"/text/corrections/{ids['fa']}",
        data={
            "csrf": csrf_of(page.text),
            "next": "/feedback?period=30d&done=old",
            "sentiment": wrong,
            f"aspect.{aspect}": flipped,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text[:300]
    assert done.headers["location"] == f"/feedback?period=30d&done=corrected#fb-{ids['fa']}"
    # The Chinese text: the analyst confirms the model's label (a confirmation is a label too).
    zh = _analysis(db, workspace.id, ids["zh"])
    client.post(
        f"/text/corrections/{ids['zh']}",
        data={"csrf": csrf_of(page.text), "next": "/feedback", "sentiment": zh.sentiment},
        follow_redirects=False,
    )
    with db.reader(workspace.id) as session:
        stored = {
            (c.interaction_id, c.target): (c.label, c.model_label)
            for c in session.execute(select(TextCorrection)).scalars()
        }
    assert stored == {
        (ids["fa"], "sentiment"): (wrong, fa.sentiment),
        (ids["fa"], f"aspect:{aspect}"): (flipped, fa.aspects[0]["polarity"]),
        (ids["zh"], "sentiment"): (zh.sentiment, zh.sentiment),
    }

    after = client.get("/feedback?period=30d&done=corrected")
    assert "اصلاح شما ذخیره شد" in after.text  # the notice, in Persian
    card = after.text.split(f'id="fb-{ids["fa"]}"')[1].split("</li>")[0]
    assert "chip sent-" + wrong + " corrected" in card and "✎" in card
    # The sentiment filter finds the text under the analyst's label, not the model's.
    marker = f'id="fb-{ids["fa"]}"'
    assert marker in client.get(f"/feedback?period=30d&sentiment={wrong}").text
    assert marker not in client.get(f"/feedback?period=30d&sentiment={fa.sentiment}").text

    # Nothing chosen: nothing stored, and the page says why.
    same = client.post(
        f"/text/corrections/{ids['ar']}",
        data={"csrf": csrf_of(page.text), "next": "/feedback"},
        follow_redirects=False,
    )
    assert same.status_code == 303 and "done=unchanged" in same.headers["location"]
    assert "هیچ چیز تغییر نکرد" in client.get(same.headers["location"]).text
    bad = client.post(
        f"/text/corrections/{ids['ar']}",
        data={"csrf": csrf_of(page.text), "sentiment": "furious"},
        follow_redirects=False,
    )
    assert bad.status_code == 422
    assert client.post(
        f"/text/corrections/{ids['ar']}", data={"sentiment": "negative"}, follow_redirects=False
    ).status_code in (403, 422)  # no CSRF token: refused
    with db.reader(workspace.id) as session:
        assert len(session.execute(select(TextCorrection)).all()) == 3

    quality = client.get("/text/quality")
    assert quality.status_code == 200
    text = re.sub(r"\s+", " ", quality.text)
    # Two sentiment labels: one against the model (wrong), one confirming it (right).
    # (Digits as the workspace's number format writes them: Latin or Persian.)
    assert re.search(r"[2۲] متن · دقت (50|۵۰)[.٫](0|۰)", text), text[:3000]
    assert 'id="confusion"' in text and 'id="aspect-quality"' in text
    assert re.search(r"[0۰] از [1۱] جنبه", text)  # the corrected aspect disagrees now

    download = client.get("/text/corrections.jsonl")
    assert download.status_code == 200
    rows = [json.loads(line) for line in download.text.splitlines()]
    assert sorted(r["lang"] for r in rows) == ["fa", "zh"]
    assert {r["label"] for r in rows if r["lang"] == "fa"} == {wrong}


def test_scores_in_arabic_and_chinese_and_who_may_do_what(db, workspace, login) -> None:  # type: ignore[no-untyped-def]
    ids = _analysed(db, workspace.id)
    from sada.text.views import do_correct

    with db.transaction(workspace.id) as session:
        en = _analysis(db, workspace.id, ids["en"])
        do_correct(session, ids["en"], sentiment=en.sentiment, by="test")
    viewer = login("viewer", language="ar")
    empty_or_not = viewer.get("/text/quality")
    assert empty_or_not.status_code == 200
    assert "مصفوفة الالتباس" in empty_or_not.text  # "confusion matrix" in Arabic
    assert "/text/corrections.jsonl" not in empty_or_not.text  # viewers do not export
    assert viewer.get("/text/corrections.jsonl").status_code == 403
    page = viewer.get("/text/quality")
    assert (
        viewer.post(
            f"/text/corrections/{ids['en']}",
            data={"csrf": csrf_of(page.text), "sentiment": "negative"},
            follow_redirects=False,
        ).status_code
        == 403
    )


def test_empty_workspace_says_how_to_start(db, workspace, login) -> None:  # type: ignore[no-untyped-def]
    client = login("analyst", language="zh")
    page = client.get("/text/quality")
    assert page.status_code == 200
    assert 'id="no-corrections"' in page.text and "反馈浏览器" in page.text
