"""Export and erasure of one person, with the residue check: after erasure, a dump of the whole
database, the columnar copy and the files Sada wrote hold none of their identifiers or texts."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from sada.db.engine import Database
from sada.db.registry import metadata
from sada.jobs.service import run_pending
from sada.journeys import columnar
from sada.text import service as text_service
from tests.feedback.factories import nps_survey


@pytest.fixture(autouse=True)
def no_real_embeddings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_service, "get_embedder", lambda *_a, **_k: None)
    text_service._PIPELINES.clear()


class Planted:
    """A person with distinctive identifiers and texts (unique per test run)."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:8]
        self.email = f"zed.quarrel.{tag}@example.org"
        self.email2 = f"second.alias.{tag}@example.net"
        # Unique too: other tests of the session share the database and use common numbers.
        self.phone = f"+98912{uuid.uuid4().int % 10_000_000:07d}"
        self.crm = f"CRM-{tag}-7731"
        self.name = f"Quillon Vandermeer{tag}"
        self.text = f"The blender Xylophagous{tag} exploded; write to {self.email}"
        self.subject = f"Subject Pomegranate{tag} broken"
        self.answer = f"Answer Marmalade{tag} too slow"
        self.case_title = f"Case Thunderclap{tag} refund"
        self.note = f"Note Wolframite{tag} called twice"
        self.chat = f"Chat Bergamot{tag} where is my order"
        self.trait = f"Trait Larkspur{tag}"

    @property
    def needles(self) -> list[str]:
        return [
            self.email,
            self.email2,
            self.crm,
            self.name,
            self.text,
            self.subject,
            self.answer,
            self.case_title,
            self.note,
            self.chat,
            self.trait,
            # distinctive parts that survive any re-encoding of the longer strings
            self.email.split("@")[0],
            self.name.split()[-1],
            self.phone[3:],  # the national number, however it was written
        ]


