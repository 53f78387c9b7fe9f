"""Overview, feedback explorer and people pages; the shell's router listed in sada/domains.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from functools import cache, partial
from importlib import import_module
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse

from sada.core import spreadsheets
from sada.core.errors import Invalid, NotFound
from sada.core.http import client_ip
from sada.core.privacy import Surface, sees_raw_pii
from sada.dashboards import explorer, panels
from sada.dashboards import service as dash
from sada.db.types import utcnow
from sada.domains import person_panel_functions
from sada.health.worth import overview_tile as health_overview_tile
from sada.interactions.service import timeline
from sada.people.browse import SORTS as PEOPLE_SORTS
from sada.people.browse import PeopleQuery, iter_people
from sada.people.browse import browse as browse_people
from sada.people.browse import export_table as people_table
from sada.people.membership import list_segments
from sada.people.merges import do_merge, do_unmerge, list_merges
from sada.people.segments import name_in
from sada.people.service import access_person, person_out
from sada.selfservice.measures import overview_tile
from sada.web import auth_pages, settings_pages, survey_pages
from sada.web.charts import PALETTE, SENTIMENT_COLOURS, Series, bar_chart, line_chart
from sada.web.core import (
    Page,
    PageRoute,
    can,
    checked_form,
    domain_pages,
    page,
    redirect,
    render,
    require,
    services,
)
from sada.web.i18n import zone
from sada.web.labels import labeler
from sada.web.period import Period, parse_period
from sada.web.service import SignedIn

pages = APIRouter(route_class=PageRoute, include_in_schema=False)


def _period(request: Request, p: Page) -> Period:
    return parse_period(request.query_params, zone(p.fmt.timezone))


def _filters(request: Request, me: SignedIn, p: Page) -> dash.Filters:
    """The period (`from`/`to`/`period`, see sada.web.period) and the dimension filters."""
    qp = request.query_params
    per = _period(request, p)
    return dash.Filters(
        start=per.start,
        end=per.end,
        tz=per.tz,
        channel=qp.get("channel") or None,
        audience=qp.get("audience") or None,
        segment=qp.get("segment") or None,
        language=qp.get("language") or None,
    )


def drill(path: str, per: Period, f: dash.Filters | None = None, **more: Any) -> str:
    """The list behind a figure: `path` with the same period and filters, plus `more`."""
    params: dict[str, str] = dict(per.query(compare=False))
    if f is not None:
        for key in ("channel", "audience", "segment", "language"):
            value = getattr(f, key)
            if value:
                params[key] = value
    params.update({k: str(v) for k, v in more.items() if v is not None})
    return path + "?" + urlencode(params)


def _day_link(per: Period, f: dash.Filters, bucket: date, size: str, **more: Any) -> str:
    """The feedback list of one chart point (a day or a week), same filters."""
    if size == "month":
        after = date(bucket.year + bucket.month // 12, bucket.month % 12 + 1, 1)
        last = after - timedelta(days=1)
    else:
        last = bucket + timedelta(days=6 if size == "week" else 0)
    point = Period(max(bucket, per.first), min(last, per.last), per.tz)
    return drill("/feedback", point, f, **more)


def _bucket_label(p: Page, day: date) -> str:
    return p.fmt.short_date(day)


# ---------------------------------------------------------------- overview


@pages.get("/overview")
def overview(request: Request, me: SignedIn = Depends(require("dashboards"))) -> Response:
    p = page(request, me)
    _ = p.gettext
    label = labeler(_)
    per = _period(request, p)
    f = _filters(request, me, p)
    rtl = p.lang in ("ar", "fa")
    previous_sentiment = None

    def links(hrefs: list[str]) -> list[str] | None:
        return hrefs if can(me, "feedback") else None

    with services(request).db.reader(me.workspace_id) as session:
        options = dash.filter_options(session, f.tz)
        totals = dash.totals(session, f)
        channels = dash.volume_by_channel(session, f)
        volume = dash.volume_over_time(session, f)
        sentiment = dash.sentiment_over_time(session, f)
        if per.compare:
            previous_sentiment = dash.sentiment_over_time(session, f.previous())
        topics = dash.top_topics(session, f)
        changes = dash.significant_changes(session, f, current=channels)
        metrics = dash.metric_trends(session, f)
        loop = panels.open_loop(session, me.user_id)
        work = panels.background_work(session, me.workspace_id)
        help_centre = overview_tile(session, f.start) if "selfservice" in domain_pages() else None
        health_tile = (
            health_overview_tile(session, utcnow())
            if "health" in domain_pages() and can(me, "people")
            else None
        )
    labels = [_bucket_label(p, b) for b, _n in volume]
    size = dash.bucket_size(f)
    charts: dict[str, Any] = {}
    charts["volume"] = line_chart(
        _("Interactions over time"),
        labels,
        [
            Series(
                _("Interactions"),
                [n for _b, n in volume],
                PALETTE[0],
                ns=[n for _b, n in volume],
                hrefs=links([_day_link(per, f, b, size) for b, _n in volume]),
            )
        ],
        rtl=rtl,
        y_fmt=lambda v: p.fmt.num(v),
    )
    charts["channels"] = bar_chart(
        _("Volume by channel"),
        [(label("channel", c), n) for c, n in channels],
        rtl=rtl,
        v_fmt=lambda v: p.fmt.num(v),
    )
    has_sentiment = bool(sentiment and any(pt.n for pt in sentiment))
    if has_sentiment:
        assert sentiment is not None
        charts["sentiment"] = line_chart(
            _("Sentiment over time"),
            labels,
            [
                Series(
                    label("sentiment", s),
                    [pt.share(s) for pt in sentiment],
                    SENTIMENT_COLOURS[s],
                    ns=[pt.n for pt in sentiment],
                    dashed=s == "neutral",
                    hrefs=links(
                        [_day_link(per, f, pt.bucket, size, sentiment=s) for pt in sentiment]
                    ),
                )
                for s in ("positive", "neutral", "negative")
            ],
            rtl=rtl,
            y_fmt=lambda v: p.fmt.pct(v),
            y_min=0.0,
            y_max=1.0,
        )
    metric_charts = []
    for m in metrics or []:
        pts = m["points"]
        name = m["metric"].upper()
        decimals = 2 if m["metric"] == "ces" else 0
        metric_charts.append(
            (
                m,
                line_chart(
                    name,
                    [_bucket_label(p, pt["bucket"]) for pt in pts],
                    [
                        Series(
                            name,
                            [pt["value"] for pt in pts],
                            PALETTE[0],
                            ns=[pt["n"] for pt in pts],
                            low=[pt["low"] for pt in pts],
                            high=[pt["high"] for pt in pts],
                            hrefs=links(
                                [
                                    _day_link(per, f, pt["bucket"], _metric_size(f), band="low")
                                    for pt in pts
                                ]
                            ),
                        )
                    ],
                    rtl=rtl,
                    y_fmt=partial(p.fmt.num, decimals=decimals),
                    y_min=-100.0 if m["metric"] == "nps" else 0.0 if m["metric"] == "csat" else 1.0,
                    y_max=100.0 if m["metric"] in ("nps", "csat") else 7.0,
                ),
            )
        )
    return render(
        p,
        "overview.html",
        f=f,
        options=options,
        totals=totals,
        channels=channels,
        volume=volume,
        sentiment=sentiment,
        has_sentiment=has_sentiment,
        text_available=dash.text_model() is not None,
        topics=topics,
        changes=changes,
        metrics=metrics,
        metric_charts=metric_charts,
        loop=loop,
        work=work,
        help_centre=help_centre,
        health_tile=health_tile,
        charts=charts,
        per=per,
        previous_negative=_negative_share(previous_sentiment),
        drill=lambda path, **more: drill(path, per, f, **more),
    )


def _metric_size(f: dash.Filters) -> str:
    """The bucket the metric trends use (as in dash.metric_trends)."""
    return "day" if f.days <= 14 else "week" if f.days <= 120 else "month"


def _negative_share(points: list[dash.SentimentPoint] | None) -> float | None:
    if not points:
        return None
    n = sum(pt.n for pt in points)
    return sum(pt.negative for pt in points) / n if n else None


# ---------------------------------------------------------------- feedback explorer


def _explorer_query(request: Request, me: SignedIn, p: Page) -> explorer.ExplorerQuery:
    qp = request.query_params
    sentiment = qp.get("sentiment")
    band = qp.get("band")
    return explorer.ExplorerQuery(
        filters=_filters(request, me, p),
        q=qp.get("q", "")[:200],
        sentiment=sentiment if sentiment in dash.SENTIMENTS else None,
        band=band if band in ("low", "mid", "high") else None,
        topic=qp.get("topic") or None,
    )


PAGE_SIZE = 25


@pages.get("/feedback")
def feedback(request: Request, me: SignedIn = Depends(require("feedback"))) -> Response:
    p = page(request, me)
    eq = _explorer_query(request, me, p)
    try:
        page_no = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page_no = 1
    with services(request).db.reader(me.workspace_id) as session:
        options = dash.filter_options(session, eq.filters.tz)
        rows = explorer.explore(
            session,
            eq,
            limit=PAGE_SIZE + 1,
            offset=(page_no - 1) * PAGE_SIZE,
            redact=not sees_raw_pii(Surface.PAGE, role=me.role),
        )
    more = len(rows) > PAGE_SIZE
    notice = {
        "corrected": p.gettext("Your correction was saved."),
        "unchanged": p.gettext("Nothing was changed: choose a label first."),
    }.get(request.query_params.get("done", ""))
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return render(
        p,
        "feedback.html",
        notice=notice,
        here=here,
        can_correct=can(me, "feedback") and "text" in domain_pages(),
        eq=eq,
        rows=rows[:PAGE_SIZE],
        more=more,
        page_no=page_no,
        options=options,
        per=_period(request, p),
        aspects=["delivery", "product_quality", "staff", "app_website", "billing", "price"],
        text_available=dash.text_model() is not None,
    )


@pages.get("/feedback/export.csv")
def feedback_csv(request: Request, me: SignedIn = Depends(require("export"))) -> Response:
    p = page(request, me)
    eq = _explorer_query(request, me, p)
    db = services(request).db

    def body() -> Iterator[bytes]:
        with db.reader(me.workspace_id) as session:
            yield from explorer.csv_chunks(
                explorer.iter_export(
                    session, eq, redact=not sees_raw_pii(Surface.EXPORT, role=me.role)
                )
            )

    _audit_export(request, me, "csv")
    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="sada-feedback.csv"'},
    )


@pages.get("/feedback/export.xlsx")
def feedback_xlsx(request: Request, me: SignedIn = Depends(require("export"))) -> Response:
    p = page(request, me)
    eq = _explorer_query(request, me, p)
    with services(request).db.reader(me.workspace_id) as session:
        data = explorer.xlsx_bytes(
            explorer.iter_export(session, eq, redact=not sees_raw_pii(Surface.EXPORT, role=me.role))
        )
    _audit_export(request, me, "xlsx")
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="sada-feedback.xlsx"'},
    )


def _audit_export(
    request: Request, me: SignedIn, kind: str, action: str = "feedback.export"
) -> None:
    from sada.tenants.service import record_audit

    with services(request).db.transaction(me.workspace_id) as session:
        record_audit(
            session,
            me.actor(client_ip(request)),
            action,
            action.split(".")[0],
            "",
            {"format": kind, "query": dict(request.query_params)},
        )


# ---------------------------------------------------------------- people


def _people_query(request: Request) -> PeopleQuery:
    qp = request.query_params
    trait = (qp.get("trait") or "").strip() or None
    value = (qp.get("trait_value") or "").strip() or None
    return PeopleQuery(
        q=qp.get("q", "")[:200],
        audience=qp.get("audience") or None,
        segment=qp.get("segment") or None,
        in_segment=(qp.get("in_segment") or "").strip()[:64] or None,
        language=qp.get("language") or None,
        trait=trait,
        trait_value=value if trait else None,
        sort=qp.get("sort") or "newest",
    )


@pages.get("/people")
def people(request: Request, me: SignedIn = Depends(require("people"))) -> Response:
    p = page(request, me)
    pq = _people_query(request)
    with services(request).db.reader(me.workspace_id) as session:
        found, next_after = browse_people(session, pq, after=request.query_params.get("after"))
        options = dash.filter_options(session, zone(p.fmt.timezone))
        defined = [(s.key, name_in(s.names, p.lang, s.key)) for s in list_segments(session)]
    return render(
        p,
        "people.html",
        defined_segments=defined,
        q=pq.q,
        audience=pq.audience,
        pq=pq,
        people=[r.summary for r in found],
        rows=found,
        next_after=next_after,
        sorts=PEOPLE_SORTS,
        options=options,
    )


@pages.get("/people/export.{kind}")
def people_export(
    request: Request, kind: str, me: SignedIn = Depends(require("export"))
) -> Response:
    """Everyone the list's filters find, as CSV or XLSX (formulas guarded, at most 100,000)."""
    if kind not in ("csv", "xlsx"):
        raise NotFound("exports are CSV or XLSX")
    pq = _people_query(request)
    pq.check()
    db = services(request).db
    _audit_export(request, me, kind, "people.export")
    name = f"sada-people.{kind}"
    if kind == "csv":

        def body() -> Iterator[bytes]:
            with db.reader(me.workspace_id) as session:
                header, rows = people_table(iter_people(session, pq))
                yield from spreadsheets.csv_chunks(header, rows)

        return StreamingResponse(
            body(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    with db.reader(me.workspace_id) as session:
        header, rows = people_table(iter_people(session, pq))
        data = spreadsheets.xlsx_bytes(
            header, rows, sheet="people", rtl=page(request, me).lang in ("ar", "fa")
        )
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@pages.get("/people/{person_id}")
def person(request: Request, person_id: int, me: SignedIn = Depends(require("people"))) -> Response:
    p = page(request, me)
    qp = request.query_params
    channel = qp.get("channel") or None
    with services(request).db.reader(me.workspace_id) as session:
        row = access_person(session, person_id)
        profile = person_out(session, row)
        merged_into = row.merged_into_id
        items, next_cursor = timeline(
            session,
            person_id,
            limit=30,
            cursor=qp.get("cursor") or None,
            channels=[channel] if channel else None,
        )
        merges = list_merges(session, person_id)
        sentiment = panels.person_sentiment(session, person_id)
        scores = panels.person_scores(session, person_id)
        channels = panels.person_channels(session, person_id)
        analyses = _analyses_for(session, [i.id for i in items])
        extra_panels = [
            html
            for fn in person_panel_functions()
            if (html := _import(fn)(p, session, person_id)) is not None
        ]
    spark = None
    if sentiment:
        spark = line_chart(
            p.gettext("Sentiment trend"),
            [p.fmt.date(at) for at, _l, _s in sentiment],
            [Series(p.gettext("Sentiment score"), [s for _a, _l, s in sentiment], PALETTE[0])],
            rtl=p.lang in ("ar", "fa"),
            y_fmt=lambda v: p.fmt.num(v, 1),
            y_min=-1.0,
            y_max=1.0,
        )
    return render(
        p,
        "person.html",
        person=profile,
        panels=extra_panels,
        merged_into=merged_into,
        items=items,
        next_cursor=next_cursor,
        merges=merges,
        scores=scores,
        channels=channels,
        channel=channel,
        spark=spark,
        analyses=analyses,
    )


def _analyses_for(session: Any, ids: list[int]) -> dict[int, str]:
    model = dash.text_model()
    if model is None or not ids:
        return {}
    from sqlalchemy import select

    return dict(
        session.execute(
            select(model.interaction_id, model.sentiment).where(model.interaction_id.in_(ids))
        ).all()
    )


@pages.get("/people/{person_id}/merge")
def merge_confirm(
    request: Request, person_id: int, me: SignedIn = Depends(require("people.merge"))
) -> Response:
    p = page(request, me)
    try:
        other_id = int(request.query_params.get("other", ""))
    except ValueError:
        other_id = None
    with services(request).db.reader(me.workspace_id) as session:
        survivor = person_out(session, access_person(session, person_id))
        other = person_out(session, access_person(session, other_id)) if other_id else None
    if other is not None and other.id == survivor.id:
        other = None
    return render(p, "merge.html", survivor=survivor, other=other)


@pages.post("/people/{person_id}/merge")
async def merge_do(
    request: Request, person_id: int, me: SignedIn = Depends(require("people.merge"))
) -> Response:
    form = await checked_form(request)
    try:
        other_id = int(str(form.get("other", "")))
    except ValueError:
        raise Invalid("choose a person to merge") from None
    reason = str(form.get("reason", ""))[:500] or "merged in the web app"
    with services(request).db.transaction(me.workspace_id) as session:
        do_merge(session, person_id, other_id, reason=reason, actor=me.actor(client_ip(request)))
    return redirect(request, f"/people/{person_id}?merged=1")


@pages.get("/people/merges/{merge_id}/undo")
def unmerge_confirm(
    request: Request, merge_id: int, me: SignedIn = Depends(require("people.merge"))
) -> Response:
    from sqlalchemy import select

    from sada.people.models import PersonMerge

    with services(request).db.reader(me.workspace_id) as session:
        record = session.execute(
            select(PersonMerge).where(PersonMerge.id == merge_id)
        ).scalar_one_or_none()
        if record is None or record.undone_at is not None:
            raise NotFound("no such merge")
        survivor = person_out(session, access_person(session, record.survivor_id))
        merged = person_out(session, access_person(session, record.merged_id))
    return render(
        page(request, me), "unmerge.html", record=record, survivor=survivor, merged=merged
    )


@pages.post("/people/merges/{merge_id}/undo")
async def unmerge_do(
    request: Request, merge_id: int, me: SignedIn = Depends(require("people.merge"))
) -> Response:
    await checked_form(request)
    with services(request).db.transaction(me.workspace_id) as session:
        record = do_unmerge(session, merge_id, actor=me.actor(client_ip(request)))
    return redirect(request, f"/people/{record.merged_id}?unmerged=1")


@cache
def _import(target: str) -> Any:
    """A "module:function" named in the domain manifest."""
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)


router = APIRouter(include_in_schema=False)
router.include_router(auth_pages.router)
router.include_router(pages)
router.include_router(settings_pages.router)
router.include_router(survey_pages.router)
