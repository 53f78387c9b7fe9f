"""Routes of attachments: downloads from the conversation page, and the API's JSON in and out.

Every answer carrying a file is a download: `Content-Disposition: attachment` with an
RFC 5987 `filename*` (Persian, Arabic, Chinese names kept) and an ASCII fallback,
`X-Content-Type-Options: nosniff`, `Content-Security-Policy: sandbox; default-src 'none'`,
and a content type chosen from the sniffed bytes (HTML, SVG and anything unknown go out as
`application/octet-stream`). Thumbnails are served inline only for PNG, JPEG, GIF and WebP
whose magic bytes say so.

Access: on the pages, a member whose role reads the inbox and personal data; the file must
belong to a message of that conversation in the member's workspace (404 otherwise, the same
answer for "missing" and "not yours"). In the API, keys with `read:people` download and
keys with `write:data` add files to a message (`POST /api/v1/interactions/{id}/attachments`,
base64 JSON: each bad field answers 422 with its path; an over-limit file is refused with a
reason while the others are kept).
"""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import select

from sada.cases import attachments as files_store
from sada.core.errors import Conflict, Invalid, NotFound
from sada.core.http import read_json_body
from sada.interactions.models import Interaction
from sada.tenants.auth import scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey
from sada.web.core import Page, PageRoute, can, require, services
from sada.web.i18n import N_
from sada.web.labels import labeler, register
from sada.web.service import SignedIn

pages = APIRouter(route_class=PageRoute, include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["attachments"])

SANDBOX = "sandbox; default-src 'none'"


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """`attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266 / 5987)."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode().strip()
    ascii_name = "".join(c if c.isprintable() and c not in '"\\;' else "_" for c in ascii_name)
    stem = ascii_name.rpartition(".")[0] if "." in ascii_name else ascii_name
    if not stem.strip(" ._"):
        ext = filename.rpartition(".")[2] if "." in filename else ""
        ext = ext if ext.isascii() and ext.isalnum() else ""
        ascii_name = "attachment" + (f".{ext}" if ext else "")
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(
    view: files_store.AttachmentView, data: bytes, *, thumbnail: bool = False
) -> Response:
    if thumbnail:
        if not view.thumbnail:
            raise NotFound("this attachment has no preview")
        media, disposition = view.sniffed_type, "inline"
    else:
        media, disposition = view.served_type, "attachment"
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": content_disposition(view.filename, disposition),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": SANDBOX,
            "Cache-Control": "private, no-store",
            "Cross-Origin-Resource-Policy": "same-origin",
        },
    )


# ---------------------------------------------------------------- pages

register(
    "attachment_kind",
    {
        "pdf": N_("PDF"),
        "image": N_("Image"),
        "text": N_("Text"),
        "archive": N_("Archive"),
        "document": N_("Document"),
        "markup": N_("Web page (downloaded, not shown)"),
        "file": N_("File"),
    },
)


def human_size(p: Page, size: int) -> str:
    if size < 1024:
        return p.gettext("%(n)s bytes") % {"n": p.fmt.num(size)}
    if size < 1024 * 1024:
        return p.gettext("%(n)s KB") % {"n": _num(p, size / 1024)}
    return p.gettext("%(n)s MB") % {"n": _num(p, size / 1024 / 1024)}


def _num(p: Page, value: float) -> str:
    """One decimal below 10 (2.5), none above or when whole (10, not 10.0)."""
    decimals = 0 if value >= 10 or round(value, 1) == int(value) else 1
    return p.fmt.num(value, decimals)


def refusal(p: Page, reason: str | None, limit: int | None) -> str:
    """Why a file was not kept, in the reader's language."""
    if reason == "too_large":
        return p.gettext("larger than the limit of %(size)s per file") % {
            "size": human_size(p, limit or 0)
        }
    if reason == "message_too_large":
        return p.gettext("the message's files together exceed %(size)s") % {
            "size": human_size(p, limit or 0)
        }
    if reason == "too_many":
        return p.gettext("a message may carry %(n)s files at most") % {"n": p.fmt.num(limit or 0)}
    if reason == "empty":
        return p.gettext("the file is empty")
    return p.gettext("not kept")


def decorate_messages(p: Page, messages: list[dict[str, Any]]) -> None:
    """Add what the conversation page shows of each message's files: sizes in the reader's
    words, and the files refused on arrival with their reason."""
    for m in messages:
        for f in m.get("files", []):
            f["size_text"] = human_size(p, int(f["size"]))
        refused = []
        for meta in (m.get("attributes") or {}).get("attachments") or []:
            if isinstance(meta, dict) and meta.get("refused"):
                limit = meta.get("limit")
                refused.append(
                    {
                        "filename": str(meta.get("filename") or ""),
                        "size_text": human_size(p, int(meta.get("size") or 0)),
                        "reason": refusal(
                            p, str(meta["refused"]), limit if isinstance(limit, int) else None
                        ),
                    }
                )
        m["refused_files"] = refused


def form_files(form: Any, limits: files_store.Limits) -> list[files_store.Incoming]:
    """The files chosen in a form's `files` inputs (empty inputs skipped). A file is read
    one byte past the per-file limit at most, which is enough to refuse it."""
    out = []
    for upload in form.getlist("files"):
        if isinstance(upload, str) or not getattr(upload, "filename", None):
            continue
        data = upload.file.read(limits.per_file + 1)
        out.append(files_store.Incoming(upload.filename, upload.content_type, data))
    return out


