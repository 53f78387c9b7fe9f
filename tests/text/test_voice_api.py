"""The voice of the customer in the API: analyses on interactions, timelines and the explorer;
analysts' corrections stored, shown and exported as labelled data."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from typer.testing import CliRunner

from sada.db.types import utcnow
from sada.interactions.ingest import ingest_batch
from sada.text.service import analyze_interactions
from sada.text.training import read_jsonl

MIXED = "The food was great but the delivery was late again"


def _ingest(db, ws_id, **over):  # type: ignore[no-untyped-def]
    item = {
        "source": "test",
        "external_id": uuid.uuid4().hex,
        "occurred_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "channel": "chat",
        "type": "message",
        "direction": "inbound",
        "text": MIXED,
        "person": {"email": "sara@example.com"},
    }
    item.update(over)
    with db.transaction(ws_id) as session:
        (result,) = ingest_batch(session, [item])
    analyze_interactions(db, ws_id, [result.id], embedder=False)
    return result.id


def test_interaction_timeline_and_explorer_carry_the_analysis(
    db, workspace, client, api_headers
) -> None:  # type: ignore[no-untyped-def]
    iid = _ingest(db, workspace.id)
    reply = _ingest(
        db, workspace.id, direction="outbound", agent="agent@example.com", text="Sorry about that!"
    )
    got = client.get(f"/api/v1/interactions/{iid}", headers=api_headers).json()
    analysis = got["analysis"]
    assert analysis["language"] == "en"
    assert analysis["sentiment"]["label"] in ("negative", "neutral", "positive", "mixed")
    assert isinstance(analysis["sentiment"]["score"], float)
    assert analysis["sentences"] and analysis["sentences"][0]["text"]
    aspects = {a["name"]: a["sentiment"] for a in analysis["aspects"]}
    assert aspects.get("delivery") == "negative"
    assert analysis["topics"] == [] or isinstance(analysis["topics"], list)
    assert isinstance(analysis["mentions"], list)
    assert analysis["redaction"] == {"has_pii": False, "kinds": []}
    # An agent's reply is not the customer's voice: no analysis.
    assert (
        client.get(f"/api/v1/interactions/{reply}", headers=api_headers).json()["analysis"] is None
    )
    timeline = client.get(f"/api/v1/people/{got['person_id']}/timeline", headers=api_headers).json()
    by_id = {i["id"]: i for i in timeline["items"]}
    assert by_id[iid]["analysis"]["sentiment"] == analysis["sentiment"]
    explored = client.get("/api/v1/feedback?q=delivery", headers=api_headers).json()
    assert [i["id"] for i in explored["items"]] == [iid] and explored["total"] == 1
    assert explored["items"][0]["analysis"]["aspects"]
    assert client.get("/api/v1/feedback?since=2026-01-01", headers=api_headers).status_code == 422


def test_corrections_show_survive_reanalysis_and_export(
    db, workspace, client, api_headers, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    iid = _ingest(db, workspace.id, text="Delivery was fine I guess, the courier was polite")
    model = client.get(f"/api/v1/interactions/{iid}", headers=api_headers).json()["analysis"]
    fixed_label = "negative" if model["sentiment"]["label"] != "negative" else "positive"
    r = client.post(
        f"/api/v1/interactions/{iid}/corrections",
        json={"sentiment": fixed_label, "aspects": {"delivery": "neutral"}},
        headers=api_headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["sentiment"]["label"] == fixed_label
    assert r.json()["sentiment"]["model_label"] == model["sentiment"]["label"]
    bad = client.post(
        f"/api/v1/interactions/{iid}/corrections",
        json={"aspects": {"price": "negative"}},
        headers=api_headers,
    )
    assert bad.status_code == 422 and "not an aspect" in bad.text
    assert (
        client.post(
            f"/api/v1/interactions/{iid}/corrections",
            json={"sentiment": "furious"},
            headers=api_headers,
        ).status_code
        == 422
    )
    analyze_interactions(db, workspace.id, [iid], embedder=False)  # re-analysis keeps it
    shown = client.get(f"/api/v1/interactions/{iid}", headers=api_headers).json()["analysis"]
    assert shown["sentiment"]["label"] == fixed_label
    assert {c["target"] for c in shown["corrections"]} == {"sentiment", "aspect:delivery"}

    from sada.cli.main import app
    from sada.settings import get_settings

    monkeypatch.setenv("SADA_DATABASE_URL", db.url)
    get_settings.cache_clear()
    out = tmp_path / "corrections.jsonl"
    try:
        result = CliRunner().invoke(
            app, ["text", "corrections", "--workspace", workspace.name, "--out", str(out)]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    (example,) = read_jsonl(out)
    assert example.label == fixed_label and "courier" in example.text and example.lang == "en"
    assert json.loads(out.read_text().splitlines()[0])["model_label"] == model["sentiment"]["label"]
