"""Erasure also clears the person's rows from the rejects files the importer wrote."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import select

from sada.interactions.importer import run_import
from sada.people.models import Identity
from sada.privacy import erase

HEADER = ["external_id", "occurred_at", "channel", "text", "person.email"]


def _write(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def test_erasure_removes_the_persons_rows_from_rejects_files(
    db: Any, workspace: Any, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    erased, other = f"gone.{tag}@example.org", f"stays.{tag}@example.org"
    when = "2026-05-01T10:00:00Z"
    source = _write(
        tmp_path / "in.csv",
        [
            HEADER,
            [f"g-{tag}", when, "email", "arrived fine", erased],
            [f"b1-{tag}", when, "pigeon", f"Quokka{tag} by pigeon", erased],
            [f"b2-{tag}", when, "pigeon", "someone else's", other],
        ],
    )
    summary = run_import(db, workspace.id, source, console=Console(file=io.StringIO()))
    assert summary["rejected"] == 2
    rejects = Path(summary["rejects_file"])
    assert erased in rejects.read_text(encoding="utf-8-sig")
    with db.reader(workspace.id) as session:
        person_id = session.execute(
            select(Identity.person_id).where(Identity.value == erased)
        ).scalar_one()
    with db.transaction(workspace.id) as session:
        result = erase.erase(session, person_id)
    assert result.counts["rejects_rows_removed"] == 1
    left = rejects.read_text(encoding="utf-8-sig")
    assert erased not in left and f"Quokka{tag}" not in left
    assert other in left and left.splitlines()[0].startswith("line,errors,external_id")
    assert rejects.read_bytes().startswith(b"\xef\xbb\xbf")  # still opens right in Excel
