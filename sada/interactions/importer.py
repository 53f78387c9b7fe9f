"""`sada import interactions FILE`: CSV and JSONL files into the interaction log.

Why it is built this way:

- Every batch goes through `ingest_batch` in its own transaction, so imported rows get
  exactly the validation, identity resolution and jobs that API items get.
- Re-runs are safe: each row has a `source` + `external_id` (taken from the file, or a
  hash of the row's content when the file has none), unique per workspace, so a row is
  never stored twice. After a crash, `FILE.progress.json` (rows committed, plus the
  file's size, mtime and a hash of its first MB) lets the next run skip what is done;
  if the file changed, the run starts over and the database's uniqueness does the rest.
- Encodings: UTF-8 with or without BOM, UTF-16 LE/BE with BOM. Anything else is refused
  before a single row is stored, naming the line and byte of the first undecodable data.
- Columns: `--map FIELD=COLUMN` (FIELD like `text`, `person.email`,
  `person.traits.segment`, `attributes.order_id`). Columns named like item fields
  (dotted names for nesting) are used as is. **Other columns go to `attributes.<column>`**
  and a warning listing them is printed once, so nothing in the file is silently lost.
  JSONL objects are items; unknown top-level keys likewise go to `attributes`.
- Defaults: `source` from the option, `direction` inbound, `type` message; `channel`
  and `occurred_at` must come from the file.
- Rejected rows go to a CSV file (UTF-8 with BOM so spreadsheet programs read Arabic,
  Persian and Chinese correctly) with the line number, the error paths and messages,
  and the original row.

Reading the file (fields, encodings, rows, the progress file) is `sada.interactions.import_files`.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from sada.core.spreadsheets import guard_cell
from sada.db.engine import Database
from sada.interactions.import_files import (
    PROGRESS_VERSION,
    ImportError_,
    LineSource,
    Record,
    check_decodable,
    check_field,
    csv_item,
    detect_encoding,
    fingerprint,
    jsonl_item,
    plan_columns,
    progress_path,
    sniff_delimiter,
    write_atomic,
)
from sada.interactions.ingest import ingest_batch
from sada.interactions.service import IngestLimits
from sada.tenants.service import record_audit

# Audit action that records a rejects file's path (read by privacy erasure).
REJECTS_AUDIT_ACTION = "import.rejects_file"


# ---------------------------------------------------------------- the import


def run_import(
    db: Database,
    workspace_id: int,
    path: Path,
    *,
    source: str = "import",
    mapping: dict[str, str] | None = None,
    rejects_path: Path | None = None,
    batch_size: int = 500,
    fmt: str | None = None,
    console: Console | None = None,
) -> dict[str, Any]:
    """Import a CSV or JSONL file; return {rows, stored, duplicates, rejected, rejects_file,
    resumed_from}. Counts include rows committed by an interrupted earlier run that this
    run resumed from. Raises ImportError_ when the file cannot be imported at all."""
    path = Path(path)
    mapping = {k.strip(): v for k, v in (mapping or {}).items()}
    for name in mapping:
        check_field(name)
    console = console or Console(stderr=True)
    batch_size = max(1, min(batch_size, IngestLimits().max_items))
    fmt = (fmt or _format_from_name(path)).lower()
    if fmt not in ("csv", "jsonl"):
        raise ImportError_(f"unknown format {fmt!r}: use csv or jsonl")
    if not path.is_file():
        raise ImportError_(f"{path}: no such file")

    enc = detect_encoding(path)
    check_decodable(path, enc)

    rejects_path = (
        Path(rejects_path) if rejects_path else path.with_name(path.name + ".rejects.csv")
    )
    ppath = progress_path(path)
    finger = fingerprint(path)
    identity = {
        "workspace_id": workspace_id,
        "source": source,
        "mapping": mapping,
        "format": fmt,
        "rejects_file": str(rejects_path),
    }
    state = _load_progress(ppath, finger, identity)
    resumed_from = state["rows_done"] if state else 0
    totals = {
        "stored": state["stored"] if state else 0,
        "duplicates": state["duplicates"] if state else 0,
        "rejected": state["rejected"] if state else 0,
    }

    counter = [0]
    lines = LineSource(path, enc, counter)
    records: Iterator[Record]
    header: list[str]
    if fmt == "csv":
        records, header, warning = _csv_records(lines, mapping, source)
    else:
        records, header, warning = _jsonl_records(lines, mapping, source, console)
    if warning:
        console.print(warning)

    if not state:
        rejects_path.unlink(missing_ok=True)  # a stale file from an earlier, finished run
    rejects = _Rejects(rejects_path, header, state["rejects_bytes"] if state else None)
    rows_done = 0
    limits = IngestLimits()

    def checkpoint(done: int) -> None:
        write_atomic(
            ppath,
            {
                "version": PROGRESS_VERSION,
                "file": finger,
                **identity,
                "rows_done": done,
                **totals,
                "rejects_bytes": rejects.size(),
            },
        )

    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        DownloadColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task(f"importing {path.name}", total=finger["size"], rows=0)
            if resumed_from:
                console.print(f"resuming after {resumed_from:,} rows committed by an earlier run")
            pending: list[Record] = []
            good = 0

            def flush() -> None:
                nonlocal rows_done, good
                good = 0
                _store(db, workspace_id, pending, limits, totals, rejects)
                rows_done += len(pending)
                checkpoint(rows_done)
                pending.clear()
                progress.update(task, completed=counter[0], rows=rows_done)

            for record in records:
                if rows_done + len(pending) < resumed_from:
                    rows_done += 1
                    if rows_done % 1000 == 0:
                        progress.update(task, completed=counter[0], rows=rows_done)
                    continue
                pending.append(record)
                good += record.item is not None
                if good >= batch_size or len(pending) >= 10 * batch_size:
                    flush()
            if pending:
                flush()
            progress.update(task, completed=finger["size"], rows=rows_done)
    finally:
        rejects.close()

    ppath.unlink(missing_ok=True)
    if totals["rejected"]:
        # Remember the file Sada wrote, so erasing a person also clears their rejected rows.
        with db.transaction(workspace_id) as session:
            record_audit(
                session,
                None,
                REJECTS_AUDIT_ACTION,
                "file",
                rejects_path.name,
                {"path": str(rejects_path.resolve()), "rejected": totals["rejected"]},
            )
    return {
        "rows": rows_done,
        "stored": totals["stored"],
        "duplicates": totals["duplicates"],
        "rejected": totals["rejected"],
        "rejects_file": str(rejects_path) if totals["rejected"] else None,
        "resumed_from": resumed_from,
    }


def _format_from_name(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".txt", ".psv"):
        return "csv"
    raise ImportError_(f"cannot tell the format of {path.name}; pass --format csv or jsonl")


def _load_progress(
    ppath: Path, finger: dict[str, Any], identity: dict[str, Any]
) -> dict[str, Any] | None:
    if not ppath.exists():
        return None
    try:
        state = orjson.loads(ppath.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if (
        not isinstance(state, dict)
        or state.get("version") != PROGRESS_VERSION
        or state.get("file") != finger
        or any(state.get(k) != v for k, v in identity.items())
    ):
        return None  # the file or the options changed: start over (uniqueness keeps it safe)
    return state


def _store(
    db: Database,
    workspace_id: int,
    records: list[Record],
    limits: IngestLimits,
    totals: dict[str, int],
    rejects: _Rejects,
) -> None:
    good = [r for r in records if r.item is not None]
    if good:
        with db.transaction(workspace_id) as session:
            results = ingest_batch(session, [r.item for r in good], limits=limits)
        for result in results:
            record = good[result.index]
            if result.status == "stored":
                totals["stored"] += 1
            elif result.status == "duplicate":
                totals["duplicates"] += 1
            else:
                record.errors.extend((_field_path(e.path), e.message) for e in result.errors)
    for record in records:
        if record.errors:
            totals["rejected"] += 1
            rejects.write(record)


def _field_path(path: str) -> str:
    if path.startswith("items["):
        rest = path.split("]", 1)[1].lstrip(".")
        return rest or "(row)"
    return path


def _csv_records(
    lines: LineSource, mapping: dict[str, str], source: str
) -> tuple[Iterator[Record], list[str], str | None]:
    line_iter = iter(lines)
    head: list[str] = []
    for line in line_iter:
        head.append(line)
        if len(head) >= 50:
            break
    if not head or not head[0].strip():
        raise ImportError_("the file is empty or its first line is blank; it needs a header")
    delimiter = sniff_delimiter(head)

    def all_lines() -> Iterator[str]:
        yield from head
        yield from line_iter

    reader = csv.reader(all_lines(), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise ImportError_(f"cannot read the header line: {exc}") from None
    plan = plan_columns(header, mapping)
    warning = None
    if plan.unknown:
        warning = (
            f"[yellow]note:[/yellow] column(s) {', '.join(repr(c) for c in plan.unknown)} "
            "are not item fields; storing them under attributes.<column> "
            "(use --map FIELD=COLUMN to put them elsewhere)"
        )

    def gen() -> Iterator[Record]:
        start = reader.line_num + 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Record(line=start, original=[], errors=[("(row)", f"unreadable row: {exc}")])
                start = reader.line_num + 1
                continue
            line, start = start, reader.line_num + 1
            if not values or (len(values) == 1 and not values[0].strip()):
                continue  # blank line
            if len(values) != len(plan.header):
                yield Record(
                    line=line,
                    original=values,
                    errors=[
                        (
                            "(row)",
                            f"row has {len(values)} fields; the header has {len(plan.header)}",
                        )
                    ],
                )
                continue
            yield Record(line=line, original=values, item=csv_item(plan, values, source))

    return gen(), ["line", "errors", *plan.header], warning


def _jsonl_records(
    lines: LineSource, mapping: dict[str, str], source: str, console: Console
) -> tuple[Iterator[Record], list[str], str | None]:
    def gen() -> Iterator[Record]:
        warned = False
        for line_no, line in enumerate(lines, 1):
            text = line.lstrip("\ufeff") if line_no == 1 else line
            if not text.strip():
                continue
            original = [text.rstrip("\r\n")]
            try:
                obj = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                yield Record(line_no, original, errors=[("(line)", f"invalid JSON: {exc}")])
                continue
            if not isinstance(obj, dict):
                yield Record(
                    line_no,
                    original,
                    errors=[("(line)", f"expected a JSON object, got {type(obj).__name__}")],
                )
                continue
            item, unknown = jsonl_item(obj, mapping, source, text)
            if unknown and not warned:
                warned = True
                console.print(
                    f"[yellow]note:[/yellow] line {line_no}: key(s) "
                    f"{', '.join(repr(k) for k in unknown)} are not item fields; storing "
                    "unknown keys under attributes.<key> (shown once)"
                )
            yield Record(line_no, original, item=item)

    return gen(), ["line", "errors", "json"], None


class _Rejects:
    """The rejects CSV; opened lazily, truncated to the checkpoint's size on resume."""

    def __init__(self, path: Path, header: list[str], resume_bytes: int | None) -> None:
        self.path = path
        self.header = header
        self.resume_bytes = resume_bytes
        self._fh: Any = None
        self._writer: Any = None
        self.rows_written = 0

    def _open(self) -> None:
        if self._fh is not None:
            return
        if self.resume_bytes and self.path.exists():
            self._fh = self.path.open("r+", encoding="utf-8", newline="")
            self._fh.truncate(self.resume_bytes)
            self._fh.seek(self.resume_bytes)
            self._writer = csv.writer(self._fh)
        else:
            self._fh = self.path.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._fh)
            self._writer.writerow([guard_cell(h) for h in self.header])

    def write(self, record: Record) -> None:
        self._open()
        errors = " | ".join(f"{p}: {m}" for p, m in record.errors)
        # Opened in a spreadsheet to fix: no cell of it may run as a formula.
        self._writer.writerow(
            [record.line, guard_cell(errors), *(guard_cell(v) for v in record.original)]
        )
        self.rows_written += 1

    def size(self) -> int:
        if self._fh is None:
            return self.resume_bytes or 0
        self._fh.flush()
        os.fsync(self._fh.fileno())
        return self._fh.tell()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


__all__ = ["ImportError_", "run_import"]
