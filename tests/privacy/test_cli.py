"""`sada privacy export|erase|allow-return|retention` as a subprocess over a SQLite file."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from sada.db.engine import open_database
from sada.interactions.ingest import ingest_batch
from sada.tenants.service import get_workspace_by_name
from tests.test_cli_and_settings import _sada


def test_export_erase_and_retention_from_the_command_line(tmp_path: Path) -> None:
    assert _sada(tmp_path, "db", "upgrade").returncode == 0
    assert _sada(tmp_path, "workspace", "create", "Privacy Co").returncode == 0
    db = open_database(f"sqlite:///{tmp_path / 'cli.db'}")
    with db.reader() as session:
        ws = get_workspace_by_name(session, "Privacy Co").id
    item = {
        "source": "cli",
        "external_id": "1",
        "occurred_at": "2026-11-20T10:00:00+00:00",
        "channel": "email",
        "type": "message",
        "direction": "inbound",
        "text": "Dear team, this is Golnar Vakili-Kermani writing",
        "person": {"email": "golnar.vk@example.org", "name": "Golnar Vakili-Kermani"},
    }
    with db.transaction(ws) as session:
        person = ingest_batch(session, [item])[0].person_id
    db.dispose()

    out = tmp_path / "golnar.zip"
    r = _sada(
        tmp_path,
        "privacy",
        "export",
        "--workspace",
        "Privacy Co",
        "--person",
        str(person),
        "--out",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    archive = zipfile.ZipFile(out)
    people = json.loads(archive.read("tables/people.json"))
    assert people[0]["name"] == "Golnar Vakili-Kermani"
    plain = tmp_path / "golnar.json"
    r = _sada(
        tmp_path,
        "privacy",
        "export",
        "--workspace",
        "Privacy Co",
        "--person",
        str(person),
        "--out",
        str(plain),
    )
    assert r.returncode == 0 and json.loads(plain.read_text())["format"] == "sada.person-export/1"

    r = _sada(tmp_path, "privacy", "erase", "--workspace", "Privacy Co", "--person", str(person))
    assert r.returncode == 2 and "--yes" in r.stderr
    r = _sada(
        tmp_path, "privacy", "erase", "--workspace", "Privacy Co", "--person", str(person), "--yes"
    )
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["files_deleted"] == 2 and not out.exists() and not plain.exists()
    data = (tmp_path / "cli.db").read_bytes()
    assert b"golnar.vk" not in data and b"Vakili-Kermani" not in data
    r = _sada(
        tmp_path, "privacy", "erase", "--workspace", "Privacy Co", "--person", str(person), "--yes"
    )
    assert r.returncode == 1 and "no person" in r.stderr

    r = _sada(
        tmp_path,
        "privacy",
        "allow-return",
        "--workspace",
        "Privacy Co",
        "--email",
        "Golnar.VK@example.org",
    )
    assert r.returncode == 0 and "allowed 1 of 1" in r.stdout
    r = _sada(
        tmp_path,
        "privacy",
        "retention",
        "set",
        "--workspace",
        "Privacy Co",
        "--kind",
        "webhook_logs",
        "--days",
        "30",
    )
    assert r.returncode == 0 and "delete after 30 days" in r.stdout
    r = _sada(
        tmp_path,
        "privacy",
        "retention",
        "set",
        "--workspace",
        "Privacy Co",
        "--kind",
        "nope",
        "--days",
        "30",
    )
    assert r.returncode != 0 and "error" in r.stderr
    r = _sada(tmp_path, "privacy", "retention", "run", "--workspace", "Privacy Co")
    assert r.returncode == 0 and json.loads(r.stdout) == {"webhook_logs": 0}
