from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.feedback.factories import nps_definition


def _survey(client, headers, **over):  # type: ignore[no-untyped-def]
    body = {
        "name": "NPS",
        "kind": "nps",
        "languages": ["en", "fa", "ar", "zh"],
        "definition": nps_definition(),
    }
    body.update(over)
    r = client.post("/api/v1/surveys", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_survey_crud_and_versions(client, api_headers):  # type: ignore[no-untyped-def]
    s = _survey(client, api_headers)
    assert s["version"] == 1 and s["link"].endswith(f"/s/{s['public_key']}")
    assert client.get(f"/api/v1/surveys/{s['id']}", headers=api_headers).json()["name"] == "NPS"
    r = client.patch(f"/api/v1/surveys/{s['id']}", json={"name": "NPS 2026"}, headers=api_headers)
    assert r.status_code == 200 and r.json()["name"] == "NPS 2026"
    bad = client.post(
        "/api/v1/surveys", json={"name": "x", "definition": {"questions": []}}, headers=api_headers
    )
    assert bad.status_code == 422
    assert client.get("/api/v1/surveys/999999", headers=api_headers).status_code == 404
    assert client.get("/api/v1/surveys", headers={}).status_code == 401
    assert client.delete(f"/api/v1/surveys/{s['id']}", headers=api_headers).status_code == 204
    assert client.get(f"/api/v1/surveys/{s['id']}", headers=api_headers).status_code == 404


def test_other_workspaces_surveys_are_invisible(client, db, api_headers, make_workspace, make_key):  # type: ignore[no-untyped-def]
    s = _survey(client, api_headers)
    other = make_workspace(db)
    headers = {"Authorization": f"Bearer {make_key(db, other.id, 'read', 'write')}"}
    assert client.get(f"/api/v1/surveys/{s['id']}", headers=headers).status_code == 404
    assert client.delete(f"/api/v1/surveys/{s['id']}", headers=headers).status_code == 404


def test_responses_list_metrics_and_exports(client, api_headers):  # type: ignore[no-untyped-def]
    s = _survey(client, api_headers)
    link = client.post(
        f"/api/v1/surveys/{s['id']}/invitations",
        json={
            "recipients": [{"email": f"p{i}@example.com"} for i in range(4)],
            "send_email": False,
        },
        headers=api_headers,
    )
    assert link.status_code == 200, link.text
    invitations = link.json()
    assert all(i["status"] == "sent" and "/s/i/" in i["link"] for i in invitations)
    comments = ['=HYPERLINK("http://evil")', "سفارش دیر رسید", "+1 great", "很好"]
    scores = [0, 3, 6, 5]
    for inv, score, comment in zip(invitations, scores, comments, strict=True):
        token = inv["link"].rsplit("/", 1)[1]
        r = client.post(
            f"/s/i/{token}/save",
            json={
                "answers": {"nps": score, "why_low": comment, "reason": "price"},
                "t": _stamp(client, s),
                "complete": False,
            },
        )
        assert r.status_code == 200, r.text
        import time

        from sada.feedback import web_guard

        stamp = web_guard.make_stamp("dev-insecure-change-me", s["public_key"], time.time() - 10)
        r = client.post(
            f"/s/i/{token}",
            data={"q_nps": str(score), "q_why_low": comment, "t": stamp, "lang": "fa"},
        )
        assert r.status_code == 200, r.text
    listed = client.get(
        f"/api/v1/responses?survey_id={s['id']}&status=completed", headers=api_headers
    ).json()
    assert len(listed["items"]) == 4
    detractors = client.get(
        f"/api/v1/responses?survey_id={s['id']}&max_score=6&metric=nps", headers=api_headers
    ).json()
    assert sorted(i["scores"]["nps"][0] for i in detractors["items"]) == [0, 3, 5, 6]
    one = client.get(f"/api/v1/responses/{listed['items'][0]['id']}", headers=api_headers).json()
    assert one["language"] == "fa" and one["interaction_id"]
    m = client.get(f"/api/v1/metrics/nps?survey_id={s['id']}&by=week", headers=api_headers).json()
    assert (
        m["n"] == 4 and m["nps"] == -100.0 and m["low_sample"] is True and m["source"] == "rollup"
    )
    assert len(m["periods"]) == 1
    rates = client.get(
        f"/api/v1/metrics/funnel/rates?survey_id={s['id']}", headers=api_headers
    ).json()
    assert rates["invitations_sent"] == 4 and rates["response_rate"] == 100.0
    cmp = client.get(
        f"/api/v1/metrics/nps/compare?survey_id={s['id']}&a_filter=language=fa&b_filter=language=en",
        headers=api_headers,
    ).json()
    assert cmp["verdict"] == "not significant" and cmp["low_sample"] is True

    raw = client.get(
        f"/api/v1/surveys/{s['id']}/responses/export?format=csv&language=fa", headers=api_headers
    )
    assert raw.status_code == 200 and raw.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.content.decode("utf-8-sig"))))
    flat = [c for row in rows for c in row]
    assert '\'=HYPERLINK("http://evil")' in flat and "'+1 great" in flat
    assert "سفارش دیر رسید" in flat and "很好" in flat
    assert any("چقدر احتمال" in h for h in rows[0])
    x = client.get(f"/api/v1/surveys/{s['id']}/responses/export?format=xlsx", headers=api_headers)
    sheet = load_workbook(io.BytesIO(x.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://evil")' in values and "很好" in values
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def _stamp(client, s):  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/public/surveys/{s['public_key']}").json()["stamp"]
