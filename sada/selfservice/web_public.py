"""The public help centre: `/help/{workspace}/{lang}/…`, server-rendered per language.

Home (categories and their articles), category pages, article pages (with related articles,
'was this helpful?' with an optional comment, and a language switcher that falls back to
another version with a note), search, the brand stylesheet, files, and the sitemap.
Unauthenticated by design; votes carry the anonymous CSRF token and every route shares a
per-address rate limit.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from sada.core.errors import NotFound
from sada.core.http import client_ip
from sada.core.ratelimit import RateLimiter
from sada.selfservice import config as ss_config
from sada.selfservice import kb
from sada.selfservice.markdown import lead, render
from sada.selfservice.models import KbArticle, KbVersion
from sada.selfservice.search import search
from sada.tenants.models import Workspace
from sada.tenants.service import get_workspace_by_name
from sada.web.core import Page, PageRoute, checked_form, redirect
from sada.web.core import render as render_page
from sada.web.i18n import LANGUAGES, Formatter, parse_accept_language

router = APIRouter(route_class=PageRoute, include_in_schema=False)
STATIC = Path(__file__).parent / "static"
ASSET_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
HELP_LANGS = ("ar", "fa", "zh", "en")
FALLBACK_ORDER = ("en", "ar", "fa", "zh")


def asset_version(name: str) -> str:
    path = STATIC / name
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.is_file() else "0"


def asset_url(name: str) -> str:
    return f"/kb-assets/{name}?v={asset_version(name)}"


def public_limit(request: Request, cost: float = 1.0) -> None:
    state = request.app.state
    limiter = getattr(state, "selfservice_limiter", None)
    if limiter is None:
        per_minute = max(1, int(state.services.settings.public_per_minute))
        limiter = RateLimiter(per_minute / 60.0, per_minute)
        state.selfservice_limiter = limiter
    limiter.hit(f"help:{client_ip(request)}", cost)


def workspace_named(request: Request, name: str) -> Workspace:
    with request.app.state.services.db.reader() as session:
        return get_workspace_by_name(session, name)


def help_base(workspace: Workspace) -> str:
    return f"/help/{quote(workspace.name, safe='')}"


@router.get("/kb-assets/{name}")
def asset(name: str) -> Response:
    path = STATIC / name
    if "/" in name or ".." in name or not path.is_file() or path.suffix not in ASSET_TYPES:
        raise NotFound("no such file")
    return Response(
        path.read_bytes(),
        media_type=ASSET_TYPES[path.suffix],
        headers={
            "Cache-Control": "public, max-age=86400",
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )


@router.get("/help/{workspace}")
def help_root(request: Request, workspace: str) -> RedirectResponse:
    ws = workspace_named(request, workspace)
    lang = parse_accept_language(request.headers.get("accept-language", ""))
    if lang not in HELP_LANGS:
        lang = ws.default_language if ws.default_language in HELP_LANGS else "en"
    return RedirectResponse(f"{help_base(ws)}/{lang}", status_code=302)


@router.get("/help/{workspace}/brand.css")
def brand_css(request: Request, workspace: str) -> Response:
    ws = workspace_named(request, workspace)
    with request.app.state.services.db.reader(ws.id) as session:
        row = ss_config.read_settings(session)
    brand = row.brand_color if row else "#0f766e"
    accent = row.accent_color if row else "#f59e0b"
    css = f":root{{--brand:{brand};--accent:{accent};}}\n"
    return Response(css, media_type="text/css", headers={"Cache-Control": "public, max-age=300"})


@router.get("/help/{workspace}/files/{attachment_id}/{filename}")
def file(request: Request, workspace: str, attachment_id: int, filename: str) -> Response:
    ws = workspace_named(request, workspace)
    with request.app.state.services.db.reader(ws.id) as session:
        row = kb.get_attachment(session, attachment_id)
        data, content_type, name = row.data, row.content_type, row.filename
    inline = content_type.startswith("image/")
    disposition = "inline" if inline else "attachment"
    return Response(
        data,
        media_type=content_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "public, max-age=86400",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cross-Origin-Resource-Policy": "cross-origin" if inline else "same-origin",
        },
    )


@router.get("/help/{workspace}/sitemap.xml")
def sitemap(request: Request, workspace: str) -> Response:
    ws = workspace_named(request, workspace)
    base = request.app.state.services.settings.base_url.rstrip("/") + help_base(ws)
    with request.app.state.services.db.reader(ws.id) as session:
        rows = session.execute(
            select(KbArticle.key, KbVersion.lang, KbVersion.published_at)
            .join(KbVersion, KbVersion.article_id == KbArticle.id)
            .where(KbVersion.published_at.is_not(None))
            .order_by(KbArticle.key, KbVersion.lang)
        ).all()
    urls = [f"<url><loc>{escape(base)}/{lang}</loc></url>" for lang in HELP_LANGS]
    for key, lang, at in rows:
        loc = escape(f"{base}/{lang}/articles/{quote(key)}")
        urls.append(f"<url><loc>{loc}</loc><lastmod>{at.date().isoformat()}</lastmod></url>")
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(urls)
        + "</urlset>\n"
    )
    return Response(xml, media_type="application/xml")


def _page(request: Request, lang: str) -> Page:
    if lang not in HELP_LANGS:
        raise NotFound("no help centre in this language")
    return Page(request=request, user=None, lang=lang, fmt=Formatter(lang=lang))


def _published(session: Any) -> tuple[list[KbArticle], dict[int, dict[str, KbVersion]]]:
    articles = list(
        session.execute(
            select(KbArticle).order_by(KbArticle.category, KbArticle.position, KbArticle.key)
        ).scalars()
    )
    versions = kb.versions_of(session, [a.id for a in articles])
    live = {
        aid: {lang: v for lang, v in by_lang.items() if v.published_at is not None}
        for aid, by_lang in versions.items()
    }
    return [a for a in articles if live.get(a.id)], live


def pick_version(versions: dict[str, KbVersion], lang: str) -> KbVersion | None:
    if lang in versions:
        return versions[lang]
    for other in FALLBACK_ORDER:
        if other in versions:
            return versions[other]
    return None


def _shell(request: Request, ws: Workspace, session: Any, lang: str) -> dict[str, Any]:
    row = ss_config.read_settings(session)
    titles = dict(row.titles or {}) if row else {}
    logo = None
    if row and row.logo_attachment_id:
        try:
            attachment = kb.get_attachment(session, row.logo_attachment_id)
            logo = f"{help_base(ws)}/files/{attachment.id}/{quote(attachment.filename)}"
        except NotFound:
            logo = None
    base_url = request.app.state.services.settings.base_url.rstrip("/")
    return {
        "ws": ws,
        "base": help_base(ws),
        "site_title": titles.get(lang) or ws.display_name or ws.name,
        "logo": logo,
        "asset": asset_url,
        "absolute": base_url,
        "help_langs": HELP_LANGS,
        "language_names": {code: LANGUAGES[code].name for code in HELP_LANGS},
        "categories": {c.key: c for c in kb.list_categories(session)},
    }


def category_title(category: Any, key: str, lang: str) -> str:
    if category is None:
        return key
    titles = category.titles or {}
    return titles.get(lang) or titles.get("en") or next(iter(titles.values()), key)


@router.get("/help/{workspace}/{lang}")
def help_home(request: Request, workspace: str, lang: str) -> HTMLResponse:
    public_limit(request, 0.2)
    ws = workspace_named(request, workspace)
    p = _page(request, lang)
    with request.app.state.services.db.reader(ws.id) as session:
        shell = _shell(request, ws, session, lang)
        articles, live = _published(session)
    sections: dict[str, list[tuple[KbArticle, KbVersion]]] = {}
    for article in articles:
        version = pick_version(live[article.id], lang)
        if version is not None:
            sections.setdefault(article.category, []).append((article, version))
    return render_page(
        p,
        "selfservice/help_home.html",
        sections=sections,
        category_title=category_title,
        canonical=f"{shell['absolute']}{shell['base']}/{lang}",
        **shell,
    )


@router.get("/help/{workspace}/{lang}/categories/{category}")
def help_category(request: Request, workspace: str, lang: str, category: str) -> HTMLResponse:
    public_limit(request, 0.2)
    ws = workspace_named(request, workspace)
    p = _page(request, lang)
    with request.app.state.services.db.reader(ws.id) as session:
        shell = _shell(request, ws, session, lang)
        articles, live = _published(session)
    items = [
        (a, v)
        for a in articles
        if a.category == category and (v := pick_version(live[a.id], lang)) is not None
    ]
    if not items:
        raise NotFound("no such category")
    return render_page(
        p,
        "selfservice/help_category.html",
        category=category,
        items=items,
        category_title=category_title,
        lead=lead,
        canonical=f"{shell['absolute']}{shell['base']}/{lang}/categories/{quote(category)}",
        **shell,
    )


@router.get("/help/{workspace}/{lang}/articles/{key}")
def help_article(request: Request, workspace: str, lang: str, key: str) -> HTMLResponse:
    public_limit(request, 0.2)
    ws = workspace_named(request, workspace)
    p = _page(request, lang)
    with request.app.state.services.db.reader(ws.id) as session:
        shell = _shell(request, ws, session, lang)
        article = kb.access_article(session, key)
        versions = {
            lang_: v
            for lang_, v in kb.versions_of(session, [article.id]).get(article.id, {}).items()
            if v.published_at is not None
        }
        version = pick_version(versions, lang)
        if version is None:
            raise NotFound("this article is not published")
        related = []
        if article.related:
            rel_articles = list(
                session.execute(
                    select(KbArticle).where(KbArticle.key.in_(article.related))
                ).scalars()
            )
            rel_versions = kb.versions_of(session, [a.id for a in rel_articles])
            for rel in rel_articles:
                live = {k: v for k, v in rel_versions.get(rel.id, {}).items() if v.published_at}
                shown = pick_version(live, lang)
                if shown is not None:
                    related.append((rel, shown))
    voted = request.query_params.get("voted")
    return render_page(
        p,
        "selfservice/help_article.html",
        article=article,
        version=version,
        body=render(version.published_body or ""),
        fallback=version.lang != lang,
        available=sorted(versions),
        related=related,
        voted=voted,
        description=lead(version.published_body or "", 160),
        canonical=f"{shell['absolute']}{shell['base']}/{version.lang}/articles/{quote(key)}",
        category_title=category_title,
        **shell,
    )


@router.post("/help/{workspace}/{lang}/articles/{key}/vote")
async def help_vote(request: Request, workspace: str, lang: str, key: str) -> Response:
    public_limit(request)
    ws = workspace_named(request, workspace)
    _page(request, lang)
    form = await checked_form(request)
    helpful = str(form.get("helpful", "")) == "yes"
    comment = str(form.get("comment", ""))[:2000]
    with request.app.state.services.db.transaction(ws.id) as session:
        kb.do_vote(session, key, lang, helpful, comment)
    return redirect(request, f"{help_base(ws)}/{lang}/articles/{quote(key)}?voted=1#vote")


@router.get("/help/{workspace}/{lang}/search")
def help_search(request: Request, workspace: str, lang: str) -> HTMLResponse:
    public_limit(request)
    ws = workspace_named(request, workspace)
    p = _page(request, lang)
    q = request.query_params.get("q", "").strip()[:300]
    with request.app.state.services.db.transaction(ws.id) as session:
        shell = _shell(request, ws, session, lang)
        result = search(session, q, lang, limit=10) if q else None
    return render_page(
        p,
        "selfservice/help_search.html",
        q=q,
        result=result,
        canonical=f"{shell['absolute']}{shell['base']}/{lang}/search",
        **shell,
    )
