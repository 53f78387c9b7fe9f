"""Listening pages: the overview (brands against competitors, volume, spikes, top authors), the
brand comparison per aspect, and the posts behind every number, from which an agent opens a
conversation in the inbox (under the social first-response target) or a case.

Viewers read; opening a conversation or a case needs the "people" permission (agents and up).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response

from sada.core.errors import Invalid
from sada.db.types import utcnow
from sada.listening import days as local
from sada.listening import service, trending
from sada.web.charts import PALETTE, Series, line_chart
from sada.web.core import PageRoute, can, checked_form, page, redirect, render, require, services
from sada.web.i18n import N_
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# The reasons the inbox's reply box gives for a post that cannot be answered on its network
# (`sada.listening.replies`), listed here so that the catalogs translate them.
REPLY_REFUSALS = (
    N_(
        "Review sites take answers only from the business's own review console: answer this "
        "review there."
    ),
    N_("This post comes from a feed (RSS or Atom), which cannot be answered."),
    N_("This is a Telegram channel post: a bot can answer only in the channel's discussion group."),
    N_("Sada cannot post replies on this network: answer the author there."),
    N_(
        "Replies on X need the workspace's X token (an admin sets it: "
        "PUT /api/v1/listening/accounts/x)."
    ),
    N_(
        "Replies on Telegram need the workspace's bot token (an admin sets it: "
        "PUT /api/v1/listening/accounts/telegram)."
    ),
    N_("This post was imported without the ids the network needs to answer it."),
)
PERIODS = (7, 30, 90, 365)
LANGS = ("ar", "fa", "zh", "en")
TRENDING_DAYS = 30


def _period(request: Request, tz: tzinfo) -> tuple[date, date, int, str | None]:
    """The last `days` local days (in the zone of the rollups: the workspace's)."""
    try:
        days = int(request.query_params.get("days", "30"))
    except ValueError:
        days = 30
    days = days if days in PERIODS else 30
    language = request.query_params.get("language") or None
    language = language if language in LANGS else None
    end = local.local_day(utcnow(), tz)
    return end - timedelta(days=days - 1), end, days, language


def _query(**params: Any) -> str:
    """A query string (`frm` stands for `from`, a Python keyword); empty values left out."""
    if "frm" in params:
        params["from"] = params.pop("frm")
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


@router.get("/listening")
def overview(request: Request, me: SignedIn = Depends(require("dashboards"))) -> Response:
    p = page(request, me)
    with services(request).db.reader(me.workspace_id) as session:
        _rezone_if_needed(request, session, me.workspace_id)
        start, end, days, language = _period(request, local.rollup_zone(session))
        data = service.summary(session, start, end, language=language)
        # One language's rising terms at a time (the language filter, else the reader's),
        # for periods up to TRENDING_DAYS: the page stays a bounded read of the term rollup.
        terms_lang = request.query_params.get("terms")
        if terms_lang not in LANGS:
            terms_lang = language or (p.lang if p.lang in LANGS else "en")
        rising = (
            trending.trending(session, start, end, language=terms_lang, limit=8)
            if days <= TRENDING_DAYS
            else None
        )
    rtl = p.lang in ("ar", "fa")
    for s in data["spikes"]:
        s["day_label"] = p.fmt.date(date.fromisoformat(s["day"]))
    labels = [p.fmt.date(date.fromisoformat(d)) for d in data["days"]]
    chart = (
        line_chart(
            p.gettext("Mentions per day"),
            labels,
            [
                Series(b["name"], b["volume"], PALETTE[i % len(PALETTE)])
                for i, b in enumerate(data["brands"])
            ],
            rtl=rtl,
            y_fmt=lambda v: p.fmt.num(v),
        )
        if data["brands"]
        else None
    )
    return render(
        p,
        "listening/overview.html",
        data=data,
        rising=rising,
        terms_lang=terms_lang,
        trending_days=TRENDING_DAYS,
        chart=chart,
        days=days,
        periods=PERIODS,
        language=language,
        langs=LANGS,
        start=start.isoformat(),
        end=end.isoformat(),
        query=_query,
    )


@router.get("/listening/compare")
def compare(request: Request, me: SignedIn = Depends(require("dashboards"))) -> Response:
    p = page(request, me)
    with services(request).db.reader(me.workspace_id) as session:
        start, end, days, language = _period(request, local.rollup_zone(session))
        data = service.summary(session, start, end, language=language)
    return render(
        p,
        "listening/compare.html",
        data=data,
        days=days,
        periods=PERIODS,
        language=language,
        langs=LANGS,
        start=start.isoformat(),
        end=end.isoformat(),
        query=_query,
    )


def _rezone_if_needed(request: Request, session: Any, workspace_id: int) -> None:
    """The workspace's time zone changed since the rollups were built: queue their rebuild
    (the page answers in the kept zone meanwhile)."""
    if local.needs_rezone(session):
        with services(request).db.transaction(workspace_id) as w:
            service.queue_rezone(w)
        services(request).wake_jobs()


def _day(value: str | None, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid("dates look like 2026-01-31") from None


@router.get("/listening/posts")
def posts_page(request: Request, me: SignedIn = Depends(require("dashboards"))) -> Response:
    p = page(request, me)
    q = request.query_params
    brand_id = int(q["brand"]) if q.get("brand", "").isdigit() else None
    sentiment = q.get("sentiment") if q.get("sentiment") in service.SENTIMENTS else None
    aspect = (q.get("aspect") or None) if len(q.get("aspect", "")) <= 40 else None
    language = q.get("language") if q.get("language") in LANGS else None
    term = (q.get("term") or "").strip()[:100] or None
    partial = False
    with services(request).db.reader(me.workspace_id) as session:
        tz = local.rollup_zone(session)
        end = _day(q.get("to"), local.local_day(utcnow(), tz))
        start = _day(q.get("from"), end - timedelta(days=29))
        if term and language:
            lo, hi = local.bounds(start, end, tz)
            rows, partial = trending.term_posts(
                session, lo, hi, language=language, term=term, limit=100
            )
        else:
            term = None
            rows = service.posts(
                session,
                start=start,
                end=end,
                brand_id=brand_id,
                sentiment=sentiment,
                aspect=aspect,
                language=language,
                limit=100,
            )
        brands = service.list_brands(session)
    for r in rows:
        r["when"] = p.fmt.datetime(datetime.fromisoformat(r["at"]))
    return render(
        p,
        "listening/posts.html",
        rows=rows,
        brands=brands,
        brand_id=brand_id,
        sentiment=sentiment,
        aspect=aspect,
        language=language,
        term=term,
        partial=partial,
        scan=trending.SCAN,
        langs=LANGS,
        start=start.isoformat(),
        end=end.isoformat(),
        can_act=can(me, "people"),
        sentiments=service.SENTIMENTS,
        notice=q.get("done"),
    )


def _post_id(raw: str) -> int:
    if not raw.isdigit():
        raise Invalid("choose a post")
    return int(raw)


@router.post("/listening/posts/{interaction_id}/conversation")
async def open_conversation(
    request: Request, interaction_id: int, me: SignedIn = Depends(require("people"))
) -> Response:
    await checked_form(request)
    db = services(request).db
    with db.transaction(me.workspace_id) as session:
        conv = service.open_conversation(session, interaction_id)
        conv_id = conv.id
    services(request).wake_jobs()
    return redirect(request, f"/inbox/{conv_id}")


@router.post("/listening/posts/{interaction_id}/case")
async def open_case(
    request: Request, interaction_id: int, me: SignedIn = Depends(require("people"))
) -> Response:
    await checked_form(request)
    with services(request).db.transaction(me.workspace_id) as session:
        case = service.open_case(session, interaction_id)
        case_id = case.id
    services(request).wake_jobs()
    return redirect(request, f"/cases?opened={case_id}")
