"""Attachments of conversation messages: stored, listed and handed back safely.

What is kept. An `Attachment` row belongs to one interaction (an inbound mail, a message
posted through the API, an agent's reply) and says what the file claims to be and what it
is: its file name (sanitised, Persian, Arabic and Chinese names kept as written), the
content type as declared by the sender and as sniffed from its first bytes, its size and
SHA-256. The bytes live in an `AttachmentBlob`, shared by every attachment of the
workspace with the same SHA-256 (a logo in every signature, a file forwarded twice is
stored once).

Where the bytes live: in the database (`LargeBinary`), not under the data directory.
- One transaction: the message and its files are accepted together or not at all
  ("accept, then apply"); a crash leaves no orphan file and no row without its file.
- Several nodes (the production shape) share the database, not a file system.
- Backups, workspace deletion (cascade) and a person's erasure (`sada.privacy`, with
  SQLite's secure_delete) reach the files with the rows; nothing is left on a disk.
- The limits keep it reasonable: 10 MB a file, 25 MB a message, 20 files a message by
  default (`SADA_ATTACHMENT_MAX_BYTES`, `SADA_ATTACHMENT_MAX_MESSAGE_BYTES`,
  `SADA_ATTACHMENT_MAX_COUNT`); PostgreSQL's bytea and SQLite's blobs hold that well. A
  deployment with far larger files would move `AttachmentBlob.data` to object storage
  behind the same functions.

Over-limit files are refused with a reason (a code and its figures, rendered in the
reader's language) and the message itself is still stored.

How they are served (see `web_attachments`): always as a download
(`Content-Disposition: attachment` with an RFC 5987 `filename*`), `nosniff`, a sandboxing
CSP, and a content type chosen from the sniffed bytes: HTML, SVG, scripts and anything not
recognised go out as `application/octet-stream`. Only PNG, JPEG, GIF and WebP whose magic
bytes say so may be shown inline, as thumbnails.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    delete,
    exists,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from sada.core.errors import NotFound
from sada.db.base import Base, WorkspaceOwned
from sada.db.scoping import bound_workspace
from sada.db.types import BigIntId, UTCDateTime, utcnow

# Raster images a browser may show inline (after their magic bytes were checked).
INLINE_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# Types a download may carry as such (sniffed, never merely declared); the rest is octet-stream.
SAFE_TYPES = INLINE_IMAGES | {"application/pdf", "application/zip", "text/plain"}
OCTET = "application/octet-stream"
# Characters that reorder or hide text ("invoice\u202efdp.exe" shows as "invoiceexe.pdf").
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
# Joiners are part of Persian and Arabic words (می‌خواهم): kept.
_KEPT_FORMAT = frozenset("\u200c\u200d")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)
MAX_NAME = 200


class AttachmentBlob(Base, WorkspaceOwned):
    """The bytes of a file, once per workspace and SHA-256."""

    __tablename__ = "attachment_blobs"
    __table_args__ = (UniqueConstraint("workspace_id", "sha256"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class Attachment(Base, WorkspaceOwned):
    """A file of one message (interaction), as named and typed by its sender and as sniffed."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_ws_interaction", "workspace_id", "interaction_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    interaction_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("interactions.id", ondelete="CASCADE"), nullable=False
    )
    blob_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("attachment_blobs.id"), nullable=False, index=True
    )
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    declared_type: Mapped[str] = mapped_column(String(200), nullable=False, default=OCTET)
    sniffed_type: Mapped[str] = mapped_column(String(100), nullable=False, default=OCTET)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    inline: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


# ---------------------------------------------------------------- names and types


def sanitize_filename(name: str | None, sniffed_type: str = OCTET) -> str:
    """A file name safe to show and to offer as a download, its letters kept as written.

    Path parts, control and bidi-override characters, leading dots and trailing dots or
    spaces go; Unicode is normalised (NFC); the name is cut to 200 characters keeping its
    extension. A missing name becomes "attachment" with an extension from the sniffed type.
    """
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[/\\]", text)[-1]
    kept = []
    for ch in text:
        if ch in _KEPT_FORMAT:
            kept.append(ch)
        elif ch in _BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl"):
            continue
        elif ch in '<>:"|?*':
            kept.append("_")
        else:
            kept.append(ch)
    text = re.sub(r"\s+", " ", "".join(kept)).strip().lstrip(".").rstrip(". ")
    if _WINDOWS_RESERVED.match(text):
        text = "_" + text
    if not text:
        text = "attachment" + EXTENSIONS.get(sniffed_type, "")
    if len(text) > MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            text = stem[: MAX_NAME - len(ext) - 1].rstrip() + "." + ext
        else:
            text = text[:MAX_NAME]
    return text


EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/zip": ".zip",
    "text/plain": ".txt",
    "text/html": ".html",
}


def sniff(data: bytes) -> str:
    """The content type the first bytes show (magic numbers; markup looked for as text)."""
    head = data[:512]
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    if head.startswith(b"\x1f\x8b"):
        return "application/gzip"
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    for marker, kind in (
        (b"<svg", "image/svg+xml"),
        (b"<!doctype html", "text/html"),
        (b"<html", "text/html"),
        (b"<script", "text/html"),
        (b"<?xml", "application/xml"),
    ):
        if lowered.startswith(marker) or (kind != "application/xml" and marker in lowered):
            if kind == "application/xml" and b"<svg" in data[:4096].lower():
                return "image/svg+xml"
            return kind
    if b"\x00" not in head:
        try:
            data[:4096].decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError as exc:
            if exc.start >= 4090:  # a character cut by the 4 KB window
                return "text/plain"
    return OCTET


def served_type(sniffed_type: str) -> str:
    """The Content-Type a download goes out with: what the bytes are, if harmless, else octets."""
    if sniffed_type == "text/plain":
        return "text/plain; charset=utf-8"
    return sniffed_type if sniffed_type in SAFE_TYPES else OCTET


def kind_of(sniffed_type: str, filename: str) -> str:
    """A family for the type icon: pdf, image, text, archive, document, markup, file."""
    ext = filename.rpartition(".")[2].lower() if "." in filename else ""
    if sniffed_type == "application/pdf":
        return "pdf"
    if sniffed_type in INLINE_IMAGES:
        return "image"
    if sniffed_type in ("text/html", "image/svg+xml", "application/xml"):
        return "markup"
    if ext in ("doc", "docx", "odt", "rtf", "xls", "xlsx", "ods", "ppt", "pptx", "odp", "csv"):
        return "document"
    if sniffed_type in ("application/zip", "application/gzip") or ext in ("zip", "gz", "7z", "rar"):
        return "archive"
    if sniffed_type == "text/plain":
        return "text"
    return "file"


_MIME = re.compile(r"[a-z0-9!#$&^_.+-]{1,100}/[a-z0-9!#$&^_.+-]{1,100}")


def clean_declared_type(value: str | None) -> str:
    text = (value or "").split(";", 1)[0].strip().lower()
    return text if _MIME.fullmatch(text) else OCTET


# ---------------------------------------------------------------- limits


@dataclass(frozen=True)
class Limits:
    per_file: int = 10 * 1024 * 1024
    per_message: int = 25 * 1024 * 1024
    count: int = 20

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(
            per_file=int(settings.attachment_max_bytes),
            per_message=int(settings.attachment_max_message_bytes),
            count=int(settings.attachment_max_count),
        )


@dataclass
class Incoming:
    """A file on its way in: as named and typed by its sender, with its bytes."""

    filename: str | None
    declared_type: str | None
    data: bytes
    inline: bool = False


@dataclass
class Outcome:
    """What became of one incoming file: stored (with its id), duplicate, or refused."""

    filename: str
    status: str  # stored | duplicate | refused
    id: int | None = None
    reason: str | None = None  # too_large | message_too_large | too_many | empty
    limit: int | None = None
    size: int = 0
    sniffed_type: str = OCTET
    extra: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """The reason in English, for API answers and logs (pages translate the code)."""
        if self.reason == "too_large":
            return f"{self.size:,} bytes; a file may have at most {self.limit:,}"
        if self.reason == "message_too_large":
            return f"the message's files would exceed {self.limit:,} bytes together"
        if self.reason == "too_many":
            return f"a message may carry at most {self.limit} files"
        if self.reason == "empty":
            return "the file is empty"
        return ""


