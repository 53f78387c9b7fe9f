"""Pages of journeys: audience scorecard, journey map with metrics, verbatims, retention.

Rendered in the web shell's base template (templates kept here as strings, like
the cases pages). The map view puts each stage's and touchpoint's metrics on
the map itself, then the pain points, the funnel, the paths and the driver
quadrant; the base template sets dir="rtl" for Arabic and Persian.
"""

from __future__ import annotations

import copy
import importlib
import threading
import time
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from sada.core.privacy import Surface, sees_raw_pii
from sada.domains import journey_section_functions
from sada.journeys import (
    drivers,
    pagecache,
    retention,
    scorecard,
    service,
)
from sada.journeys.analytics import choice_for
from sada.web.core import (
    Page,
    PageRoute,
    page,
    render_source,
    require,
    services,
)
from sada.web.i18n import zone
from sada.web.period import Period, parse_period
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)
_TEMPLATES: dict[str, str] = {}


def _render(p: Page, name: str, **context: Any) -> HTMLResponse:
    return render_source(
        p,
        _TEMPLATES[name],
        **context,
        pct=p.fmt.pct,
        num=p.fmt.num,
        tp_label=lambda tp, lang=p.lang: (
            (tp.get("labels") or {}).get(lang) or tp.get("label") or tp["key"]
        ),
    )


def _period(request: Request, p: Page) -> Period:
    """The page's period (from/to, presets, compare; see sada.web.period), 90 days by default."""
    return parse_period(request.query_params, zone(p.fmt.timezone), default="90d")


_DRIVERS_TTL = 600.0
_drivers_cache: dict[tuple[int, str, str, int], tuple[float, dict[str, Any]]] = {}
_drivers_lock = threading.Lock()


