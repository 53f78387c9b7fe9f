"""HTTP routes of social listening. Thin: parse, authorize, call the services.

Brands: GET/POST /api/v1/listening/brands, GET/PATCH/DELETE /api/v1/listening/brands/{id}.
Posts in: POST /api/v1/listening/posts {"posts": [...]} (generic shape), POST
/api/v1/listening/import/{x|telegram} (the network's own JSON), feeds and signed hooks.
Reading: GET /api/v1/listening/summary?from=&to=, /posts, /spikes, /trending?from=&to=&lang=,
/trending/posts?term=&lang= (from/to: local dates, or instants with an offset).
Acting: POST /api/v1/listening/posts/{id}/conversation, POST /api/v1/listening/posts/{id}/case.
Networks: PUT /api/v1/listening/accounts/{x|telegram} (tokens, for replies and live X),
/api/v1/listening/x/searches (live X recent search on a schedule).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from sada.cases.conversations import conversation_out
from sada.cases.service import case_out
from sada.core.errors import Invalid
from sada.core.http import read_json_body
from sada.listening import days as local
from sada.listening import feeds, hooks, network, service, sources, trending, xsearch
from sada.listening.models import ListeningAccount
from sada.listening.tasks import feed_policy, queue_poll
from sada.tenants.auth import scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey

router = APIRouter(prefix="/api/v1/listening", tags=["listening"])
MAX_BODY = 20 * 1024 * 1024
Sentiment = Literal["positive", "negative", "neutral", "mixed"]


def _db(request: Request) -> Any:
    return request.app.state.services.db


# ---------------------------------------------------------------- brands


@router.get("/brands", summary="The workspace's brands and competitors")
def list_brands(
    request: Request, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> list[dict[str, Any]]:
    with _db(request).reader(key.workspace_id) as s:
        return [service.brand_out(b) for b in service.list_brands(s)]


@router.post("/brands", status_code=201, summary="Add a brand or competitor with its aliases")
async def create_brand(
    request: Request, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> JSONResponse:
    body = await read_json_body(request, 256 * 1024)
    if not isinstance(body, dict):
        raise Invalid('expected {"name", "kind", "aliases", "exclude"}')

    def work() -> dict[str, Any]:
        with _db(request).transaction(key.workspace_id) as s:
            return service.brand_out(service.do_create_brand(s, body))

    out = await run_in_threadpool(work)
    request.app.state.services.wake_jobs()
    return JSONResponse(out, status_code=201)


@router.get("/brands/{brand_id}")
def get_brand(
    request: Request, brand_id: int, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> dict[str, Any]:
    with _db(request).reader(key.workspace_id) as s:
        return service.brand_out(service.access_brand(s, brand_id))


@router.patch("/brands/{brand_id}")
async def update_brand(
    request: Request, brand_id: int, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> dict[str, Any]:
    body = await read_json_body(request, 256 * 1024)
    if not isinstance(body, dict):
        raise Invalid("expected a JSON object")

    def work() -> dict[str, Any]:
        with _db(request).transaction(key.workspace_id) as s:
            return service.brand_out(service.do_update_brand(s, brand_id, body))

    out = await run_in_threadpool(work)
    request.app.state.services.wake_jobs()
    return out


@router.delete("/brands/{brand_id}", status_code=204)
def delete_brand(
    request: Request, brand_id: int, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> None:
    with _db(request).transaction(key.workspace_id) as s:
        service.do_delete_brand(s, brand_id)


# ---------------------------------------------------------------- posts in


def _store(request: Request, workspace_id: int, parsed: sources.Parsed) -> JSONResponse:
    with _db(request).transaction(workspace_id) as s:
        results = service.ingest_posts(s, parsed.items)
    request.app.state.services.wake_jobs()
    rejected = [
        {"item": f"accepted[{r.index}]", "message": "; ".join(e.message for e in r.errors)}
        for r in results
        if r.status == "rejected"
    ]
    out = {
        "stored": sum(r.status == "stored" for r in results),
        "duplicates": sum(r.status == "duplicate" for r in results),
        "rejected": len(parsed.errors) + len(rejected),
        "errors": parsed.errors + rejected,
        "ids": [r.id for r in results if r.id is not None],
    }
    ok = out["stored"] or out["duplicates"]
    status = 200 if not out["rejected"] else (207 if ok else 422)
    return JSONResponse(out, status_code=status)


@router.post("/posts", summary="Store posts in Sada's generic shape; each gets its own result")
async def post_posts(
    request: Request, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> JSONResponse:
    body = await read_json_body(request, MAX_BODY)
    if not isinstance(body, dict) or not isinstance(body.get("posts"), list):
        raise Invalid('expected {"posts": [...]}')
    parsed = sources.parse_generic(body["posts"])
    return await run_in_threadpool(_store, request, key.workspace_id, parsed)


@router.post("/import/{kind}", summary="Store an X API v2 response or a Telegram export")
async def import_json(
    request: Request,
    kind: Literal["x", "telegram"],
    key: AuthenticatedKey = scoped(Scope.WRITE_DATA),
) -> JSONResponse:
    body = await read_json_body(request, MAX_BODY)
    parsed = sources.parse_x(body) if kind == "x" else sources.parse_telegram(body)
    return await run_in_threadpool(_store, request, key.workspace_id, parsed)


# ---------------------------------------------------------------- feeds and hooks


@router.get("/feeds")
def list_feeds(
    request: Request, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> list[dict[str, Any]]:
    with _db(request).reader(key.workspace_id) as s:
        return [feeds.feed_out(f) for f in feeds.list_feeds(s)]


@router.post("/feeds", status_code=201, summary="Poll an RSS or Atom feed on a schedule")
async def add_feed(request: Request, key: AuthenticatedKey = scoped(Scope.ADMIN)) -> JSONResponse:
    body = await read_json_body(request, 64 * 1024)
    if not isinstance(body, dict):
        raise Invalid('expected {"url", "name", "interval_minutes"}')

    def work() -> dict[str, Any]:
        with _db(request).transaction(key.workspace_id) as s:
            feed = feeds.do_add_feed(s, body, feed_policy())
            queue_poll(s, key.workspace_id)
            return feeds.feed_out(feed)

    return JSONResponse(await run_in_threadpool(work), status_code=201)


@router.post("/feeds/{feed_id}/poll", summary="Poll one feed now")
def poll_feed(
    request: Request, feed_id: int, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> dict[str, Any]:
    result = feeds.poll(_db(request), key.workspace_id, feed_policy(), feed_ids=[feed_id])[0]
    request.app.state.services.wake_jobs()
    return result.__dict__


@router.delete("/feeds/{feed_id}", status_code=204)
def delete_feed(
    request: Request, feed_id: int, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> None:
    with _db(request).transaction(key.workspace_id) as s:
        s.delete(feeds.access_feed(s, feed_id))


@router.post("/hooks", status_code=201, summary="A signed webhook that receives posts")
async def create_hook(
    request: Request, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> JSONResponse:
    body = await read_json_body(request, 64 * 1024)
    body = body if isinstance(body, dict) else {}
    services = request.app.state.services
    with services.db.transaction(key.workspace_id) as s:
        hook = hooks.do_create_hook(
            s, str(body.get("name") or ""), str(body.get("network") or "other")
        )
        out = {
            "id": hook.id,
            "key": hook.key,
            "secret": hook.secret,
            "network": hook.network,
            "webhook_url": f"{services.settings.base_url.rstrip('/')}/api/v1/listening/hooks/{hook.key}",
        }
    return JSONResponse(out, status_code=201)


@router.post("/hooks/{hook_key}", summary="Receive posts (Standard Webhooks signature)")
async def receive_hook(request: Request, hook_key: str) -> JSONResponse:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise Invalid("webhook body too large")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise Invalid("webhook body too large")
    headers = {k.lower(): v for k, v in request.headers.items()}
    out = await run_in_threadpool(hooks.receive, _db(request), hook_key, body, headers)
    request.app.state.services.wake_jobs()
    return JSONResponse(out, status_code=200 if not out["rejected"] else 207)


# ---------------------------------------------------------------- network accounts, live X


@router.get("/accounts", summary="The workspace's network tokens (never shown back)")
def list_accounts(
    request: Request, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> list[dict[str, Any]]:
    with _db(request).reader(key.workspace_id) as s:
        return [network.account_out(a) for a in s.execute(select(ListeningAccount)).scalars()]


@router.put("/accounts/{name}", summary="Set the X token or the Telegram bot token")
async def set_account(
    request: Request, name: Literal["x", "telegram"], key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> dict[str, Any]:
    body = await read_json_body(request, 64 * 1024)
    if not isinstance(body, dict):
        raise Invalid('expected {"token", "api_base"}')

    def work() -> dict[str, Any]:
        with _db(request).transaction(key.workspace_id) as s:
            return network.account_out(network.do_set_account(s, name, body, feed_policy()))

    return await run_in_threadpool(work)


@router.get("/x/searches", summary="Live X searches and where each stands")
def list_x_searches(
    request: Request, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> list[dict[str, Any]]:
    with _db(request).reader(key.workspace_id) as s:
        return [xsearch.search_out(r) for r in xsearch.list_searches(s)]


@router.post("/x/searches", status_code=201, summary="Poll an X recent search on a schedule")
async def add_x_search(
    request: Request, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> JSONResponse:
    body = await read_json_body(request, 64 * 1024)
    if not isinstance(body, dict):
        raise Invalid('expected {"query", "interval_minutes"}')

    def work() -> dict[str, Any]:
        with _db(request).transaction(key.workspace_id) as s:
            return xsearch.search_out(xsearch.do_add_search(s, body))

    out = await run_in_threadpool(work)
    request.app.state.services.wake_jobs()
    return JSONResponse(out, status_code=201)


@router.post("/x/searches/{search_id}/pull", summary="Run one X search now")
def pull_x_search(
    request: Request, search_id: int, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> dict[str, Any]:
    with _db(request).reader(key.workspace_id) as s:
        xsearch.access_search(s, search_id)
    result = xsearch.pull(_db(request), key.workspace_id, feed_policy(), search_ids=[search_id])
    request.app.state.services.wake_jobs()
    return result[0]


@router.delete("/x/searches/{search_id}", status_code=204)
def delete_x_search(
    request: Request, search_id: int, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> None:
    with _db(request).transaction(key.workspace_id) as s:
        s.delete(xsearch.access_search(s, search_id))


# ---------------------------------------------------------------- reading


def _range(
    request: Request, session: Any, workspace_id: int, since: str | None, until: str | None
) -> tuple[date, date]:
    """Local days of `from`/`to` in the zone the rollups are kept in (the workspace's; after
    a change of time zone, the old one until the rebuild it queues here has run)."""
    if local.needs_rezone(session):
        with _db(request).transaction(workspace_id) as w:
            service.queue_rezone(w)
        request.app.state.services.wake_jobs()
    return service.parse_range(since, until, local.rollup_zone(session))


@router.get("/summary", summary="Mentions, share of voice, net sentiment and reach per brand")
def get_summary(
    request: Request,
    since: str | None = Query(None, alias="from", max_length=40),
    until: str | None = Query(None, alias="to", max_length=40),
    language: str | None = Query(None, pattern="^(ar|fa|zh|en)$"),
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> dict[str, Any]:
    with _db(request).reader(key.workspace_id) as s:
        start, end = _range(request, s, key.workspace_id, since, until)
        return service.summary(s, start, end, language=language)


@router.get("/spikes", summary="Days whose volume or negative share was unusual for the weekday")
def get_spikes(
    request: Request,
    since: str | None = Query(None, alias="from", max_length=40),
    until: str | None = Query(None, alias="to", max_length=40),
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> list[dict[str, Any]]:
    with _db(request).reader(key.workspace_id) as s:
        start, end = _range(request, s, key.workspace_id, since, until)
        return service.spikes_between(s, start, end)


@router.get("/trending", summary="Per language, the terms whose share of posts rose most")
def get_trending(
    request: Request,
    since: str | None = Query(None, alias="from", max_length=40),
    until: str | None = Query(None, alias="to", max_length=40),
    lang: str | None = Query(None, pattern="^(ar|fa|zh|en)$"),
    limit: int = Query(10, ge=1, le=50),
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> dict[str, Any]:
    with _db(request).reader(key.workspace_id) as s:
        start, end = _range(request, s, key.workspace_id, since, until)
        out = trending.trending(s, start, end, language=lang, limit=limit)
        out["zone"] = local.zone_name(local.rollup_zone(s))
        return out


@router.get("/trending/posts", summary="The posts behind a trending term (drill-down)")
def get_trending_posts(
    request: Request,
    term: str = Query(..., min_length=1, max_length=100),
    lang: str = Query(..., pattern="^(ar|fa|zh|en)$"),
    since: str | None = Query(None, alias="from", max_length=40),
    until: str | None = Query(None, alias="to", max_length=40),
    limit: int = Query(50, ge=1, le=200),
    key: AuthenticatedKey = scoped(Scope.READ_PEOPLE),
) -> dict[str, Any]:
    with _db(request).reader(key.workspace_id) as s:
        start, end = _range(request, s, key.workspace_id, since, until)
        lo, hi = local.bounds(start, end, local.rollup_zone(s))
        rows, partial = trending.term_posts(s, lo, hi, language=lang, term=term, limit=limit)
        return {"term": term, "language": lang, "posts": rows, "partial": partial}


@router.get("/posts", summary="The posts behind a number (drill-down)")
def get_posts(
    request: Request,
    since: str | None = Query(None, alias="from", max_length=40),
    until: str | None = Query(None, alias="to", max_length=40),
    brand_id: int | None = None,
    sentiment: Sentiment | None = None,
    aspect: str | None = Query(None, max_length=40),
    language: str | None = Query(None, pattern="^(ar|fa|zh|en)$"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=100_000),
    key: AuthenticatedKey = scoped(Scope.READ_PEOPLE),
) -> list[dict[str, Any]]:
    with _db(request).reader(key.workspace_id) as s:
        start, end = _range(request, s, key.workspace_id, since, until)
        return service.posts(
            s,
            start=start,
            end=end,
            brand_id=brand_id,
            sentiment=sentiment,
            aspect=aspect,
            language=language,
            limit=limit,
            offset=offset,
        )


# ---------------------------------------------------------------- acting


@router.post("/posts/{interaction_id}/conversation", status_code=201)
def open_conversation(
    request: Request, interaction_id: int, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> dict[str, Any]:
    with _db(request).transaction(key.workspace_id) as s:
        conv = service.open_conversation(s, interaction_id)
        out = conversation_out(conv).model_dump(mode="json")
    request.app.state.services.wake_jobs()
    return out


@router.post("/posts/{interaction_id}/case", status_code=201)
def open_case(
    request: Request, interaction_id: int, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> dict[str, Any]:
    with _db(request).transaction(key.workspace_id) as s:
        case = service.open_case(s, interaction_id)
        out = case_out(s, case).model_dump(mode="json")
    request.app.state.services.wake_jobs()
    return out
