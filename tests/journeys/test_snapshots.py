"""The columnar copy has one owner; every other process reads its published snapshots.

An owner syncs its working DuckDB file and publishes a snapshot (written aside, renamed into
place); readers in other processes open snapshots read-only, while the owner keeps its
working file open and refreshes, without a lock error, and see each new snapshot.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sada.db.engine import Database
from sada.journeys import analytics
from sada.journeys.analytics import EngineChoice
from sada.journeys.columnar import (
    SnapshotReader,
    close_stores,
    reader_for,
    snapshot_path,
    store_for,
)

from .conftest import Log
from .test_funnels_paths import SINCE, UNTIL, build, steps_of

ROOT = Path(__file__).resolve().parents[2]

READER = """
import sys, time
from pathlib import Path
from sada.journeys.columnar import SnapshotReader

path, ws, target, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
reader = SnapshotReader(path, max_age_seconds=3600)
seen = []
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    n = reader.fetch(f"SELECT count(*) FROM interactions WHERE workspace_id = {ws}")[0][0]
    seen.append(n)
    out.with_suffix(".reading").write_text("")
    if n == target:
        break
    time.sleep(0.01)
out.write_text(" ".join(map(str, seen)) + "\\n" + str(reader.reopened))
"""


def test_an_api_node_reads_the_owners_snapshot_or_sql(
    db: Database, workspace: Any, log: Log, store_path: Path
) -> None:
    build(db, workspace.id, log)
    snapshot = EngineChoice(engine="auto", db=db, store_path=store_path, snapshot=True)
    sql = EngineChoice(engine="sql", db=db)
    try:
        with db.reader(workspace.id) as s:
            # No snapshot yet: the node answers from SQL (it never opens the working file).
            before = analytics.funnel(
                s, "cj", steps=None, since=SINCE, until=UNTIL, window_seconds=86400, choice=snapshot
            )
            assert before["engine"] == db.dialect
            expected = analytics.funnel(
                s, "cj", steps=None, since=SINCE, until=UNTIL, window_seconds=86400, choice=sql
            )
        owner = store_for(db, store_path)
        assert owner is not None
        owner.sync(db)
        assert owner.publish() == snapshot_path(store_path)
        with db.reader(workspace.id) as s:
            after = analytics.funnel(
                s, "cj", steps=None, since=SINCE, until=UNTIL, window_seconds=86400, choice=snapshot
            )
        assert after["engine"] == "duckdb"
        assert steps_of(after["steps"]) == steps_of(expected["steps"])
        # A snapshot its owner stopped refreshing is not used.
        old = time.time() - 3600
        os.utime(snapshot_path(store_path), (old, old))
        assert reader_for(db, store_path, max_age_seconds=600) is None
    finally:
        close_stores()


def test_two_processes_read_while_the_owner_refreshes(
    db: Database, workspace: Any, log: Log, store_path: Path, tmp_path: Path
) -> None:
    person = log.person()
    log.events(person, *({"at": n, "tp": "tp_a"} for n in range(5)))
    owner = store_for(db, store_path)
    assert owner is not None
    owner.sync(db)
    owner.publish()
    rounds, per_round = 6, 5
    target = 5 + rounds * per_round
    script = tmp_path / "reader.py"
    script.write_text(READER)
    outs = [tmp_path / f"reader{n}.txt" for n in range(2)]
    readers = [
        subprocess.Popen(
            [
                sys.executable,
                str(script),
                str(snapshot_path(store_path)),
                str(workspace.id),
                str(target),
                str(out),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for out in outs
    ]
    try:
        deadline = time.monotonic() + 120
        while not all(out.with_suffix(".reading").exists() for out in outs):
            assert time.monotonic() < deadline, "the readers never started"
            assert all(r.poll() is None for r in readers), [r.communicate() for r in readers]
            time.sleep(0.05)
        for _ in range(rounds):  # the owner refreshes while both read
            log.events(person, *({"at": 100 + n, "tp": "tp_b"} for n in range(per_round)))
            owner.sync(db)
            owner.publish()
            time.sleep(0.2)
        results = [r.communicate(timeout=120)[0] for r in readers]
    finally:
        for r in readers:
            if r.poll() is None:
                r.kill()
        close_stores()
    for reader, output, out in zip(readers, results, outs, strict=True):
        assert reader.returncode == 0, output  # no lock error, no half-written file
        counts_line, reopened = out.read_text().splitlines()
        counts = [int(c) for c in counts_line.split()]
        assert counts == sorted(counts) and counts[0] >= 5 and counts[-1] == target
        assert int(reopened) >= 2  # it saw the first snapshot and a later one


def test_the_reader_drops_a_snapshot_that_disappears(db: Database, store_path: Path) -> None:
    owner = store_for(db, store_path)
    assert owner is not None
    try:
        owner.sync(db)
        reader = SnapshotReader(owner.publish())
        assert reader.available()
        snapshot_path(store_path).unlink()  # an erasure removes it until the next refresh
        assert not reader.available()
        reader.close()
    finally:
        close_stores()


def test_the_configured_folder_is_where_an_erasure_removes_the_snapshot(
    db: Database, tmp_path: Path
) -> None:
    """SADA_ANALYTICS_DIR (set once at start) reaches every caller, reset_copies included."""
    from sada.journeys.columnar import default_path, reset_copies, use_directory

    use_directory(tmp_path / "shared")
    try:
        path = default_path(db)
        assert path.parent == tmp_path / "shared"
        owner = store_for(db)
        assert owner is not None and owner.path == path
        owner.sync(db)
        snapshot = owner.publish()
        assert snapshot.parent == tmp_path / "shared"
        reset_copies(db)  # what an erasure calls, without knowing the folder
        assert not snapshot.exists()
    finally:
        use_directory(None)
        close_stores()


def test_nodes_reaching_postgresql_by_two_routes_name_one_copy(
    pg_db: Database, tmp_path: Path
) -> None:
    """The owner behind a pooler or proxy and the API nodes connected directly share the copy
    (its name came from the URL: each route named its own file and no reader found the owner's)."""
    from sada.db.engine import open_database
    from sada.journeys.columnar import database_identity, default_path
    from tests.pgproxy import proxied

    with proxied(pg_db.url) as proxy:
        routed = open_database(proxy.url(pg_db.url))
        try:
            assert routed.url != pg_db.url
            assert database_identity(routed) == database_identity(pg_db)
            assert database_identity(pg_db).startswith("postgresql:")
            assert default_path(routed, tmp_path) == default_path(pg_db, tmp_path)
            assert default_path(routed) == default_path(pg_db)
        finally:
            routed.dispose()


def test_sqlite_copies_stay_beside_their_file(sqlite_db: Database, tmp_path: Path) -> None:
    from sada.journeys.columnar import default_path

    assert str(default_path(sqlite_db)).endswith(".analytics.duckdb")
    assert default_path(sqlite_db, tmp_path).parent == tmp_path


def test_the_copy_sees_a_person_changed_without_updated_at(
    db: Database, workspace: Any, log: Log, store_path: Path
) -> None:
    """A writer that changes a person's language but leaves `updated_at` as it was: the
    journey change log names the person, and the next sync copies the row again."""
    from sqlalchemy import text

    build(db, workspace.id, log)
    person = log.person(language="fa")
    log.events(person, {"at": 10, "tp": "delivery", "type": "review"})
    try:
        store = store_for(db, store_path)
        assert store is not None
        store.sync(db)
        with db.transaction(workspace.id) as s:
            s.execute(text(f"UPDATE people SET language = 'zh' WHERE id = {person}"))
        store.sync(db)
        assert store.fetch(f"SELECT language FROM people WHERE id = {person}") == [("zh",)]
        # A later sync with nothing new changes nothing.
        assert store.sync(db)["people"] == 0
    finally:
        close_stores()
