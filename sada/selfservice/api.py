"""REST routes of self-service: articles, search, the assistant, import/export, synonyms,
attachments, settings and measures. API keys: read for search/ask/reads, write for changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from sada.core.errors import Invalid
from sada.core.http import read_json_body
from sada.db.types import utcnow
from sada.selfservice import config as ss_config
from sada.selfservice import kb, kb_transfer, measures
from sada.selfservice.assistant import ask
from sada.selfservice.schemas import (
    ArticleIn,
    ArticleUpdate,
    AskIn,
    AskOut,
    SearchHit,
    SearchOut,
    SynonymsIn,
    check_lang,
)
from sada.selfservice.search import search
from sada.tenants.auth import scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey, get_workspace

router = APIRouter(prefix="/api/v1", tags=["self-service"])


def _services(request: Request) -> Any:
    return request.app.state.services


def _author(key: Any) -> str:
    return f"api key {key.name or key.id}"


@router.post("/kb/articles", status_code=201)
def create_article(
    request: Request, body: ArticleIn, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> JSONResponse:
    services = _services(request)
    with services.db.transaction(key.workspace_id) as session:
        article = kb.do_create_article(session, body, author=_author(key))
        out = kb.article_out(session, article)
    services.wake_jobs()
    return JSONResponse(out.model_dump(mode="json"), status_code=201)


@router.put("/kb/articles")
def put_article(
    request: Request, body: ArticleIn, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> JSONResponse:
    """Create or update the article named by `key` in the body."""
    services = _services(request)
    with services.db.transaction(key.workspace_id) as session:
        exists = kb.find_article(session, body.key) is not None
        if exists:
            update = ArticleUpdate(
                category=body.category,
                status=body.status,
                versions=body.versions,
                related=body.related,
            )
            article = kb.do_update_article(session, body.key, update, author=_author(key))
        else:
            article = kb.do_create_article(session, body, author=_author(key))
        out = kb.article_out(session, article)
    services.wake_jobs()
    return JSONResponse(out.model_dump(mode="json"), status_code=200 if exists else 201)


@router.put("/kb/articles/{article_key}")
def update_article(
    request: Request,
    article_key: str,
    body: ArticleUpdate,
    key: AuthenticatedKey = scoped(Scope.WRITE_DATA),
) -> dict[str, Any]:
    services = _services(request)
    with services.db.transaction(key.workspace_id) as session:
        article = kb.do_update_article(session, article_key, body, author=_author(key))
        out = kb.article_out(session, article)
    services.wake_jobs()
    return out.model_dump(mode="json")


@router.get("/kb/articles")
def list_articles(
    request: Request,
    category: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> dict[str, Any]:
    with _services(request).db.reader(key.workspace_id) as session:
        items = kb.list_articles(session, category=category, limit=limit, offset=offset)
    return {"items": [a.model_dump(mode="json") for a in items]}


@router.get("/kb/articles/{article_key}")
def get_article(
    request: Request, article_key: str, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> dict[str, Any]:
    with _services(request).db.reader(key.workspace_id) as session:
        return kb.article_out(session, kb.access_article(session, article_key)).model_dump(
            mode="json"
        )


@router.delete("/kb/articles/{article_key}", status_code=204)
def delete_article(
    request: Request, article_key: str, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> Response:
    with _services(request).db.transaction(key.workspace_id) as session:
        kb.do_delete_article(session, article_key)
    return Response(status_code=204)


@router.post("/kb/articles/{article_key}/versions/{lang}/status")
async def set_status(
    request: Request, article_key: str, lang: str, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> dict[str, Any]:
    body = await read_json_body(request, 10_000)
    status = body.get("status") if isinstance(body, dict) else None
    services = _services(request)
    with services.db.transaction(key.workspace_id) as session:
        version = kb.do_set_status(session, article_key, lang, str(status), author=_author(key))
        out = kb.version_out(version).model_dump(mode="json")
    services.wake_jobs()
    return out


@router.get("/kb/articles/{article_key}/versions/{lang}/revisions")
def revisions(
    request: Request,
    article_key: str,
    lang: str,
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> dict[str, Any]:
    with _services(request).db.reader(key.workspace_id) as session:
        rows = kb.revisions_of(session, article_key, lang)
        return {
            "items": [
                {
                    "number": r.number,
                    "title": r.title,
                    "body": r.body,
                    "status": r.status,
                    "author": r.author,
                    "at": r.at.isoformat(),
                }
                for r in rows
            ]
        }


@router.get("/kb/search")
def search_articles(
    request: Request,
    q: str = Query(..., min_length=1, max_length=500),
    lang: str | None = None,
    limit: int = Query(5, ge=1, le=50),
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> dict[str, Any]:
    try:
        check_lang(lang)
    except ValueError as exc:
        raise Invalid(str(exc), details=[{"path": "lang", "message": str(exc)}]) from None
    with _services(request).db.transaction(key.workspace_id) as session:
        result = search(session, q, lang, limit=limit)
    return SearchOut(
        items=[
            SearchHit(
                key=h.key,
                lang=h.lang,
                title=h.title,
                score=h.score,
                cross_lingual=h.cross_lingual,
                category=h.category,
                snippet=h.snippet,
            )
            for h in result.hits
        ],
        lang=result.lang,
        good=result.good,
    ).model_dump(mode="json")


@router.post("/assistant/ask", response_model=AskOut)
def assistant_ask(
    request: Request, body: AskIn, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> dict[str, Any]:
    services = _services(request)
    with services.db.transaction(key.workspace_id) as session:
        row = ss_config.read_settings(session)
        name = get_workspace(session, key.workspace_id).name
        cfg = ss_config.assistant_config(row, services.settings.assistant_allowed_hosts, name)
        out = ask(session, body.question, body.lang, config=cfg)
    return out.model_dump(mode="json")


@router.get("/kb/export")
def export(
    request: Request, format: str = "json", key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> Response:
    if format not in ("json", "markdown"):
        raise Invalid("format must be json or markdown")
    with _services(request).db.reader(key.workspace_id) as session:
        if format == "json":
            return JSONResponse(kb_transfer.export_json(session))
        data = kb_transfer.export_markdown_zip(session)
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="knowledge-base.zip"'},
    )


@router.post("/kb/import")
async def import_articles(
    request: Request, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> dict[str, Any]:
    """JSON (`{"articles": [...]}`, as exported) or a zip of `<key>.<lang>.md` files."""
    services = _services(request)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/zip"):
        raw = await request.body()
        if len(raw) > services.settings.max_body_bytes:
            raise Invalid("the archive is too large")
        articles: list[Any] = kb_transfer.articles_from_markdown_zip(raw)
        synonyms: dict[str, Any] = {}
    else:
        body = await read_json_body(request, services.settings.max_body_bytes)
        if not isinstance(body, dict) or not isinstance(body.get("articles"), list):
            raise Invalid('expected {"articles": [...]}')
        articles = body["articles"]
        synonyms = body.get("synonyms") or {}
    with services.db.transaction(key.workspace_id) as session:
        results = kb_transfer.do_import(session, articles, author=_author(key))
        if isinstance(synonyms, dict):
            for lang, groups in synonyms.items():
                if lang in ("ar", "fa", "zh", "en") and isinstance(groups, list):
                    kb.do_set_synonyms(session, lang, [g for g in groups if isinstance(g, list)])
    services.wake_jobs()
    return {"results": results}


@router.put("/kb/synonyms")
def put_synonyms(
    request: Request, body: SynonymsIn, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> dict[str, Any]:
    with _services(request).db.transaction(key.workspace_id) as session:
        count = kb.do_set_synonyms(session, body.lang, body.groups)
    return {"lang": body.lang, "groups": count}


@router.get("/kb/synonyms")
def get_synonyms(
    request: Request, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> dict[str, Any]:
    with _services(request).db.reader(key.workspace_id) as session:
        return {"synonyms": kb.synonyms(session)}


@router.post("/kb/attachments", status_code=201)
async def upload(
    request: Request,
    file: UploadFile,
    article: str | None = None,
    key: AuthenticatedKey = scoped(Scope.WRITE_DATA),
) -> JSONResponse:
    data = await file.read(kb.MAX_ATTACHMENT_BYTES + 1)
    with _services(request).db.transaction(key.workspace_id) as session:
        row = kb.do_add_attachment(session, file.filename or "file", data, article_key=article)
        name = get_workspace(session, key.workspace_id).name
        out = {
            "id": row.id,
            "filename": row.filename,
            "content_type": row.content_type,
            "size": row.size,
            "url": measures.file_url(name, row.id, row.filename),
        }
    return JSONResponse(out, status_code=201)


@router.get("/kb/measures")
def get_measures(
    request: Request,
    days: int = Query(30, ge=1, le=366),
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> dict[str, Any]:
    with _services(request).db.reader(key.workspace_id) as session:
        return measures.report(session, since=utcnow() - timedelta(days=days))