def _drivers(s: Any, workspace_id: int, map_key: str, measure: str, now: int) -> dict[str, Any]:
    """Key drivers over the year to `now`: a bootstrap over every rated response, the same
    for every view within minutes, so kept for ten minutes per workspace, map and day."""
    key = (workspace_id, map_key, measure, now // 86400)
    with _drivers_lock:
        hit = _drivers_cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < _DRIVERS_TTL:
        return copy.deepcopy(hit[1])
    found = drivers.key_drivers(
        s, map_key, measure, since=now - 365 * 86400, until=now, bootstrap=100
    )
    with _drivers_lock:
        if len(_drivers_cache) > 256:
            _drivers_cache.clear()
        _drivers_cache[key] = (time.monotonic(), copy.deepcopy(found))
    return found


def _int(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    try:
        return min(hi, max(lo, int(request.query_params.get(name, default))))
    except ValueError:
        return default


_TEMPLATES["scorecard"] = """{% extends "base.html" %}
{% from "_macros.html" import period_form with context %}
{% block title %}{{ _("Audiences") }}{% endblock %}
{% block content %}
<h1>{{ _("Audience scorecard") }}</h1>
{{ period_form(per) }}
<p>{{ _("%(days)s days, compared with the %(days)s days before.", days=fmt.num(days)) }}</p>
<table class="list" id="scorecard">
<thead><tr><th>#</th><th>{{ _("Audience") }}</th><th>{{ _("Owner") }}</th><th>{{ _("Measure") }}</th>
<th>{{ _("Current (95%% CI)") }}</th><th>{{ _("Trend") }}</th><th>{{ _("Target") }}</th><th>{{ _("People") }}</th>
<th>{{ _("Journey coverage") }}</th><th>{{ _("Flags") }}</th></tr></thead>
<tbody>
{% for a in rows %}
<tr class="{% if a.flags %}flagged{% endif %}">
<td>{{ a.rank }}</td>
<td><bdi>{{ a.label }}</bdi>{% if a.description %}<br><small dir="auto">{{ a.description }}</small>{% endif %}</td>
<td>{% if a.owner %}<bdi>{{ a.owner }}</bdi>{% else %}<strong>{{ _("No owner") }}</strong>{% endif %}</td>
<td>{{ (a.measure or '–')|upper }}</td>
<td>{% if a.current and a.current.value is not none %}{{ num(a.current.value, 1) }} ({{ fmt.ltr(num(a.current.ci[0], 1) ~ '…' ~ num(a.current.ci[1], 1)) }}, n={{ fmt.num(a.current.n) }}){% else %}–{% endif %}</td>
<td>{% if a.trend %}{{ fmt.ltr(fmt.signed(a.trend.change, 1)) }}{% if a.trend.significant %} *{% endif %}{% else %}–{% endif %}</td>
<td>{{ num(a.target, 0) if a.target is not none else '–' }}</td>
<td>{{ fmt.num(a.people) }}</td>
<td>{% if a.coverage %}<a href="/journeys/maps/{{ a.coverage.map }}">{{ a.coverage.with_feedback }}/{{ a.coverage.touchpoints }}</a>{% else %}–{% endif %}</td>
<td>{% for f in a.flags %}<span class="tag">{{ label('audience_flag', f) }}</span> {% endfor %}</td>
</tr>
{% endfor %}
</tbody></table>
<p>* {{ _("significant change (95%%)") }}</p>
<h2>{{ _("Journey maps") }}</h2>
<ul>{% for m in maps %}<li><a href="/journeys/maps/{{ m.key }}"><bdi>{{ m.name }}</bdi></a> ({{ m.audience }}, v{{ m.version }}) ·
<a href="/journeys/audiences/{{ m.audience }}/retention">{{ _("Retention and churn") }}</a></li>{% endfor %}</ul>
{% for section in sections %}{{ section }}{% endfor %}
{% endblock %}"""


@router.get("/journeys")
def scorecard_page(request: Request, me: SignedIn = Depends(require("dashboards"))) -> Response:
    p = page(request, me)
    per = _period(request, p)
    _since, until = per.epoch_range()
    with services(request).db.reader(me.workspace_id) as s:
        # The period's whole local days (as its label says), so the figures of a period are
        # the same all day and the scan behind them is kept (`pagecache`) until data changes.
        rows = scorecard.scorecard(s, now=until, days=per.days)
        maps = [service.map_out(s, m) for m in service.list_maps(s)]
        sections = _sections(p, s)
    return _render(p, "scorecard", rows=rows, maps=maps, days=per.days, per=per, sections=sections)


def _sections(p: Page, s: Any) -> list[Any]:
    """Other domains' sections of the scorecard (health: revenue at risk by touchpoint)."""
    out = []
    for target in journey_section_functions():
        module_name, _, function = target.partition(":")
        html = getattr(importlib.import_module(module_name), function)(p, s)
        if html is not None:
            out.append(html)
    return out


_TEMPLATES["map"] = """{% extends "base.html" %}
{% from "_macros.html" import period_presets, period_fields with context %}
{% block title %}{{ m.name }}{% endblock %}
{% block content %}
<h1><bdi>{{ m.name }}</bdi> <small>v{{ m.version }}</small></h1>
{{ period_presets(per) }}
<form method="get" class="filters">
{{ period_fields(per) }}
<label>{{ _("Break down by") }}<input name="group_by" value="{{ group_by or '' }}" placeholder="language, segment, attr:region"></label>
<button type="submit">{{ _("Show") }}</button></form>
<section class="journey-map">
{% for st in m.definition.stages %}{% set sm = stages[loop.index0] %}
<div class="stage">
<h3>{{ tp_label(st) }}</h3>
<p><small>{{ _("Volume") }} {{ fmt.num(sm.volume) }} · NPS {{ num(sm.nps.value if sm.nps else none) }} · {{ _("Complaints") }} {{ pct(sm.complaint_rate) }}</small></p>
{% if stages_before %}{% set sb = stages_before[loop.index0] %}<p class="delta" data-compare><small>{{ _("vs previous period") }}:
{{ _("Volume") }} {{ fmt.ltr(fmt.signed(sm.volume - sb.volume)) }}{% if sm.nps and sb.nps %} · NPS {{ fmt.ltr(fmt.signed(sm.nps.value - sb.nps.value, 1)) }}{% endif %}{% if sm.complaint_rate is not none and sb.complaint_rate is not none %} · {{ _("Complaints") }} {{ fmt.ltr(fmt.signed(100 * (sm.complaint_rate - sb.complaint_rate), 1)) }}{% endif %}</small></p>{% endif %}
{% for t in st.touchpoints %}{% set tm = tps[t.key] %}
<div class="touchpoint{% if t.key in hurting %} pain{% endif %}">
<a href="/journeys/maps/{{ m.key }}/touchpoints/{{ t.key }}?{{ per.query()|urlencode }}">{{ tp_label(t) }}</a><br>
<small>{{ fmt.num(tm.volume) }} · NPS {{ num(tm.nps.value if tm.nps else none) }} · {{ _("neg.") }} {{ pct(tm.negative_share) }} · {{ _("compl.") }} {{ pct(tm.complaint_rate) }}{% if tm.first_response_median_seconds is not none %} · {{ _("FRT") }} {{ fmt.duration(tm.first_response_median_seconds / 60) }}{% endif %}</small>
</div>{% endfor %}
</div>{% endfor %}
</section>
<h2>{{ _("Pain points") }}</h2>
<table class="list" id="pain-points"><thead><tr><th>{{ _("Touchpoint") }}</th><th>{{ _("Group") }}</th><th>n</th><th>{{ _("Worst metric") }}</th><th>{{ _("Score (z)") }}</th><th>NPS</th><th>{{ _("Complaints") }}</th><th>{{ _("Negative") }}</th></tr></thead><tbody>
{% for x in pains[:15] %}<tr{% if x.significant %} class="flagged"{% endif %}>
<td><a href="/journeys/maps/{{ m.key }}/touchpoints/{{ x.touchpoint }}?{{ per.query()|urlencode }}{% if x.group is not none %}&amp;group_by={{ group_by|urlencode }}&amp;group={{ x.group|urlencode }}{% endif %}">{{ x.touchpoint }}</a></td>
<td><bdi>{{ x.group if x.group is not none else '' }}</bdi></td><td>{{ x.volume }}</td><td>{{ x.worst_metric }}</td><td>{{ num(x.pain_score, 1) }}{% if x.significant %} *{% endif %}</td>
<td>{{ num(x.nps.value if x.nps else none) }}</td><td>{{ pct(x.complaint_rate) }}</td><td>{{ pct(x.negative_share) }}</td></tr>
{% else %}<tr><td colspan="8" class="empty">{{ _("Not enough data to rank touchpoints.") }}</td></tr>{% endfor %}
</tbody></table>
<p><small>{{ _("Cells with fewer than %(n)s observations are not ranked (%(k)s cells).", n=min_n, k=thin) }}</small></p>
<h2>{{ _("Funnel") }}</h2>
<table class="list" id="funnel"><thead><tr><th>{{ _("Stage") }}</th><th>{{ _("People") }}</th><th>{{ _("Conversion") }}</th><th>{{ _("Drop-off") }}</th><th>{{ _("Median time") }}</th><th>{{ _("90th percentile") }}</th></tr></thead><tbody>
{% for s in funnel.steps %}<tr><td>{{ s.step }}</td><td>{{ s.people }}
<svg class="funnel-bar" aria-hidden="true" width="100" height="8" viewBox="0 0 100 8"><rect width="{{ (100 * (s.conversion_from_start or 0))|round(0) }}" height="8" fill="#58a"/></svg></td>
<td>{{ pct(s.conversion_from_previous) }}</td><td>{{ s.drop_off }}</td>
<td>{{ fmt.duration(s.median_seconds / 60 if s.median_seconds is not none else none) }}</td><td>{{ fmt.duration(s.p90_seconds / 60 if s.p90_seconds is not none else none) }}</td></tr>{% endfor %}
</tbody></table>
<h2>{{ _("Top paths") }}</h2>
<table class="list" id="paths"><thead><tr><th>{{ _("Path") }}</th><th>{{ _("People") }}</th><th>{{ _("Reached goal") }}</th></tr></thead><tbody>
{% for x in paths.top_paths[:10] %}<tr><td>{{ x.path|join(' → ') }}</td><td>{{ x.people }}</td><td>{{ x.reached_goal }}</td></tr>{% endfor %}
</tbody></table>
<h3>{{ _("Where people abandon") }}</h3>
<ul>{% for a in paths.abandonment[:8] %}<li>{{ a.touchpoint }}: {{ a.people }} ({{ pct(a.share) }})</li>{% endfor %}</ul>
<h2>{{ _("Key drivers") }}</h2>
{% if drivers.drivers %}
<svg viewBox="0 0 320 220" width="320" height="220" role="img" aria-label="{{ _('Driver quadrant: importance against performance') }}" direction="ltr">
<line x1="160" y1="10" x2="160" y2="210" stroke="#999"/><line x1="10" y1="110" x2="310" y2="110" stroke="#999"/>
<text x="14" y="22" font-size="10">{{ _("fix first") }}</text><text x="240" y="22" font-size="10">{{ _("maintain") }}</text>
{% for d in drivers.drivers %}<circle cx="{{ 10 + 300 * d.x }}" cy="{{ 210 - 200 * d.y }}" r="4" fill="{{ '#c33' if d.quadrant == 'fix_first' else '#58a' }}"><title>{{ d.driver }}</title></circle>{% endfor %}
</svg>
<table class="list" id="drivers"><thead><tr><th>{{ _("Driver") }}</th><th>n</th><th>{{ _("Share of explained variance") }}</th><th>{{ _("Weight (95%% CI)") }}</th><th>{{ _("Performance") }}</th><th>{{ _("Quadrant") }}</th></tr></thead><tbody>
{% for d in drivers.drivers %}<tr><td>{{ d.driver }}</td><td>{{ d.n }}</td><td>{{ pct(d.share) }}</td><td>{{ num(d.weight, 3) }} ({{ num(d.weight_ci[0], 3) }}…{{ num(d.weight_ci[1], 3) }})</td><td>{{ num(d.performance, 1) }}</td><td>{{ label('quadrant', d.quadrant) }}</td></tr>{% endfor %}
</tbody></table>
<p><small>R² = {{ num(drivers.r2, 3) }}, n = {{ drivers.respondents }}</small></p>
{% else %}<p>{{ _("Not enough rated responses to estimate drivers.") }}</p>{% endif %}
{% endblock %}"""


@router.get("/journeys/maps/{map_key}")
def map_page(
    request: Request, map_key: str, me: SignedIn = Depends(require("dashboards"))
) -> Response:
    p = page(request, me)
    per = _period(request, p)
    group_by = request.query_params.get("group_by") or None
    since, now = per.epoch_range()
    db = services(request).db
    with db.reader(me.workspace_id) as s:
        m = service.map_out(s, service.access_map(s, map_key))
        # Each result is kept while the workspace's data, the map and the question are
        # unchanged (`pagecache`); after a write only the people it changed are read again
        # (`sada.journeys.incremental`).
        figures = pagecache.map_figures(
            s,
            map_key,
            since=since,
            until=now,
            group_by=group_by,
            previous=per.previous().epoch_range() if per.compare else None,
            choice=choice_for(services(request).settings, db),
        )
        exp, before, group_by = figures["experience"], figures["before"], figures["group_by"]
        fun, pth = figures["funnel"], figures["paths"]
        audience = service.access_audience(s, m.audience)
        measure = audience.measure if audience.measure in ("nps", "enps", "csat", "ces") else "nps"
        drv = _drivers(s, me.workspace_id, map_key, measure, now)
    if drv["drivers"]:
        top_share = max(d["share"] for d in drv["drivers"]) or 1.0
        perfs = [d["performance"] for d in drv["drivers"]]
        lo, hi = min(perfs), max(perfs)
        for d in drv["drivers"]:
            d["x"] = (d["performance"] - lo) / (hi - lo) if hi > lo else 0.5
            d["y"] = d["share"] / top_share
    return _render(
        p,
        "map",
        m=m,
        per=per,
        group_by=group_by,
        stages=exp["stages"],
        stages_before=before["stages"] if before else None,
        tps={t["touchpoint"]: t for t in exp["touchpoints"]},
        hurting={x["touchpoint"] for x in exp["pain_points"] if x["significant"]},
        pains=exp["pain_points"],
        thin=len(exp["insufficient_data"]),
        min_n=exp["min_n"],
        funnel=fun,
        paths=pth,
        drivers=drv,
    )


_TEMPLATES["verbatims"] = """{% extends "base.html" %}
{% from "_macros.html" import period_form with context %}
{% block title %}{{ touchpoint }}{% endblock %}
{% block content %}
<h1>{{ touchpoint }}{% if group %} · <bdi>{{ group }}</bdi>{% endif %}</h1>
<p><a href="/journeys/maps/{{ map_key }}?{{ per.query()|urlencode }}">{{ _("Back to the journey") }}</a></p>
{{ period_form(per) }}
{% for v in items %}<article class="msg" dir="auto"><header>{{ fmt.datetime(v.occurred_at) }} · {{ v.type }} · {{ v.channel }}{% if v.rating is not none %} · {{ v.rating_scale }} {{ num(v.rating) }}{% endif %}{% if v.sentiment %} · {{ v.sentiment }}{% endif %}
{% if v.person_id %} · <a href="/people/{{ v.person_id }}">{{ _("person") }}</a>{% endif %}</header><p>{{ v.text }}</p></article>
{% else %}<p class="empty">{{ _("No texts for this touchpoint in this period.") }}</p>{% endfor %}
{% endblock %}"""


@router.get("/journeys/maps/{map_key}/touchpoints/{touchpoint}")
def verbatims_page(
    request: Request, map_key: str, touchpoint: str, me: SignedIn = Depends(require("dashboards"))
) -> Response:
    p = page(request, me)
    per = _period(request, p)
    since, now = per.epoch_range()
    group_by = request.query_params.get("group_by") or None
    group = request.query_params.get("group")
    raw_pii = sees_raw_pii(Surface.PAGE, role=me.role)
    with services(request).db.reader(me.workspace_id) as s:
        items = pagecache.verbatims(
            s,
            map_key,
            touchpoint,
            since=since,
            until=now,
            group_by=group_by,
            group=group,
            limit=50,
            raw_pii=raw_pii,
        )
    return _render(
        p, "verbatims", items=items, touchpoint=touchpoint, map_key=map_key, group=group, per=per
    )


_TEMPLATES["retention"] = """{% extends "base.html" %}
{% from "_macros.html" import period_form with context %}
{% block title %}{{ _("Retention") }}{% endblock %}
{% block content %}
<h1>{{ _("Retention and churn") }}: <bdi>{{ audience }}</bdi></h1>
{{ period_form(per) }}
<table class="list" id="cohorts"><thead><tr><th>{{ _("Cohort") }}</th><th>{{ _("People") }}</th>
{% for k in range(months + 1) %}<th>M{{ k }}</th>{% endfor %}</tr></thead><tbody>
{% for c in cohorts %}<tr><td>{{ c.cohort }}</td><td>{{ c.people }}</td>{% for r in c.retention %}<td>{{ pct(r) if r is not none else '' }}</td>{% endfor %}</tr>{% endfor %}
</tbody></table>
<h2>{{ _("Churn") }}</h2>
<p>{{ _("Overall") }}: {{ pct(churn.overall.rate) }} ({{ churn.overall.churned }}/{{ churn.overall.people }})</p>
<table class="list" id="churn"><thead><tr><th>{{ _("Group") }}</th><th>{{ _("Churn with") }}</th><th>{{ _("Churn without") }}</th><th>{{ _("Difference") }}</th><th>p</th></tr></thead><tbody>
{% for c in churn.comparisons %}<tr{% if c.significant %} class="flagged"{% endif %}><td>{{ label('risk_group', c.group) }}</td>
<td>{{ pct(c.with.rate) }} (n={{ fmt.num(c.with.people) }})</td><td>{{ pct(c.without.rate) }} (n={{ fmt.num(c.without.people) }})</td>
<td>{{ pct(c.difference) if c.difference is not none else '–' }}</td><td>{{ num(c.p_value, 3) if c.p_value is not none else '–' }}</td></tr>{% endfor %}
</tbody></table>
{% endblock %}"""


@router.get("/journeys/audiences/{audience}/retention")
def retention_page(
    request: Request, audience: str, me: SignedIn = Depends(require("dashboards"))
) -> Response:
    p = page(request, me)
    per = parse_period(request.query_params, zone(p.fmt.timezone), default="365d")
    _since, now = per.epoch_range()
    months = 12
    with services(request).db.reader(me.workspace_id) as s:
        service.access_audience(s, audience)
        coh, ch = retention.cohorts_and_churn(
            s,
            audience,
            since=now - 365 * 86400,
            until=now,
            max_months=months,
            inactive_days=_int(request, "inactive_days", 90, 1, 3650),
        )
    return _render(
        p, "retention", audience=audience, cohorts=coh["cohorts"], months=months, churn=ch, per=per
    )