def judge(files: list[Incoming], limits: Limits, *, used: int = 0, held: int = 0) -> list[Outcome]:
    """Which files fit the limits, in order (no database): `used` bytes and `held` files
    already belong to the message."""
    out: list[Outcome] = []
    total, count = used, held
    for f in files:
        sniffed = sniff(f.data)
        o = Outcome(
            filename=sanitize_filename(f.filename, sniffed),
            status="stored",
            size=len(f.data),
            sniffed_type=sniffed,
        )
        if not f.data:
            o.status, o.reason = "refused", "empty"
        elif len(f.data) > limits.per_file:
            o.status, o.reason, o.limit = "refused", "too_large", limits.per_file
        elif count >= limits.count:
            o.status, o.reason, o.limit = "refused", "too_many", limits.count
        elif total + len(f.data) > limits.per_message:
            o.status, o.reason, o.limit = "refused", "message_too_large", limits.per_message
        else:
            total += len(f.data)
            count += 1
        out.append(o)
    return out


# ---------------------------------------------------------------- storing


def _blob(session: Session, data: bytes, digest: str) -> AttachmentBlob:
    found = session.execute(
        select(AttachmentBlob).where(AttachmentBlob.sha256 == digest)
    ).scalar_one_or_none()
    if found is not None:
        return found
    blob = AttachmentBlob(
        workspace_id=bound_workspace(session), sha256=digest, size=len(data), data=data
    )
    try:
        with session.begin_nested():  # another writer may store the same file at once
            session.add(blob)
            session.flush()
    except IntegrityError:
        return session.execute(
            select(AttachmentBlob).where(AttachmentBlob.sha256 == digest)
        ).scalar_one()
    return blob


def store(
    session: Session, interaction_id: int, files: list[Incoming], limits: Limits
) -> list[Outcome]:
    """Keep the files of one interaction (in the caller's transaction), within the limits.

    The same file (name and bytes) given twice for the same interaction is a duplicate, so
    a replayed request stores nothing twice."""
    existing = list(
        session.execute(
            select(Attachment.filename, Attachment.sha256, Attachment.size, Attachment.id).where(
                Attachment.interaction_id == interaction_id
            )
        )
    )
    known = {(r.filename, r.sha256): r.id for r in existing}
    outcomes = judge(files, limits, used=sum(r.size for r in existing), held=len(existing))
    for f, o in zip(files, outcomes, strict=True):
        if o.status != "stored":
            continue
        digest = hashlib.sha256(f.data).hexdigest()
        if (o.filename, digest) in known:
            o.status, o.id = "duplicate", known[(o.filename, digest)]
            continue
        blob = _blob(session, f.data, digest)
        row = Attachment(
            workspace_id=bound_workspace(session),
            interaction_id=interaction_id,
            blob_id=blob.id,
            filename=o.filename,
            declared_type=clean_declared_type(f.declared_type),
            sniffed_type=o.sniffed_type,
            size=len(f.data),
            sha256=digest,
            inline=f.inline,
        )
        session.add(row)
        session.flush()
        o.id = row.id
        known[(o.filename, digest)] = row.id
    return outcomes


def decode_api_files(items: Any) -> tuple[list[Incoming], list[dict[str, str]]]:
    """Attachments given as JSON (`filename`, `content_type`, base64 `data`): the files, and
    one error per bad field (`attachments.2.data: ...`), never an exception."""
    files: list[Incoming] = []
    errors: list[dict[str, str]] = []
    if not isinstance(items, list):
        return [], [{"path": "attachments", "message": "must be a list"}]
    for i, item in enumerate(items):
        path = f"attachments.{i}"
        before = len(errors)
        if not isinstance(item, dict):
            errors.append({"path": path, "message": "must be an object"})
            continue
        unknown = sorted(set(item) - {"filename", "content_type", "data", "inline"})
        for key in unknown:
            errors.append({"path": f"{path}.{key}", "message": "unknown field"})
        name = item.get("filename")
        if not isinstance(name, str) or not name.strip() or len(name) > 1000:
            errors.append(
                {"path": f"{path}.filename", "message": "a file name of 1 to 1000 characters"}
            )
        ctype = item.get("content_type", OCTET)
        if not isinstance(ctype, str) or not _MIME.fullmatch(ctype.split(";")[0].strip().lower()):
            errors.append(
                {"path": f"{path}.content_type", "message": "a MIME type such as application/pdf"}
            )
        raw = item.get("data")
        data = b""
        if not isinstance(raw, str) or not raw:
            errors.append({"path": f"{path}.data", "message": "the file's bytes in base64"})
        else:
            try:
                data = base64.b64decode("".join(raw.split()), validate=True)
            except (binascii.Error, ValueError):
                errors.append({"path": f"{path}.data", "message": "not valid base64"})
        inline = item.get("inline", False)
        if not isinstance(inline, bool):
            errors.append({"path": f"{path}.inline", "message": "true or false"})
        if len(errors) == before:
            files.append(Incoming(str(name), str(ctype), data, bool(inline)))
    return files, errors