def _plant(client: Any, db: Database, workspace: Any, admin: dict[str, str], p: Planted) -> int:
    batch = {
        "items": [
            {
                "source": "test",
                "external_id": f"m1-{p.crm}",
                "occurred_at": "2026-11-20T10:00:00+00:00",
                "channel": "email",
                "type": "complaint",
                "direction": "inbound",
                "subject": p.subject,
                "text": p.text,
                "rating": 2,
                "rating_scale": "csat5",
                "person": {
                    "email": p.email,
                    "phone": p.phone,
                    "name": p.name,
                    "external_ids": {"crm": p.crm},
                    "traits": {"note": p.trait},
                },
            },
            {
                "source": "test",
                "external_id": f"m2-{p.crm}",
                "occurred_at": "2026-11-21T10:00:00+00:00",
                "channel": "chat",
                "type": "message",
                "direction": "inbound",
                "text": p.text + " again",
                "person": {"email": p.email2},
            },
        ]
    }
    r = client.post("/api/v1/interactions:batch?wait=true", json=batch, headers=admin)
    assert r.status_code == 200, r.text
    ids = [item["person_id"] for item in r.json()["results"]]
    main, alias = ids
    r = client.post(
        "/api/v1/people:merge",
        json={"survivor_id": main, "merged_id": alias, "reason": f"same as {p.email2}"},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    r = client.post(
        "/api/v1/cases",
        json={"title": p.case_title, "description": p.text, "person_id": main},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    case_id = r.json()["id"]
    r = client.post(f"/api/v1/cases/{case_id}/notes", json={"body": p.note}, headers=admin)
    assert r.status_code == 201, r.text
    # Someone else's case whose note quotes the person's address (it stays, without it).
    r = client.post("/api/v1/cases", json={"title": "Unrelated order question"}, headers=admin)
    other_case = r.json()["id"]
    r = client.post(
        f"/api/v1/cases/{other_case}/notes",
        json={"body": f"Customer said to also copy {p.email.upper()} on this"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    r = client.post(
        f"/api/v1/people/{main}/consents",
        json={"channel": "email", "purpose": "surveys", "granted": True, "source": p.email},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    client.app.state.services.settings.webhook_allowed_hosts = "127.0.0.1"
    r = client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "events": ["*"]},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    # A survey response with a free-text answer (as the survey page stores it).
    from sada.feedback import service as fb
    from sada.people.schemas import PersonRef

    with db.transaction(workspace.id) as s:
        survey = fb.do_create_survey(s, nps_survey())
    with db.transaction(workspace.id) as s:
        survey = fb.access_survey(s, survey.id)
        fb.do_save_response(
            s,
            survey,
            {"nps": 2, "why_low": p.answer},
            complete=True,
            respondent=fb.Respondent(language="en", person_ref=PersonRef(email=p.email)),
        )
    # The help-centre chat, where the person leaves their contact details.
    r = client.post(f"/help/{workspace.name}/chat", json={"lang": "en"})
    if r.status_code == 200:
        token = r.json()["chat"]["token"]
        client.post(f"/help/{workspace.name}/chat/{token}/messages", json={"text": p.chat})
        client.post(
            f"/help/{workspace.name}/chat/{token}/contact",
            json={"email": p.email, "phone": p.phone, "text": p.chat},
        )
    run_pending(db)
    return int(main)


def dump_database(db: Database) -> str:
    """The whole database as text: SQLite's iterdump, or every row of every table on PostgreSQL."""
    raw = db.engine.raw_connection()
    try:
        if db.is_sqlite:
            return "\n".join(raw.driver_connection.iterdump())  # type: ignore[union-attr]
        out = []
        cursor = raw.cursor()
        for name in sorted(metadata.tables):
            cursor.execute(f'SELECT t::text FROM "{name}" t')
            out.extend(str(r[0]) for r in cursor.fetchall())
        cursor.close()
        return "\n".join(out)
    finally:
        raw.close()


def dump_columnar(store: columnar.ColumnarStore) -> str:
    rows = store.fetch("SELECT * FROM interactions") + store.fetch("SELECT * FROM people")
    return "\n".join(json.dumps(r, default=str, ensure_ascii=False) for r in rows)


def _escaped(needle: str) -> list[str]:
    """The needle as it may be written in JSON (ASCII-escaped) as well as raw."""
    return [needle, json.dumps(needle)[1:-1], json.dumps(needle, ensure_ascii=False)[1:-1]]


def residue(blob: str, p: Planted) -> list[str]:
    return [n for n in p.needles if any(form in blob for form in _escaped(n))]


def test_export_then_erase_leaves_no_residue(
    db: Database, workspace: Any, client: Any, make_key: Any, tmp_path: Path
) -> None:
    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read', 'write', 'admin')}"}
    p = Planted()
    person_id = _plant(client, db, workspace, admin, p)

    store = columnar.store_for(db)
    assert store is not None
    store.sync(db)
    assert residue(dump_columnar(store), p), "the columnar copy should hold the person first"
    snapshot = store.publish()  # what API nodes read beside separate workers
    assert snapshot.exists()
    before = dump_database(db)
    assert set(residue(before, p)) >= {p.email, p.text, p.answer, p.note, p.case_title}

    # Export: JSON over the API, a zip written as a file (which erasure must delete).
    r = client.get(f"/api/v1/people/{person_id}/export", headers=admin)
    assert r.status_code == 200, r.text
    document = r.json()
    tables = document["tables"]
    for name in (
        "people",
        "identities",
        "interactions",
        "text_analyses",
        "person_merges",
        "cases",
        "internal_notes",
        "survey_responses",
        "survey_answers",
        "consents",
        "audit_events",
    ):
        assert tables.get(name), f"export lacks {name}"
    assert len(tables["people"]) >= 2  # the person and the profiles merged into them
    assert {p.email, p.email2} <= {i["value"] for i in tables["identities"]}
    r = client.get(f"/api/v1/people/{person_id}/export?format=zip", headers=admin)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert "person.json" in names and "tables/interactions.json" in names

    from sada.privacy import export

    out = tmp_path / "export.zip"
    with db.transaction(workspace.id) as s:
        doc = export.export_data(s, person_id)
        out.write_bytes(export.export_bytes(doc, as_zip=True))
        export.record_export(s, person_id, path=str(out), actor=None, counts=doc["counts"])
    assert out.exists()

    # Erasure needs an admin key.
    reader = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read', 'write')}"}
    assert client.post(f"/api/v1/people/{person_id}:erase", headers=reader).status_code == 403
    r = client.post(f"/api/v1/people/{person_id}:erase", headers=admin)
    assert r.status_code == 200, r.text
    erasure = r.json()
    assert erasure["erasure_id"].startswith("er_")
    assert erasure["counts"]["interactions"] >= 3 and erasure["suppressed_identities"] >= 4
    assert erasure["files_deleted"] == 1 and not out.exists()
    run_pending(db)  # whatever the erasure left queued must not bring anything back

    leftover = residue(dump_database(db), p)
    assert not leftover, f"database still holds {leftover}"
    if db.is_sqlite:  # nor in free pages or the write-ahead log of the file itself
        path = Path(db.url.split("///", 1)[-1])
        files = b"".join(f.read_bytes() for f in path.parent.glob(path.name + "*") if f.is_file())
        raw_db = files.decode("latin-1")
        assert not [n for n in p.needles if n.isascii() and n in raw_db]
    assert not snapshot.exists(), "the published snapshot still holds the person"
    store.sync(db)
    assert not residue(dump_columnar(store), p)
    raw = store.path.read_bytes().decode("latin-1")
    assert not [n for n in p.needles if n in raw], "the columnar file still holds the person"
    assert client.get(f"/api/v1/people/{person_id}", headers=admin).status_code == 404
    dump = dump_database(db)
    assert "Customer said to also copy [erased] on this" in dump

    # The audit record of the erasure holds no personal data, only a random id and counts.
    with db.reader(workspace.id) as s:
        row = s.execute(
            text(
                "SELECT details, summary, target_id FROM audit_events "
                "WHERE action = 'privacy.erase' AND workspace_id = :ws"
            ),
            {"ws": workspace.id},
        ).one()
    assert row.target_id == erasure["erasure_id"]
    assert not residue(json.dumps(row.details) + row.summary, p)


def test_erased_identities_do_not_return_unless_allowed(
    db: Database, workspace: Any, client: Any, make_key: Any
) -> None:
    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read', 'write', 'admin')}"}
    p = Planted()

    def send(external_id: str, words: str = "hello there", **person: Any) -> dict[str, Any]:
        item = {
            "source": "test",
            "external_id": external_id,
            "occurred_at": "2026-11-22T10:00:00+00:00",
            "channel": "chat",
            "type": "message",
            "direction": "inbound",
            "text": words,
            "person": person,
        }
        r = client.post(
            "/api/v1/interactions:batch?wait=true", json={"items": [item]}, headers=admin
        )
        assert r.status_code in (200, 207, 422), r.text
        return dict(r.json()["results"][0])

    first = send("a1", p.text, email=p.email, phone=p.phone)
    assert first["status"] == "stored"
    r = client.post(f"/api/v1/people/{first['person_id']}:erase", headers=admin)
    assert r.status_code == 200, r.text

    again = send("a2", email=p.email.upper())  # the same identity, written differently
    assert again["status"] == "rejected" and "erased" in again["errors"][0]["message"]
    by_phone = send("a3", phone="0" + p.phone[3:], email="someone.else@example.org")
    assert by_phone["status"] == "rejected"
    r = client.post("/api/v1/people:identify", json={"email": p.email}, headers=admin)
    assert r.status_code == 409 and r.json()["error"]["code"] == "suppressed"
    other = send("a4", email=f"unrelated.{uuid.uuid4().hex[:6]}@example.org")
    assert other["status"] == "stored"
    # The workspace setting lets every erased person return; switched off again below.
    r = client.patch("/api/v1/privacy/settings", json={"allow_return": True}, headers=admin)
    assert r.status_code == 200 and r.json()["allow_return"] is True
    r = client.post("/api/v1/people:identify", json={"email": p.email}, headers=admin)
    assert r.status_code == 200 and r.json()["created"] is True
    r = client.post(f"/api/v1/people/{r.json()['person_id']}:erase", headers=admin)
    assert r.status_code == 200
    r = client.patch("/api/v1/privacy/settings", json={"allow_return": False}, headers=admin)
    assert r.json()["allow_return"] is False

    # Only keyed digests are kept (never the identity or a plain hash of it).
    assert not residue(dump_database(db), p)

    # The admin allows the person back: the next event creates a new person.
    from sada.people.identities import normalize_email
    from sada.privacy import erase

    with db.transaction(workspace.id) as s:
        assert erase.allow_return(s, "email", "", normalize_email(p.email))
    back = send("a5", email=p.email)
    assert back["status"] == "stored" and back["person_id"] != first["person_id"]

    # --allow-return at erasure time keeps no digests at all.
    r = client.post(
        f"/api/v1/people/{back['person_id']}:erase", json={"allow_return": True}, headers=admin
    )
    assert r.status_code == 200 and r.json()["suppressed_identities"] == 0
    assert send("a6", email=p.email)["status"] == "stored"


def test_erase_and_export_answer_404_for_unknown_and_other_workspaces(
    db: Database, workspace: Any, client: Any, make_key: Any, make_workspace: Any
) -> None:
    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'admin')}"}
    other = make_workspace(db)
    other_admin = {"Authorization": f"Bearer {make_key(db, other.id, 'read', 'write', 'admin')}"}
    r = client.post(
        "/api/v1/interactions:batch?wait=true",
        json={
            "items": [
                {
                    "source": "t",
                    "external_id": "x",
                    "occurred_at": "2026-11-22T10:00:00+00:00",
                    "channel": "chat",
                    "type": "message",
                    "direction": "inbound",
                    "person": {"email": "iso@example.org"},
                }
            ]
        },
        headers=other_admin,
    )
    theirs = r.json()["results"][0]["person_id"]
    assert client.post(f"/api/v1/people/{theirs}:erase", headers=admin).status_code == 404
    assert client.get(f"/api/v1/people/{theirs}/export", headers=admin).status_code == 404
    assert client.post("/api/v1/people/999999999:erase", headers=admin).status_code == 404
    r = client.post(f"/api/v1/people/{theirs}:erase", content=b"{bad", headers=admin)
    assert r.status_code in (400, 404, 422)


def test_erasure_leaves_other_people_and_their_jobs_alone(
    db: Database, workspace: Any, client: Any, make_key: Any
) -> None:
    from sqlalchemy import func, select

    from sada.jobs.models import Job

    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read', 'write', 'admin')}"}

    def item(n: int, email: str, name: str) -> dict[str, Any]:
        return {
            "source": "t",
            "external_id": f"o-{n}-{uuid.uuid4().hex[:6]}",
            "occurred_at": "2026-11-22T10:00:00+00:00",
            "channel": "chat",
            "type": "message",
            "direction": "inbound",
            "text": f"Sara here, order {n} is late",
            "person": {"email": email, "name": name},
        }

    r = client.post(
        "/api/v1/interactions:batch?wait=true",
        json={
            "items": [
                item(1, f"sara.a.{uuid.uuid4().hex[:6]}@example.org", "Sara"),
                item(2, f"sara.k.{uuid.uuid4().hex[:6]}@example.org", "Sara Karimi"),
            ]
        },
        headers=admin,
    )
    gone, kept = (x["person_id"] for x in r.json()["results"])
    with db.reader(workspace.id) as s:
        queued = s.execute(
            select(func.count()).where(Job.workspace_id == workspace.id, Job.status == "queued")
        ).scalar_one()
    assert client.post(f"/api/v1/people/{gone}:erase", headers=admin).status_code == 200
    with db.reader(workspace.id) as s:
        after = s.execute(
            select(func.count()).where(Job.workspace_id == workspace.id, Job.status == "queued")
        ).scalar_one()
    assert after == queued  # the batch's jobs stay; they only lost the erased ids
    person = client.get(f"/api/v1/people/{kept}", headers=admin)
    assert person.status_code == 200 and person.json()["name"] == "Sara Karimi"
    timeline = client.get(f"/api/v1/people/{kept}/timeline", headers=admin).json()
    assert len(timeline["items"]) == 1
