"""Reading import files: their fields, encodings, rows and the progress file beside them.

The pieces `sada.interactions.importer.run_import` puts together:

- fields: `check_field` / `is_item_field` (the item field a column or `--map` names),
  `set_path` (a dotted field into an item), `row_hash` (the external id of a row without one)
- decoding: `detect_encoding` (UTF-8 with or without BOM, UTF-16 with BOM), `check_decodable`
  (refuses the file before a single row is stored, naming the line and byte), `LineSource`,
  `sniff_delimiter`
- records: `plan_columns` (which column goes where, and which go to `attributes`), `csv_item`,
  `jsonl_item`, `apply_defaults`
- progress: `fingerprint`, `progress_path`, `write_atomic` (`FILE.progress.json`)

`ImportError_` is raised when the file cannot be imported at all; nothing was stored.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from sada.interactions.schemas import IngestItem
from sada.people.schemas import PersonRef

DELIMITERS = [",", ";", "\t", "|"]
HEAD_BYTES = 1024 * 1024
PROGRESS_VERSION = 1

ITEM_FIELDS = frozenset(IngestItem.model_fields) - {"person", "attributes"}
PERSON_FIELDS = frozenset(PersonRef.model_fields) - {"traits", "external_ids", "handles"}
PERSON_DICTS = ("traits", "external_ids", "handles")
REQUIRED_FROM_FILE = ("occurred_at", "channel")

csv.field_size_limit(16 * 1024 * 1024)


class ImportError_(Exception):  # noqa: N801 - the CLI imports this name
    """The file cannot be imported at all (encoding, header, mapping); nothing was stored."""


# ---------------------------------------------------------------- fields


def check_field(name: str) -> str:
    """Return the canonical dotted path of an item field, or raise ImportError_."""
    parts = name.strip().split(".")
    if len(parts) == 1 and parts[0] in ITEM_FIELDS:
        return parts[0]
    if parts[0] == "attributes" and len(parts) == 2 and parts[1]:
        return name.strip()
    if parts[0] == "person":
        if len(parts) == 2 and parts[1] in PERSON_FIELDS:
            return name.strip()
        if len(parts) == 3 and parts[1] in PERSON_DICTS and parts[2]:
            return name.strip()
    raise ImportError_(
        f"unknown field {name!r}: use one of {', '.join(sorted(ITEM_FIELDS))}, "
        f"person.{{{','.join(sorted(PERSON_FIELDS))}}}, person.traits.NAME, "
        "person.external_ids.SYSTEM, person.handles.NETWORK or attributes.NAME"
    )


def is_item_field(name: str) -> bool:
    try:
        check_field(name)
    except ImportError_:
        return False
    return True


def set_path(item: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    target = item
    for part in parts[:-1]:
        nxt = target.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            target[part] = nxt
        target = nxt
    target[parts[-1]] = value


def row_hash(values: list[str] | str) -> str:
    """A stable external_id from a row's content (the same row always hashes the same)."""
    data = values if isinstance(values, str) else "\x1f".join(values)
    return "row-" + hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()[:40]


# ---------------------------------------------------------------- decoding


@dataclass
class Decoded:
    encoding: str  # "utf-8", "utf-8-sig", "utf-16-le", "utf-16-be"
    bom: int  # bytes of byte order mark to skip


def detect_encoding(path: Path) -> Decoded:
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(b"\xef\xbb\xbf"):
        return Decoded("utf-8", 3)
    if head.startswith(b"\xff\xfe"):
        return Decoded("utf-16-le", 2)
    if head.startswith(b"\xfe\xff"):
        return Decoded("utf-16-be", 2)
    return Decoded("utf-8", 0)


def _bad_bytes_message(path: Path, line: int, offset: int, chunk: bytes, encoding: str) -> str:
    shown = " ".join(f"0x{b:02x}" for b in chunk[:4])
    return (
        f"{path.name}: line {line}, byte {offset:,} ({shown}) is not valid {encoding.upper()}. "
        "Save the file as UTF-8 (with or without BOM) or UTF-16 with BOM and import it again; "
        "nothing was imported."
    )


def check_decodable(path: Path, enc: Decoded) -> None:
    """Refuse the file before storing anything if any byte cannot be decoded."""
    if enc.encoding == "utf-8":
        offset = 0
        with path.open("rb") as fh:
            for line_no, raw in enumerate(fh, 1):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise ImportError_(
                        _bad_bytes_message(
                            path, line_no, offset + exc.start, raw[exc.start :], "utf-8"
                        )
                    ) from None
                offset += len(raw)
        return
    data = path.read_bytes()[enc.bom :]
    try:
        data.decode(enc.encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(enc.encoding, "replace").count("\n") + 1
        raise ImportError_(
            _bad_bytes_message(path, line, enc.bom + exc.start, data[exc.start :], enc.encoding)
        ) from None


class LineSource:
    """Decoded physical lines (newlines kept) with the bytes consumed so far."""

    def __init__(self, path: Path, enc: Decoded, counter: list[int]) -> None:
        self.path = path
        self.enc = enc
        self.counter = counter  # [bytes consumed]

    def __iter__(self) -> Iterator[str]:
        if self.enc.encoding == "utf-8":
            with self.path.open("rb") as fh:
                fh.seek(self.enc.bom)
                self.counter[0] = self.enc.bom
                for raw in fh:
                    self.counter[0] += len(raw)
                    yield raw.decode("utf-8")
            return
        text = self.path.read_bytes()[self.enc.bom :].decode(self.enc.encoding)
        self.counter[0] = self.enc.bom
        for line in io.StringIO(text, newline=""):
            self.counter[0] += len(line.encode(self.enc.encoding, "surrogatepass"))
            yield line


def sniff_delimiter(lines: list[str]) -> str:
    """Pick the delimiter that gives the header several columns and the rows the same count."""
    best, best_score = ",", (-1, -1)
    sample = "".join(lines)
    for delim in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO(sample, newline=""), delimiter=delim))
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        # drop the last row: the sample may cut it short
        body = rows[1:-1] if len(rows) > 2 else rows[1:]
        consistent = sum(1 for r in body if len(r) == width)
        score = (consistent, width)
        if score > best_score:
            best, best_score = delim, score
    return best


