"""Hosted pages: RTL, language choice, size, bot protection, tokens, concurrency."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sada.core.errors import Conflict
from sada.db.types import utcnow
from sada.feedback import invitations, service, web_guard
from sada.feedback.models import Invitation, Response
from sada.feedback.schemas import Recipient
from tests.feedback.factories import nps_survey

SECRET = "dev-insecure-change-me"


def _make(db, ws_id, **over):  # type: ignore[no-untyped-def]
    with db.transaction(ws_id) as s:
        return service.do_create_survey(s, nps_survey(**over))


def _invite(db, ws_id, survey, email="p@example.com", **kw):  # type: ignore[no-untyped-def]
    with db.transaction(ws_id) as s:
        out = invitations.do_create_invitations(
            s,
            service.access_survey(s, survey.id),
            [Recipient(email=email, **kw)],
            secret=SECRET,
            base_url="http://testserver",
            send_email=False,
        )
    return out[0]


def _count(db, ws_id, survey_id):  # type: ignore[no-untyped-def]
    with db.reader(ws_id) as s:
        return s.execute(
            select(func.count()).select_from(Response).where(Response.survey_id == survey_id)
        ).scalar_one()


def old_stamp(key: str) -> str:
    return web_guard.make_stamp(SECRET, key, time.time() - 10)


def test_persian_page_is_rtl_small_and_self_contained(client, db, workspace):  # type: ignore[no-untyped-def]
    survey = _make(db, workspace.id)
    r = client.get(f"/s/{survey.public_key}?lang=fa")
    assert r.status_code == 200
    html = r.text
    assert '<html lang="fa" dir="rtl">' in html
    assert len(r.content) < 60_000
    assert not re.search(r"(src|href)=\"https?://", html)  # nothing from other hosts
    values = re.findall(r'name="q_nps" value="(\d+)"', html)
    assert values == [str(v) for v in range(11)]  # DOM order 0..10: in RTL, 0 sits on the right
    assert "۰" in html and "۱۰" in html  # Persian digits
    assert html.index("اصلاً") < html.index("خیلی زیاد")  # low label first, at the reading start
    assert "چقدر احتمال" in html and 'hreflang="zh"' in html
    assert "<legend" in html and 'aria-labelledby="l-why_low"' in html
    # Inline style and script are allowed by hash only; no unsafe-inline, no style attributes.
    csp = r.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "'sha256-" in csp and "frame-ancestors *" in csp
    assert " style=" not in html
    import base64
    import hashlib

    for tag in ("style", "script"):
        inline = re.search(rf"<{tag}>(.*?)</{tag}>", html, re.S)
        assert inline, tag
        digest = base64.b64encode(hashlib.sha256(inline.group(1).encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp, tag


def test_language_from_browser_and_fallback(client, db, workspace):  # type: ignore[no-untyped-def]
    survey = _make(db, workspace.id)
    ar = client.get(
        f"/s/{survey.public_key}", headers={"Accept-Language": "ar-EG,ar;q=0.9,en;q=0.5"}
    )
    assert 'lang="ar" dir="rtl"' in ar.text
    zh = client.get(f"/s/{survey.public_key}", headers={"Accept-Language": "zh-CN"})
    assert 'lang="zh" dir="ltr"' in zh.text and "推荐" in zh.text
    de = client.get(f"/s/{survey.public_key}", headers={"Accept-Language": "de"})
    assert 'lang="en"' in de.text


def test_invitation_language_and_partial_answers(client, db, workspace):  # type: ignore[no-untyped-def]
    survey = _make(db, workspace.id)
    inv = _invite(db, workspace.id, survey, language="fa")
    token = inv.link.rsplit("/", 1)[1]
    stamp = web_guard.make_stamp(SECRET, survey.public_key)
    saved = client.post(f"/s/i/{token}/save", json={"answers": {"nps": 4}, "t": stamp})
    assert saved.status_code == 200 and saved.json()["status"] == "saved"
    page = client.get(f"/s/i/{token}")
    assert 'dir="rtl"' in page.text
    assert re.search(r'value="4" checked', page.text)  # partial answer restored
    assert _count(db, workspace.id, survey.id) == 1
    done = client.post(
        f"/s/i/{token}",
        data={"q_nps": "4", "q_why_low": "کند بود", "t": old_stamp(survey.public_key)},
    )
    assert done.status_code == 200
    again = client.post(f"/s/i/{token}", data={"q_nps": "10", "t": old_stamp(survey.public_key)})
    assert again.status_code == 409
    with db.reader(workspace.id) as s:
        r = s.execute(select(Response).where(Response.survey_id == survey.id)).scalar_one()
        assert r.status == "completed" and r.scores == {"nps": [4, 10]}


def test_bad_tokens_expired_and_unknown(client, db, workspace):  # type: ignore[no-untyped-def]
    survey = _make(db, workspace.id)
    assert client.get("/s/i/not-a-token").status_code == 404
    assert client.post("/s/i/" + "A" * 43, data={"q_nps": "5"}).status_code == 404
    assert client.get("/s/nope").status_code == 404
    inv = _invite(db, workspace.id, survey)
    with db.transaction(workspace.id) as s:
        s.get(Invitation, inv.id).expires_at = utcnow() - timedelta(days=1)
    token = inv.link.rsplit("/", 1)[1]
    assert client.get(f"/s/i/{token}").status_code == 410
    assert (
        client.post(
            f"/s/i/{token}", data={"q_nps": "5", "t": old_stamp(survey.public_key)}
        ).status_code
        == 410
    )
    assert len(token) >= 43  # 256-bit HMAC, base64url


def test_honeypot_too_fast_and_forged_stamps_store_nothing(client, db, workspace):  # type: ignore[no-untyped-def]
    survey = _make(db, workspace.id)
    key = survey.public_key
    bot = client.post(
        f"/s/{key}", data={"q_nps": "10", "website": "http://spam", "t": old_stamp(key)}
    )
    assert bot.status_code == 200  # the bot is not told
    fast = client.post(f"/s/{key}", data={"q_nps": "10", "t": web_guard.make_stamp(SECRET, key)})
    assert fast.status_code == 422
    forged = client.post(
        f"/s/{key}", data={"q_nps": "10", "t": f"{int(time.time() * 1000) - 60000}.abcdef"}
    )
    assert forged.status_code == 422
    api_bot = client.post(
        f"/api/v1/public/surveys/{key}/responses",
        json={"answers": {"nps": 1}, "stamp": old_stamp(key), "website": "x"},
    )
    assert api_bot.status_code == 200
    api_fast = client.post(
        f"/api/v1/public/surveys/{key}/responses",
        json={"answers": {"nps": 1}, "stamp": web_guard.make_stamp(SECRET, key)},
    )
    assert api_fast.status_code == 422
    assert _count(db, workspace.id, survey.id) == 0
    out_of_range = client.post(f"/s/{key}", data={"q_nps": "11", "t": old_stamp(key)})
    assert out_of_range.status_code == 422 and "outside the scale" in out_of_range.text
    ok = client.post(
        f"/api/v1/public/surveys/{key}/responses",
        json={"answers": {"nps": 9}, "stamp": old_stamp(key), "hidden": {"touchpoint": "checkout"}},
    )
    assert ok.status_code == 200, ok.text
    assert _count(db, workspace.id, survey.id) == 1
    js = client.get(f"/s/{key}/embed.js")
    assert js.status_code == 200 and key in js.text and "iframe" in js.text


def test_one_form_stamp_stores_one_response(client, db, workspace):  # type: ignore[no-untyped-def]
    """Issue 10, finding 7: one stamp used to be accepted 20 times."""
    survey = _make(db, workspace.id)
    key = survey.public_key
    stamp = old_stamp(key)
    first = client.post(f"/s/{key}", data={"q_nps": "9", "t": stamp})
    assert first.status_code == 200, first.text
    replays = [client.post(f"/s/{key}", data={"q_nps": "10", "t": stamp}) for _ in range(3)]
    assert {r.status_code for r in replays} == {409}
    assert "already been answered" in replays[0].text
    api_replay = client.post(
        f"/api/v1/public/surveys/{key}/responses", json={"answers": {"nps": 1}, "stamp": stamp}
    )
    assert api_replay.status_code == 409
    assert _count(db, workspace.id, survey.id) == 1
    # The JSON endpoint: one stamp, one response; autosaves continue it, then it is spent.
    api_stamp = old_stamp(key)
    url = f"/api/v1/public/surveys/{key}/responses"
    partial = client.post(url, json={"answers": {"nps": 3}, "stamp": api_stamp, "complete": False})
    assert partial.status_code == 200, partial.text
    done = client.post(url, json={"answers": {"why_low": "slow"}, "stamp": api_stamp})
    assert done.status_code == 200, done.text
    again = client.post(url, json={"answers": {"nps": 3}, "stamp": api_stamp})
    assert again.status_code == 409
    assert _count(db, workspace.id, survey.id) == 2
    with db.reader(workspace.id) as s:
        row = s.execute(
            select(Response).where(Response.survey_id == survey.id, Response.status == "completed")
        ).scalars()
        assert len(list(row)) == 2
    # Stamps from two page loads in the same millisecond still differ.
    now = time.time() - 10
    assert web_guard.make_stamp(SECRET, key, now) != web_guard.make_stamp(SECRET, key, now)
    assert client.post(f"/s/{key}", data={"q_nps": "9", "t": stamp + "é"}).status_code == 422


def test_public_endpoint_rate_limit_per_ip(client, db, workspace, app):  # type: ignore[no-untyped-def]
    app.state.services.settings.survey_public_per_minute = 3
    app.state.__dict__.pop("survey_limiters", None)
    survey = _make(db, workspace.id)
    codes = [
        client.post(
            f"/api/v1/public/surveys/{survey.public_key}/responses",
            json={"answers": {"nps": 9}, "stamp": old_stamp(survey.public_key)},
        ).status_code
        for _ in range(5)
    ]
    assert codes[:3] == [200, 200, 200] and codes[3] == 429


def test_exactly_one_response_per_token_under_concurrent_submits(db, workspace):  # type: ignore[no-untyped-def]
    survey = _make(db, workspace.id)
    inv = _invite(db, workspace.id, survey)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def submit(score: int) -> None:
        barrier.wait()
        try:
            with db.transaction(workspace.id) as s:
                service.do_save_response(
                    s,
                    service.access_survey(s, survey.id),
                    {"nps": score},
                    complete=True,
                    invitation=s.get(Invitation, inv.id),
                )
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        except Exception as exc:  # noqa: BLE001 - report anything else
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]
    with db.reader(workspace.id) as s:
        rows = s.execute(select(Response).where(Response.invitation_id == inv.id)).scalars().all()
        assert len(rows) == 1 and rows[0].status == "completed"


def test_contact_frequency_across_surveys(db, workspace):  # type: ignore[no-untyped-def]
    a, b = _make(db, workspace.id), _make(db, workspace.id, name="Other")
    first = _invite(db, workspace.id, a, email="same@example.com")
    assert first.status == "sent"
    second = _invite(db, workspace.id, b, email="Same@Example.com")
    assert second.status == "skipped" and "14 days" in (second.reason or "")
    with db.transaction(workspace.id) as s:
        s.get(Invitation, first.id).sent_at = utcnow() - timedelta(days=20)
    third = _invite(db, workspace.id, b, email="same@example.com")
    assert third.status == "sent"
    with pytest.raises(Exception):
        _invite(db, workspace.id, a, email="not-an-email")
