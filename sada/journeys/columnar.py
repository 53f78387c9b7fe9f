"""A columnar copy of the interaction log in DuckDB, kept up to date incrementally.

The main database stays the source of truth; this file is derived and can be
deleted at any time (the next sync rebuilds it). Sync is incremental:

- interactions are append-only: rows with an id above the watermark are copied,
  re-reading a margin of `LOOKBACK_IDS` ids below it and skipping ids already
  present, because on PostgreSQL a lower id can commit after a higher one;
- people whose `updated_at` moved (or that are new) are replaced, and so are the people the
  journey change log (`journey_person_changes`, migration 1940) names since the last sync: a
  writer that changes a person's language, audience, segment or traits without moving
  `updated_at` is seen too (a person is replaced when any copied column differs);
- person merges and unmerges recorded since the last sync move the interactions
  they list, exactly as the main database did.

One process owns the working file (DuckDB's own lock). With several nodes, one worker
role is that owner (`sada worker --analytics-owner`, `refresh_loop`): after each sync it
publishes a read-only snapshot beside the working file (written under a temporary name,
then renamed over the previous one, so a reader sees the old snapshot or the new one,
never a half-written file). Every other process reads the newest snapshot through
`SnapshotReader` (DuckDB read-only connections, any number of processes at once), and
falls back to SQL on the main database while there is none or it is too old.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from sqlalchemy.exc import OperationalError

from sada.db.engine import Database
from sada.journeys.query import Dialect

log = logging.getLogger(__name__)

LOOKBACK_IDS = 10_000
LOOKBACK_SECONDS = 120
# As migration 1940 prunes the journey change log; beyond this many names, all people.
KEEP_LOGGED_VERSIONS = 20_000
MAX_LOGGED_PEOPLE = 5_000
BATCH_ROWS = 200_000

_DDL = [
    """CREATE TABLE IF NOT EXISTS interactions (
        id BIGINT, workspace_id BIGINT, person_id BIGINT, ts BIGINT, channel VARCHAR,
        type VARCHAR, direction VARCHAR, touchpoint_id BIGINT, rating DOUBLE,
        rating_scale VARCHAR, conversation_id VARCHAR, attributes VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS people (
        id BIGINT, workspace_id BIGINT, audience VARCHAR, segment VARCHAR, language VARCHAR,
        traits VARCHAR, merged_into_id BIGINT, created_ts BIGINT, updated_ts BIGINT)""",
    "CREATE TABLE IF NOT EXISTS sync_state (key VARCHAR PRIMARY KEY, value BIGINT)",
]
_I_COLS = [
    "id", "workspace_id", "person_id", "ts", "channel", "type", "direction", "touchpoint_id",
    "rating", "rating_scale", "conversation_id", "attributes",
]  # fmt: skip
_P_COLS = [
    "id", "workspace_id", "audience", "segment", "language", "traits", "merged_into_id",
    "created_ts", "updated_ts",
]  # fmt: skip


_DIRECTORY: dict[str, Path] = {}


def use_directory(directory: Path | str | None) -> None:
    """Keep this process's copies and snapshots in `directory` (SADA_ANALYTICS_DIR).

    Set once at start (app, worker), so every caller of `default_path` (queries, the owner,
    an erasure's `reset_copies`) finds the same files.
    """
    if directory:
        _DIRECTORY["path"] = Path(directory)
    else:
        _DIRECTORY.pop("path", None)


def default_path(db: Database, directory: Path | str | None = None) -> Path:
    """Next to a SQLite file; in the temp folder for PostgreSQL (it is derived data).

    `directory` (default: SADA_ANALYTICS_DIR through `use_directory`) puts it there instead:
    a volume the owner and the readers share when they run on different machines.
    """
    directory = directory or _DIRECTORY.get("path")
    if directory:
        digest = hashlib.sha256(database_identity(db).encode()).hexdigest()[:12]
        return Path(directory) / f"sada-analytics-{digest}.duckdb"
    if db.is_sqlite:
        name = db.url.split("///", 1)[-1]
        return Path(name + ".analytics.duckdb")
    digest = hashlib.sha256(database_identity(db).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"sada-analytics-{digest}.duckdb"


_IDENTITIES: dict[str, str] = {}


def database_identity(db: Database) -> str:
    """What names this database whichever way a node reaches it.

    Nodes may reach one PostgreSQL by different routes (the workers through a pooler or a
    proxy, the API nodes directly): their URLs differ, yet the owner and every reader must
    name the same snapshot. PostgreSQL: the cluster's system identifier and the database's
    name (two servers never share it, so no node reads another server's copy). SQLite: the
    URL. While the database cannot be reached the URL stands in, uncached; where the role may
    not read pg_control_system() the URL is kept (nodes must then use one URL, as before).
    """
    if db.is_sqlite:
        return db.url
    known = _IDENTITIES.get(db.url)
    if known is None:
        try:
            with db.read_engine.connect() as connection:
                system_id, name = connection.exec_driver_sql(
                    "SELECT system_identifier::text, current_database() FROM pg_control_system()"
                ).one()
        except OperationalError as exc:  # unreachable now: the URL, and ask again later
            log.warning("journey analytics: the database's identity is unknown (%s)", exc)
            return db.url
        except Exception as exc:  # noqa: BLE001 - not allowed to ask (a managed service)
            log.warning("journey analytics: naming the copy by its URL (%s)", exc)
            known = _IDENTITIES[db.url] = db.url
            return known
        known = _IDENTITIES[db.url] = f"postgresql:{system_id}:{name}"
    return known


def _epoch(d: Dialect, column: str) -> str:
    if d.name == "sqlite":
        return f"unixepoch(substr({column}, 1, 19))"
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"


def _literal(d: Dialect, epoch: int) -> str:
    when = datetime.fromtimestamp(max(int(epoch), 0), UTC)
    if d.name == "sqlite":
        return "'" + when.strftime("%Y-%m-%d %H:%M:%S.%f") + "'"
    return f"TIMESTAMPTZ '{when.isoformat()}'"


def _json_text(d: Dialect, column: str) -> str:
    return f"CAST({column} AS TEXT)" if d.name == "postgresql" else column


class ColumnarStore:
    """One DuckDB file; every use goes through one lock (a DuckDB connection is not shared)."""

    def __init__(self, path: Path | str) -> None:
        import duckdb

        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(self.path))
        self.lock = threading.RLock()
        self.last_sync = 0.0
        with self.lock:
            for ddl in _DDL:
                self._run(ddl)

    def close(self) -> None:
        with self.lock:
            self.con.close()

    def reset(self) -> None:
        """Delete the file and start an empty copy (the next sync rebuilds it).

        Erasure uses this: rows deleted inside DuckDB can linger in its free blocks, a new
        file cannot.
        """
        import duckdb

        with self.lock:
            self.con.close()
            _remove_files(self.path)
            self.con = duckdb.connect(str(self.path))
            for ddl in _DDL:
                self._run(ddl)
            self.last_sync = 0.0

    def _run(self, sql: str, params: list[Any] | None = None) -> None:
        """Execute and drain (DuckDB refuses new work while a result is unfinished)."""
        self.con.execute(sql, params or []).fetchall()

    def _scalar(self, sql: str) -> int:
        return int(self.con.execute(sql).fetchall()[0][0])

    # -- state ---------------------------------------------------------------
    def _get(self, key: str, default: int = 0) -> int:
        rows = self.con.execute("SELECT value FROM sync_state WHERE key = ?", [key]).fetchall()
        return int(rows[0][0]) if rows else default

    def _set(self, key: str, value: int) -> None:
        self._run(
            "INSERT INTO sync_state VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, int(value)],
        )

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        with self.lock:
            return [tuple(r) for r in self.con.execute(sql).fetchall()]

    # -- sync ----------------------------------------------------------------
    def sync(self, db: Database, *, max_age_seconds: float = 0.0) -> dict[str, int]:
        """Bring the copy up to date; skipped if the last sync is younger than max_age."""
        marker = reset_marker(self.path)
        if marker.exists():  # another process erased someone: start from an empty copy
            self.reset()
            marker.unlink(missing_ok=True)
        elif max_age_seconds and time.monotonic() - self.last_sync < max_age_seconds:
            return {"interactions": 0, "people": 0, "merges": 0}
        with self.lock:
            d = Dialect(db.dialect)
            started = int(time.time())
            raw = db.read_engine.raw_connection()
            try:
                stats = {
                    "people": self._sync_people(raw, d),
                    "interactions": self._sync_interactions(raw, d),
                    "merges": self._sync_merges(raw, d),
                }
                self._set("last_sync_started", started)
            finally:
                raw.close()
            self.last_sync = time.monotonic()
            return stats

    def _register(self, cols: list[str], rows: list[tuple[Any, ...]]) -> None:
        columns = list(zip(*rows, strict=True))
        data = {n: np.array(v, dtype=object) for n, v in zip(cols, columns, strict=True)}
        self.con.register("_batch", data)

    def _insert_batch(self, table: str, cols: list[str], where: str = "") -> None:
        types = self._types(table)
        select = ", ".join(f"CAST(b.{c} AS {types[c]}) AS {c}" for c in cols)
        self._run(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM _batch b {where}")

    def _load(
        self, table: str, cols: list[str], rows: list[tuple[Any, ...]], where: str = ""
    ) -> int:
        if not rows:
            return 0
        self._register(cols, rows)
        try:
            before = self._scalar(f"SELECT COUNT(*) FROM {table}")
            self._insert_batch(table, cols, where)
            after = self._scalar(f"SELECT COUNT(*) FROM {table}")
        finally:
            self.con.unregister("_batch")
        return int(after) - int(before)

    def _types(self, table: str) -> dict[str, str]:
        rows = self.con.execute(f"DESCRIBE {table}").fetchall()
        return {r[0]: r[1] for r in rows}

    def _sync_interactions(self, raw: Any, d: Dialect) -> int:
        high = self._get("interactions_max_id")
        # SQLite has one writer at a time, so ids commit in order; PostgreSQL does not.
        start = max(0, high - LOOKBACK_IDS) if d.name == "postgresql" else high
        sql = (
            f"SELECT i.id, i.workspace_id, i.person_id, {_epoch(d, 'i.occurred_at')}, i.channel, i.type, "
            f"i.direction, i.touchpoint_id, i.rating, i.rating_scale, i.conversation_id, "
            f"{_json_text(d, 'i.attributes')} FROM interactions i WHERE i.id > {int(start)} ORDER BY i.id"
        )
        cursor = raw.cursor()
        cursor.execute(sql)
        added = 0
        first = True
        while True:
            rows = cursor.fetchmany(BATCH_ROWS)
            if not rows:
                break
            anti = ""
            if first and start < high:
                anti = f"WHERE b.id NOT IN (SELECT id FROM interactions WHERE id > {int(start)})"
            first = False
            added += self._load("interactions", _I_COLS, [tuple(r) for r in rows], anti)
            high = max(high, int(rows[-1][0]))
        cursor.close()
        self._set("interactions_max_id", high)
        return added

    def _logged_people(self, raw: Any, copied: bool) -> tuple[str, dict[int, int]]:
        """SQL naming the people the journey change log lists since the last sync (each
        workspace's version and its log read in one statement), and the versions reached.
        A workspace whose log may have been pruned since (or that names very many people),
        or that a copy made before this log (`copied`) never followed, has all its people
        read again."""
        cursor = raw.cursor()
        cursor.execute("SELECT workspace_id FROM journey_data_versions ORDER BY 1")
        workspaces = [int(r[0]) for r in cursor.fetchall()]
        parts: list[str] = []
        reached: dict[int, int] = {}
        for ws in workspaces:
            seen = self._get(f"people_log_version:{ws}")
            cursor.execute(
                "SELECT v.version, c.person_id FROM journey_data_versions v "
                "LEFT JOIN journey_person_changes c ON c.workspace_id = v.workspace_id "
                f"AND c.version > {seen} AND c.version <= v.version WHERE v.workspace_id = {ws}"
            )
            rows = cursor.fetchall()
            if not rows or int(rows[0][0]) <= seen:
                continue
            version = int(rows[0][0])
            named = sorted({int(r[1]) for r in rows if r[1] is not None})
            if seen and version - seen <= KEEP_LOGGED_VERSIONS and len(named) <= MAX_LOGGED_PEOPLE:
                if named:
                    parts.append(f"p.id IN ({', '.join(map(str, named))})")
            elif seen or copied:  # the log may not reach back: everyone of the workspace
                parts.append(f"p.workspace_id = {ws}")
            # An empty copy: every person is new to it anyway.
            reached[ws] = version
        cursor.close()
        return (" OR ".join(parts) or "1 = 0"), reached

    def _sync_people(self, raw: Any, d: Dialect) -> int:
        """New people, people updated since the watermark (minus a margin for late commits)
        and people the journey change log names since the last sync."""
        high_id = self._get("people_max_id")
        # Read before the people (a person changed after it is named again next time).
        logged, reached = self._logged_people(raw, copied=high_id > 0)
        # Rows updated since the previous sync began, less a margin for slow transactions.
        since = _literal(d, self._get("last_sync_started") - LOOKBACK_SECONDS)
        upd = _epoch(d, "p.updated_at")
        sql = (
            f"SELECT p.id, p.workspace_id, p.audience, p.segment, p.language, "
            f"{_json_text(d, 'p.traits')}, p.merged_into_id, {_epoch(d, 'p.created_at')}, {upd} "
            f"FROM people p WHERE p.id > {int(high_id)} OR p.updated_at >= {since} "
            f"OR {logged} ORDER BY p.id"
        )
        cursor = raw.cursor()
        cursor.execute(sql)
        changed = 0
        # A person is replaced when any copied column differs.
        same = " AND ".join(f"q.{c} IS NOT DISTINCT FROM b.{c}" for c in _P_COLS[1:])
        while True:
            rows = [tuple(r) for r in cursor.fetchmany(BATCH_ROWS)]
            if not rows:
                break
            fresh = f"NOT EXISTS (SELECT 1 FROM people q WHERE q.id = b.id AND {same})"
            self._register(_P_COLS, rows)
            try:
                self._run(f"DELETE FROM people WHERE id IN (SELECT id FROM _batch b WHERE {fresh})")
                mid = self._scalar("SELECT COUNT(*) FROM people")
                self._insert_batch("people", _P_COLS, f"WHERE {fresh}")
                after = self._scalar("SELECT COUNT(*) FROM people")
                changed += int(after) - int(mid)
            finally:
                self.con.unregister("_batch")
            high_id = max(high_id, max(int(r[0]) for r in rows))
        cursor.close()
        self._set("people_max_id", high_id)
        for ws, version in reached.items():
            self._set(f"people_log_version:{ws}", version)
        return changed

    def _sync_merges(self, raw: Any, d: Dialect) -> int:
        """Replay merges (and undos) recorded since the last sync on the copied rows."""
        high_id = self._get("merges_max_id")
        undone_ts = self._get("merges_max_undone")
        und = _epoch(d, "m.undone_at")
        sql = (
            f"SELECT m.id, m.survivor_id, m.merged_id, {_json_text(d, 'm.moved_interaction_ids')}, "
            f"{und} FROM person_merges m WHERE m.id > {int(high_id)} "
            f"OR (m.undone_at IS NOT NULL AND {und} >= {int(undone_ts)}) ORDER BY m.id"
        )
        cursor = raw.cursor()
        cursor.execute(sql)
        rows = cursor.fetchall()
        cursor.close()
        for mid, survivor, merged, moved, undone in rows:
            ids = moved if isinstance(moved, list) else orjson.loads(moved or "[]")
            if ids and int(mid) > high_id:
                self._run(
                    f"UPDATE interactions SET person_id = {int(survivor)} "
                    f"WHERE id IN ({', '.join(str(int(x)) for x in ids)})"
                )
            if ids and undone is not None:
                self._run(
                    f"UPDATE interactions SET person_id = {int(merged)} "
                    f"WHERE id IN ({', '.join(str(int(x)) for x in ids)})"
                )
            high_id = max(high_id, int(mid))
            if undone is not None:
                undone_ts = max(undone_ts, int(undone) + 1)
        self._set("merges_max_id", high_id)
        self._set("merges_max_undone", undone_ts)
        return len(rows)

    def publish(self) -> Path:
        """Write a read-only snapshot of the copy and swap it in atomically; returns its path.

        The snapshot is built in a new file under a temporary name (readers never see it
        half-written), then renamed over the previous snapshot: a reader that still has the
        previous one open keeps reading it until it reopens.
        """
        target = snapshot_path(self.path)
        temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        with self.lock:
            _remove_files(temporary)
            self._run(f"ATTACH '{_sql_path(temporary)}' AS snapshot")
            try:
                for table in ("interactions", "people", "sync_state"):
                    self._run(f"CREATE TABLE snapshot.{table} AS SELECT * FROM main.{table}")
            finally:
                self._run("DETACH snapshot")
            os.replace(temporary, target)
            _remove_files(temporary)  # a stray WAL of the temporary name, if any
        return target

    def counts(self) -> dict[str, int]:
        with self.lock:
            return {
                t: self._scalar(f"SELECT COUNT(*) FROM {t}") for t in ("interactions", "people")
            }


class DuckEngine:
    """The query-layer engine over a ColumnarStore."""

    def __init__(self, store: ColumnarStore) -> None:
        self.store = store
        self.dialect = Dialect("duckdb")

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        return self.store.fetch(sql)


def snapshot_path(path: Path) -> Path:
    """Where the owner of the working file `path` publishes its read-only snapshots."""
    return path.with_name(path.name.removesuffix(".duckdb") + ".snapshot.duckdb")


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


class SnapshotReader:
    """Queries on the newest published snapshot, through a read-only DuckDB connection.

    Each query checks (one `stat`) whether a newer snapshot was renamed into place and then
    reopens; a snapshot older than `max_age_seconds` counts as missing (its owner stopped),
    so callers fall back to SQL rather than answer from old data.
    """

    def __init__(self, path: Path | str, *, max_age_seconds: float = 600.0) -> None:
        self.path = Path(path)
        self.max_age_seconds = max_age_seconds
        self.lock = threading.RLock()
        self.con: Any = None
        self.opened: tuple[int, int, int] | None = None
        self.dialect = Dialect("duckdb")
        self.reopened = 0

    def _identity(self) -> tuple[int, int, int] | None:
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            return None
        if time.time() - found.st_mtime > self.max_age_seconds:
            return None
        return (found.st_ino, found.st_mtime_ns, found.st_size)

    def _close(self) -> None:
        if self.con is not None:
            self.con.close()
        self.con = None
        self.opened = None

    def available(self) -> bool:
        with self.lock:
            return self._connection() is not None

    def _connection(self) -> Any:
        identity = self._identity()
        if identity is None:
            self._close()
            return None
        if identity != self.opened:
            import duckdb

            # Closed first: DuckDB hands a new connection to a path it still has open the
            # same (old) database instead of reading the file again.
            self._close()
            self.con = duckdb.connect(str(self.path), read_only=True)
            self.opened = identity
            self.reopened += 1
        return self.con

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        with self.lock:
            con = self._connection()
            if con is None:
                raise FileNotFoundError(f"no current snapshot at {self.path}")
            return [tuple(r) for r in con.execute(sql).fetchall()]

    def close(self) -> None:
        with self.lock:
            self._close()


_READERS: dict[str, SnapshotReader] = {}


def reader_for(
    db: Database, path: Path | str | None = None, *, max_age_seconds: float = 600.0
) -> SnapshotReader | None:
    """This process's reader of the published snapshot, or None while there is none."""
    target = str(snapshot_path(Path(path) if path else default_path(db)))
    with _STORES_LOCK:
        reader = _READERS.get(target)
        if reader is None:
            reader = _READERS[target] = SnapshotReader(target, max_age_seconds=max_age_seconds)
    try:
        return reader if reader.available() else None
    except Exception as exc:  # noqa: BLE001 - a broken snapshot: answer from SQL
        log.warning("journey analytics: snapshot unavailable (%s); using SQL", exc)
        return None


def refresh_loop(
    db: Database,
    stop: threading.Event,
    *,
    path: Path | str | None = None,
    every_seconds: float = 30.0,
) -> None:
    """The owner's loop: sync the working copy and publish a snapshot, every `every_seconds`.

    Run by exactly one worker role (`sada worker --analytics-owner`); a second owner started
    by mistake cannot open the working file (DuckDB's lock) and keeps retrying harmlessly.
    """
    while not stop.is_set():
        started = time.monotonic()
        try:
            store = store_for(db, path)
            if store is not None:
                store.sync(db)
                store.publish()
        except Exception:  # noqa: BLE001 - the next round tries again
            log.exception("journey analytics: refreshing the snapshot failed")
        stop.wait(max(0.5, every_seconds - (time.monotonic() - started)))


_STORES: dict[str, ColumnarStore] = {}
_STORES_LOCK = threading.Lock()


def store_for(db: Database, path: Path | str | None = None) -> ColumnarStore | None:
    """The process's store for this database, or None when DuckDB cannot open it."""
    target = str(Path(path) if path else default_path(db))
    with _STORES_LOCK:
        store = _STORES.get(target)
        if store is None:
            try:
                store = ColumnarStore(target)
            except Exception as exc:  # another process holds the file, or no duckdb
                log.warning("journey analytics: columnar copy unavailable (%s); using SQL", exc)
                return None
            _STORES[target] = store
        return store


def reset_marker(path: Path) -> Path:
    return path.with_name(path.name + ".reset")


def _remove_files(path: Path) -> None:
    for extra in ("", ".wal"):
        path.with_name(path.name + extra).unlink(missing_ok=True)


def reset_copies(db: Database, path: Path | str | None = None) -> None:
    """Throw the columnar copy away after an erasure (it is rebuilt from the database).

    This process's copy is reset at once. A copy another process holds (DuckDB's lock) gets a
    marker file that its next sync obeys before reading anything.
    """
    target = Path(path) if path else default_path(db)
    snapshot_path(target).unlink(missing_ok=True)  # readers answer from SQL until the next one
    with _STORES_LOCK:
        store = _STORES.get(str(target))
    if store is not None:
        store.reset()
        return
    if not target.exists():
        return
    try:
        import duckdb

        duckdb.connect(str(target)).close()  # fails while another process holds it
    except Exception:  # noqa: BLE001 - held elsewhere: leave a marker for its owner
        reset_marker(target).touch()
        return
    _remove_files(target)


def close_stores() -> None:
    with _STORES_LOCK:
        for store in _STORES.values():
            store.close()
        _STORES.clear()
        for reader in _READERS.values():
            reader.close()
        _READERS.clear()