def check_reply_files(
    p: Page, channel: str, files: list[files_store.Incoming], limits: files_store.Limits
) -> None:
    """Refuse, in the reader's language, files a reply cannot carry: the whole reply is
    refused (nothing sent, nothing silently dropped)."""
    if not files:
        return
    if channel != "email":
        raise Conflict(
            p.gettext(
                "Files can be sent by email only: replies in %(channel)s carry text. Nothing "
                "was sent; remove the files or send them to the customer another way."
            )
            % {"channel": labeler(p.gettext)("channel", channel)}
        )
    for o in files_store.judge(files, limits):
        if o.reason:
            raise Invalid(
                p.gettext("%(name)s: %(reason)s. Nothing was sent.")
                % {"name": o.filename, "reason": refusal(p, o.reason, o.limit)}
            )


def _page_file(
    request: Request, me: SignedIn, conversation_id: int, attachment_id: int
) -> tuple[files_store.AttachmentView, bytes]:
    if not can(me, "people"):  # files are personal data: redacted roles see names only
        raise NotFound(f"no attachment {attachment_id}")
    with services(request).db.reader(me.workspace_id) as session:
        return files_store.access_attachment(
            session, attachment_id, conversation_id=conversation_id
        )


@pages.get("/inbox/{conversation_id}/attachments/{attachment_id}")
def download(
    request: Request,
    conversation_id: int,
    attachment_id: int,
    me: SignedIn = Depends(require("inbox")),
) -> Response:
    view, data = _page_file(request, me, conversation_id, attachment_id)
    return file_response(view, data)


@pages.get("/inbox/{conversation_id}/attachments/{attachment_id}/thumbnail")
def thumbnail(
    request: Request,
    conversation_id: int,
    attachment_id: int,
    me: SignedIn = Depends(require("inbox")),
) -> Response:
    view, data = _page_file(request, me, conversation_id, attachment_id)
    return file_response(view, data, thumbnail=True)


# ---------------------------------------------------------------- API


def _access_interaction(session: Any, interaction_id: int) -> Interaction:
    row = session.execute(
        select(Interaction).where(Interaction.id == interaction_id)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no interaction {interaction_id}")
    return row


@api.post(
    "/interactions/{interaction_id}/attachments",
    summary="Add files (base64 JSON) to a message; over-limit files are refused with a reason",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["attachments"],
                        "properties": {
                            "attachments": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["filename", "data"],
                                    "properties": {
                                        "filename": {"type": "string"},
                                        "content_type": {"type": "string"},
                                        "data": {"type": "string", "format": "byte"},
                                        "inline": {"type": "boolean"},
                                    },
                                },
                            }
                        },
                    }
                }
            },
        }
    },
)
async def add_attachments(
    request: Request, interaction_id: int, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> JSONResponse:
    svc = request.app.state.services
    limits = files_store.Limits.from_settings(svc.settings)
    ceiling = max(svc.settings.max_body_bytes, limits.per_message * 4 // 3 + 1024 * 1024)
    body = await read_json_body(request, ceiling)
    if not isinstance(body, dict):
        raise Invalid("expected an object with `attachments`")
    unknown = sorted(set(body) - {"attachments"})
    files, errors = files_store.decode_api_files(body.get("attachments"))
    errors = [{"path": k, "message": "unknown field"} for k in unknown] + errors
    if "attachments" not in body:
        errors.insert(0, {"path": "attachments", "message": "required"})
    if errors:
        raise Invalid("; ".join(f"{e['path']}: {e['message']}" for e in errors), details=errors)

    def work() -> list[files_store.Outcome]:
        with svc.db.transaction(key.workspace_id) as session:
            _access_interaction(session, interaction_id)
            return files_store.store(session, interaction_id, files, limits)

    outcomes = await run_in_threadpool(work)
    results = [
        {
            "filename": o.filename,
            "status": o.status,
            "id": o.id,
            "size": o.size,
            "sniffed_type": o.sniffed_type,
            **({"reason": o.reason, "message": o.describe()} if o.reason else {}),
        }
        for o in outcomes
    ]
    refused = any(o.status == "refused" for o in outcomes)
    return JSONResponse({"results": results}, status_code=207 if refused else 200)


@api.get("/interactions/{interaction_id}/attachments", summary="A message's attachments")
def list_attachments(
    request: Request, interaction_id: int, key: AuthenticatedKey = scoped(Scope.READ_PEOPLE)
) -> dict[str, Any]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        _access_interaction(session, interaction_id)
        found = files_store.attachments_of(session, [interaction_id]).get(interaction_id, [])
        return {"attachments": [f.as_json() for f in found]}


@api.get(
    "/attachments/{attachment_id}/content",
    summary="Download an attachment (always as a file, never rendered)",
)
def attachment_content(
    request: Request, attachment_id: int, key: AuthenticatedKey = scoped(Scope.READ_PEOPLE)
) -> Response:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        view, data = files_store.access_attachment(session, attachment_id)
    return file_response(view, data)


router = APIRouter()
router.include_router(pages)
router.include_router(api)