# ---------------------------------------------------------------- reading


@dataclass
class AttachmentView:
    id: int
    interaction_id: int
    filename: str
    size: int
    declared_type: str
    sniffed_type: str
    served_type: str
    kind: str
    thumbnail: bool
    sha256: str

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _view(row: Attachment) -> AttachmentView:
    return AttachmentView(
        id=row.id,
        interaction_id=row.interaction_id,
        filename=row.filename,
        size=row.size,
        declared_type=row.declared_type,
        sniffed_type=row.sniffed_type,
        served_type=served_type(row.sniffed_type),
        kind=kind_of(row.sniffed_type, row.filename),
        thumbnail=row.sniffed_type in INLINE_IMAGES,
        sha256=row.sha256,
    )


def attachments_of(session: Session, interaction_ids: list[int]) -> dict[int, list[AttachmentView]]:
    """The attachments of these interactions, by interaction, in the order they came."""
    out: dict[int, list[AttachmentView]] = {}
    if not interaction_ids:
        return out
    rows = session.execute(
        select(Attachment)
        .where(Attachment.interaction_id.in_(interaction_ids))
        .order_by(Attachment.interaction_id, Attachment.id)
    ).scalars()
    for row in rows:
        out.setdefault(row.interaction_id, []).append(_view(row))
    return out


def access_attachment(
    session: Session, attachment_id: int, *, conversation_id: int | None = None
) -> tuple[AttachmentView, bytes]:
    """An attachment of this workspace (and of this conversation when given) with its bytes;
    the same NotFound for one that does not exist and one that is not the reader's."""
    from sada.cases.models import ConversationItem

    query = select(Attachment, AttachmentBlob.data).join(
        AttachmentBlob, AttachmentBlob.id == Attachment.blob_id
    )
    query = query.where(Attachment.id == attachment_id)
    if conversation_id is not None:
        query = query.where(
            exists().where(
                ConversationItem.conversation_id == conversation_id,
                ConversationItem.interaction_id == Attachment.interaction_id,
            )
        )
    found = session.execute(query).first()
    if found is None:
        raise NotFound(f"no attachment {attachment_id}")
    return _view(found[0]), bytes(found[1])


def files_for_mail(session: Session, interaction_id: int) -> list[tuple[str, str, bytes]]:
    """(file name, MIME type, bytes) of an interaction's attachments, for an outgoing mail."""
    rows = session.execute(
        select(Attachment, AttachmentBlob.data)
        .join(AttachmentBlob, AttachmentBlob.id == Attachment.blob_id)
        .where(Attachment.interaction_id == interaction_id)
        .order_by(Attachment.id)
    ).all()
    out = []
    for row, data in rows:
        mime = row.sniffed_type if row.sniffed_type in SAFE_TYPES else row.declared_type
        out.append((row.filename, mime or OCTET, bytes(data)))
    return out


def drop_unreferenced_blobs(session: Session, blob_ids: set[int]) -> int:
    """Delete the blobs among these that no attachment uses any more (after an erasure)."""
    if not blob_ids:
        return 0
    used = set(
        session.execute(
            select(Attachment.blob_id).where(Attachment.blob_id.in_(sorted(blob_ids)))
        ).scalars()
    )
    gone = sorted(blob_ids - used)
    if gone:
        session.execute(delete(AttachmentBlob).where(AttachmentBlob.id.in_(gone)))
    return len(gone)


def total_bytes(session: Session) -> int:
    """Bytes of attachment content the workspace holds (each distinct file once)."""
    return int(
        session.execute(select(func.coalesce(func.sum(AttachmentBlob.size), 0))).scalar() or 0
    )
