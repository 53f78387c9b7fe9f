"""Pages of self-service in the web app: articles and the Markdown editor (with preview,
right-to-left for Arabic and Persian), revisions, import/export, help-centre analytics,
and the settings of the help centre, the assistant and the chat widget.

Agents write and submit for review; managers, admins and owners publish (`kb.publish`).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from sada.core.errors import Forbidden, Invalid, NotFound, SadaError
from sada.db.types import utcnow
from sada.selfservice import chat, kb, kb_transfer, measures
from sada.selfservice import config as ss_config
from sada.selfservice.markdown import render as render_markdown
from sada.selfservice.schemas import LANGS, ArticleIn, ArticleUpdate, VersionIn
from sada.selfservice.web_public import help_base
from sada.tenants.service import get_workspace
from sada.web.core import PageRoute, can, checked_form, page, redirect, render, require, services
from sada.web.i18n import N_
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# Closed vocabularies shown on these pages (translated where shown).
LABELS: dict[str, dict[str, str]] = {
    "kb_status": {
        "draft": N_("Draft"),
        "review": N_("In review"),
        "published": N_("Published"),
        "archived": N_("Unpublished"),
    },
    "handoff_reason": {
        "low_confidence": N_("No confident answer"),
        "human_requested": N_("Asked for a person"),
        "complaint": N_("Complaint"),
        "account_change": N_("Account change"),
        "cancellation": N_("Cancellation"),
        "offline": N_("Left a message while offline"),
    },
}


def ss_label(p: Any) -> Any:
    gettext = p.gettext

    def label(kind: str, value: str | None) -> str:
        known = LABELS.get(kind, {}).get(value or "")
        return gettext(known) if known else (value or "–")

    return label


EDIT = require("kb")
ADMIN = require("settings")
ANALYST = require("dashboards")


def _author(me: SignedIn) -> str:
    return me.label


def _ws_name(session: Any, me: SignedIn) -> str:
    return get_workspace(session, me.workspace_id).name


@router.get("/kb")
def articles_page(request: Request, me: SignedIn = Depends(EDIT)) -> Response:
    p = page(request, me)
    category = request.query_params.get("category") or None
    with services(request).db.reader(me.workspace_id) as session:
        articles = kb.list_articles(session, category=category, limit=1000)
        categories = kb.list_categories(session)
        name = _ws_name(session, me)
    return render(
        p,
        "selfservice/articles.html",
        ss_label=ss_label(p),
        articles=articles,
        categories=categories,
        category=category,
        langs=LANGS,
        help_url=help_base_name(name),
        imported=request.query_params.get("imported"),
    )


def help_base_name(name: str) -> str:
    return f"/help/{quote(name, safe='')}"


def _editor(
    request: Request,
    me: SignedIn,
    *,
    key: str,
    lang: str,
    category: str,
    title: str,
    body: str,
    related: str,
    status: str,
    published: bool,
    revisions: list[Any],
    preview: bool,
    errors: list[str] | None = None,
    saved: str | None = None,
    name: str = "",
) -> Response:
    p = page(request, me)
    return render(
        p,
        "selfservice/editor.html",
        ss_label=ss_label(p),
        status_code=422 if errors else 200,
        key=key,
        edit_lang=lang,
        edit_dir="rtl" if lang in ("ar", "fa") else "ltr",
        category=category,
        title=title,
        body=body,
        related=related,
        status=status,
        published=published,
        revisions=revisions,
        preview=render_markdown(body) if preview else None,
        errors=errors or [],
        saved=saved,
        langs=LANGS,
        can_publish=can(me, "kb.publish"),
        public_url=f"{help_base_name(name)}/{lang}/articles/{quote(key)}" if key else "",
    )


@router.get("/kb/new")
def new_article(request: Request, me: SignedIn = Depends(EDIT)) -> Response:
    lang = request.query_params.get("lang", "en")
    lang = lang if lang in LANGS else "en"
    return _editor(
        request, me, key="", lang=lang, category="general", title="", body="", related="",
        status="draft", published=False, revisions=[], preview=False,
    )  # fmt: skip


@router.get("/kb/articles/{key}/{lang}")
def edit_article(request: Request, key: str, lang: str, me: SignedIn = Depends(EDIT)) -> Response:
    if lang not in LANGS:
        raise NotFound("no such language")
    with services(request).db.reader(me.workspace_id) as session:
        article = kb.article_out(session, kb.access_article(session, key))
        version = article.versions.get(lang)
        revisions = kb.revisions_of(session, key, lang) if version else []
        name = _ws_name(session, me)
    return _editor(
        request,
        me,
        key=key,
        lang=lang,
        category=article.category,
        title=version.title if version else "",
        body=version.body if version else "",
        related=", ".join(article.related),
        status=version.status if version else "draft",
        published=bool(version and version.published),
        revisions=revisions,
        preview=bool(version),
        saved=request.query_params.get("saved"),
        name=name,
    )


@router.post("/kb/save")
async def save_article(request: Request, me: SignedIn = Depends(EDIT)) -> Response:
    form = await checked_form(request)
    original = str(form.get("original", "")).strip()
    key = str(form.get("key", "")).strip()
    lang = str(form.get("lang", "en"))
    action = str(form.get("action", "draft"))
    category = str(form.get("category", "general")).strip() or "general"
    title = str(form.get("title", ""))
    body = str(form.get("body", ""))
    related_text = str(form.get("related", ""))
    related = [k.strip() for k in related_text.replace("،", ",").split(",") if k.strip()]
    status = {"draft": "draft", "review": "review", "publish": "published", "archive": "archived"}
    state = dict(
        key=key or original, lang=lang, category=category, title=title, body=body,
        related=related_text, published=False, revisions=[],
    )  # fmt: skip
    if action == "preview":
        return _editor(request, me, status="draft", preview=True, **state)  # type: ignore[arg-type]
    if action not in status:
        raise Invalid("unknown action")
    if status[action] in ("published", "archived") and not can(me, "kb.publish"):
        raise Forbidden("your role may write and submit articles; a manager publishes them")
    try:
        version = VersionIn(title=title, body=body, status=status[action])  # type: ignore[arg-type]
        with services(request).db.transaction(me.workspace_id) as session:
            if original:
                update = ArticleUpdate(
                    key=key or None, category=category, related=related, versions={lang: version}
                )
                kb.do_update_article(session, original, update, author=_author(me))
            else:
                data = ArticleIn(
                    key=key, category=category, related=related, versions={lang: version},
                    status=status[action],  # type: ignore[arg-type]
                )  # fmt: skip
                kb.do_create_article(session, data, author=_author(me))
    except (ValueError, SadaError) as exc:
        message = exc.message if isinstance(exc, SadaError) else str(exc)
        return _editor(
            request, me, status=status[action], preview=True, errors=[message], **state  # type: ignore[arg-type]
        )  # fmt: skip
    services(request).wake_jobs()
    return redirect(request, f"/kb/articles/{quote(key or original)}/{lang}?saved={action}")


@router.post("/kb/articles/{key}/{lang}/restore/{number}")
async def restore(
    request: Request, key: str, lang: str, number: int, me: SignedIn = Depends(EDIT)
) -> Response:
    await checked_form(request)
    with services(request).db.transaction(me.workspace_id) as session:
        kb.do_restore_revision(session, key, lang, number, author=_author(me))
    return redirect(request, f"/kb/articles/{quote(key)}/{lang}?saved=restored")


@router.get("/kb/export.json")
def export_json(request: Request, me: SignedIn = Depends(EDIT)) -> Response:
    with services(request).db.reader(me.workspace_id) as session:
        data = kb_transfer.export_json(session)
    return JSONResponse(
        data, headers={"Content-Disposition": 'attachment; filename="knowledge-base.json"'}
    )


@router.get("/kb/export.zip")
def export_zip(request: Request, me: SignedIn = Depends(EDIT)) -> Response:
    with services(request).db.reader(me.workspace_id) as session:
        data = kb_transfer.export_markdown_zip(session)
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="knowledge-base.zip"'},
    )


@router.post("/kb/import")
async def import_page(request: Request, me: SignedIn = Depends(require("kb.publish"))) -> Response:
    form = await checked_form(request)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise Invalid("choose a .json or .zip file")
    raw = await upload.read(50 * 1024 * 1024)
    if (upload.filename or "").endswith(".zip"):
        articles = kb_transfer.articles_from_markdown_zip(raw)
    else:
        try:
            parsed = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Invalid("not a JSON export of a knowledge base") from exc
        articles = parsed.get("articles", []) if isinstance(parsed, dict) else []
    with services(request).db.transaction(me.workspace_id) as session:
        results = kb_transfer.do_import(session, articles, author=_author(me))
    services(request).wake_jobs()
    good = sum(1 for r in results if r["status"] != "rejected")
    return redirect(request, f"/kb?imported={good}-{len(results) - good}")


@router.get("/kb/analytics")
def analytics_page(request: Request, me: SignedIn = Depends(ANALYST)) -> Response:
    p = page(request, me)
    try:
        days = min(366, max(1, int(request.query_params.get("days", "30"))))
    except ValueError:
        days = 30
    with services(request).db.reader(me.workspace_id) as session:
        data = measures.report(session, since=utcnow() - timedelta(days=days))
    return render(p, "selfservice/analytics.html", data=data, days=days, ss_label=ss_label(p))


@router.get("/kb/settings")
def settings_page(request: Request, me: SignedIn = Depends(ADMIN)) -> Response:
    p = page(request, me)
    with services(request).db.transaction(me.workspace_id) as session:
        row = ss_config.settings_of(session)
        name = _ws_name(session, me)
        synonyms = kb.synonyms(session)
        view = {
            "brand_color": row.brand_color,
            "accent_color": row.accent_color,
            "threshold": row.threshold,
            "titles": dict(row.titles or {}),
            "allowed_origins": list(row.allowed_origins or []),
            "generative": ss_config.public_generative(row),
            "generative_enabled": row.generative_enabled,
            "secret": row.widget_secret,
        }
    base_url = services(request).settings.base_url.rstrip("/")
    snippet = f'<script src="{base_url}/widget.js" data-workspace="{name}" async></script>'
    return render(
        p,
        "selfservice/settings.html",
        s=view,
        snippet=snippet,
        example_hash=chat.user_hash(str(view["secret"]), "customer-42"),
        synonyms={lang: "\n".join(", ".join(g) for g in synonyms.get(lang, [])) for lang in LANGS},
        langs=LANGS,
        help_url=help_base(get_workspace_by_id(request, me)),
        saved=request.query_params.get("saved"),
    )


def get_workspace_by_id(request: Request, me: SignedIn) -> Any:
    with services(request).db.reader() as session:
        return get_workspace(session, me.workspace_id)


@router.post("/kb/settings")
async def save_settings(request: Request, me: SignedIn = Depends(ADMIN)) -> Response:
    form = await checked_form(request)
    changes: dict[str, Any] = {
        "brand_color": form.get("brand_color"),
        "accent_color": form.get("accent_color"),
        "threshold": form.get("threshold"),
        "titles": {lang: str(form.get(f"title_{lang}", "")) for lang in LANGS},
        "allowed_origins": str(form.get("allowed_origins", "")).split(),
        "generative": {
            "base_url": str(form.get("gen_base_url", "")),
            "model": str(form.get("gen_model", "")),
            "api_key": str(form.get("gen_api_key", "")),
        },
        "generative_enabled": form.get("gen_enabled") == "on",
        "rotate_secret": form.get("rotate_secret") == "on",
    }
    allowed = services(request).settings.assistant_allowed_hosts
    try:
        with services(request).db.transaction(me.workspace_id) as session:
            ss_config.do_update_settings(session, changes, allowed_hosts=allowed)
            for lang in LANGS:
                text = str(form.get(f"synonyms_{lang}", ""))
                groups = [
                    [w.strip() for w in row.replace("،", ",").split(",")]
                    for row in text.splitlines()
                ]
                kb.do_set_synonyms(session, lang, groups)
    except Invalid as exc:
        details = "; ".join(f"{d['path']}: {d['message']}" for d in (exc.details or []))  # type: ignore[attr-defined]
        raise Invalid(f"{exc.message}: {details}" if details else exc.message) from None
    return redirect(request, "/kb/settings?saved=1")
