"""POST /api/v1/surveys/{id}/responses:batch: per-item results like interaction ingest."""

from __future__ import annotations

from sada.feedback import service
from tests.feedback.factories import nps_survey


def _survey(db, workspace) -> int:  # type: ignore[no-untyped-def]
    with db.transaction(workspace.id) as s:
        return service.do_create_survey(s, nps_survey()).id


def test_batch_per_item_results_and_idempotency(client, db, workspace, make_workspace, make_key):  # type: ignore[no-untyped-def]
    sid = _survey(db, workspace)
    headers = {"Authorization": f"Bearer {make_key(db, workspace.id, 'write', 'read')}"}
    url = f"/api/v1/surveys/{sid}/responses:batch"
    items = [
        {
            "external_id": "hs-1",
            "source": "hubspot",
            "answers": {"nps": 9},
            "person": {"email": "omid@example.ir"},
            "submitted_at": "2026-11-01T10:00:00+03:30",
            "language": "fa",
        },
        {"external_id": "hs-2", "source": "hubspot", "answers": {"nps": 11}},
        {"external_id": "hs-3", "source": "hubspot", "answers": {"nps": 3}, "colour": "red"},
        {"source": "hubspot", "answers": {"nps": 4}},
        {"external_id": "hs-5", "source": "hubspot", "answers": {"nps": 2}, "backfill": True},
    ]
    r = client.post(url, json={"items": items}, headers=headers)
    assert r.status_code == 207, r.text
    body = r.json()
    assert (body["stored"], body["duplicates"], body["rejected"]) == (2, 0, 3)
    by_index = {x["index"]: x for x in body["results"]}
    assert by_index[0]["status"] == "stored" and by_index[0]["person_id"] is not None
    assert by_index[1]["errors"][0]["path"] == "items[1].answers.nps"
    assert by_index[2]["errors"][0]["path"] == "items[2].colour"
    assert by_index[3]["errors"][0]["path"] == "items[3].external_id"
    again = client.post(url, json={"items": items[:1]}, headers=headers).json()
    assert again["duplicates"] == 1 and again["results"][0]["id"] == by_index[0]["id"]
    # The same external id from another source is another response.
    other = client.post(
        url, json={"items": [{**items[0], "source": "typeform-old"}]}, headers=headers
    ).json()
    assert other["stored"] == 1
    listed = client.get(f"/api/v1/responses?survey_id={sid}", headers=headers).json()["items"]
    assert len(listed) == 3
    # Bad bodies and other workspaces: clear 4xx.
    assert client.post(url, json={"items": [items[1]]}, headers=headers).status_code == 422
    assert client.post(url, json=[1], headers=headers).status_code == 422
    assert client.post(url, json={"items": [], "x": 1}, headers=headers).status_code == 422
    many = {"items": [{"external_id": str(i), "answers": {}} for i in range(1001)]}
    assert client.post(url, json=many, headers=headers).status_code == 422
    elsewhere = make_workspace(db)
    other_headers = {"Authorization": f"Bearer {make_key(db, elsewhere.id, 'write')}"}
    assert client.post(url, json={"items": items[:1]}, headers=other_headers).status_code == 404
    read_only = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read')}"}
    assert client.post(url, json={"items": items[:1]}, headers=read_only).status_code == 403