# ---------------------------------------------------------------- records


@dataclass
class Record:
    line: int
    original: list[str]  # what goes to the rejects file after line and errors
    item: dict[str, Any] | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Plan:
    """How CSV columns become item fields."""

    header: list[str]
    targets: list[str | None]  # per column: dotted field path, or None to ignore
    unknown: list[str]
    source_column: bool
    external_id_column: bool


def plan_columns(header: list[str], mapping: dict[str, str]) -> Plan:
    if not header or all(not h.strip() for h in header):
        raise ImportError_("the first line must be a header naming the columns")
    stripped = [h.strip() for h in header]
    dupes = sorted({h for h in stripped if stripped.count(h) > 1})
    if dupes:
        raise ImportError_(f"duplicate column name(s) in the header: {', '.join(dupes)}")
    targets: list[str | None] = [None] * len(stripped)
    index = {h: i for i, h in enumerate(stripped)}
    for field_name, column in mapping.items():
        path = check_field(field_name)
        col = column.strip()
        if col not in index:
            raise ImportError_(
                f"--map {field_name}={column}: no column {column!r}; "
                f"the file has {', '.join(repr(h) for h in stripped)}"
            )
        if targets[index[col]] is not None:
            raise ImportError_(f"column {column!r} is mapped twice")
        targets[index[col]] = path
    mapped_paths = {t for t in targets if t}
    unknown: list[str] = []
    for i, name in enumerate(stripped):
        if targets[i] is not None or not name:
            continue
        if name in mapping.values():
            continue
        if is_item_field(name):
            path = check_field(name)
            if path not in mapped_paths:
                targets[i] = path
                mapped_paths.add(path)
            continue
        targets[i] = f"attributes.{name}"
        unknown.append(name)
    missing = [f for f in REQUIRED_FROM_FILE if f not in mapped_paths]
    if missing:
        raise ImportError_(
            f"no column for {', '.join(missing)}: name a column like that or use "
            f"--map FIELD=COLUMN (columns: {', '.join(repr(h) for h in stripped)})"
        )
    return Plan(
        header=stripped,
        targets=targets,
        unknown=unknown,
        source_column="source" in mapped_paths,
        external_id_column="external_id" in mapped_paths,
    )


def csv_item(plan: Plan, values: list[str], source: str) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for target, value in zip(plan.targets, values, strict=False):
        if target is None or value == "":
            continue
        set_path(item, target, value)
    return apply_defaults(item, source, lambda: row_hash(values))


def apply_defaults(item: dict[str, Any], source: str, digest: Any) -> dict[str, Any]:
    item.setdefault("source", source)
    item.setdefault("direction", "inbound")
    item.setdefault("type", "message")
    if item.get("external_id") in (None, ""):
        item["external_id"] = digest()
    return item


def jsonl_item(
    obj: dict[str, Any], mapping: dict[str, str], source: str, line_text: str
) -> tuple[dict[str, Any], list[str]]:
    """Apply mapping and defaults to a JSONL object; unknown keys move to attributes."""
    item: dict[str, Any] = {}
    used: set[str] = set()
    for field_name, key in mapping.items():
        if key in obj:
            used.add(key)
            if obj[key] not in (None, ""):
                set_path(item, check_field(field_name), obj[key])
    unknown: list[str] = []
    for key, value in obj.items():
        if key in used:
            continue
        if key in ITEM_FIELDS or key in ("person", "attributes"):
            if key == "attributes" and isinstance(value, dict) and "attributes" in item:
                item["attributes"] = {**value, **item["attributes"]}
            elif key not in item:
                item[key] = value
        elif "." in key and is_item_field(key):
            set_path(item, check_field(key), value)
        else:
            unknown.append(key)
            attrs = item.get("attributes")
            if not isinstance(attrs, dict):
                attrs = {}
                item["attributes"] = attrs
            attrs.setdefault(key, value)
    return apply_defaults(item, source, lambda: row_hash(line_text.strip())), unknown


# ---------------------------------------------------------------- progress file


def fingerprint(path: Path) -> dict[str, Any]:
    stat = path.stat()
    with path.open("rb") as fh:
        head = hashlib.sha256(fh.read(HEAD_BYTES)).hexdigest()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "head_sha256": head}


def progress_path(path: Path) -> Path:
    return path.with_name(path.name + ".progress.json")


def write_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as fh:
        fh.write(orjson.dumps(data, option=orjson.OPT_INDENT_2))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
