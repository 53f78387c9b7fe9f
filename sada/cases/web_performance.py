"""The team performance page: response and resolution times, SLA attainment, CSAT and NPS per agent
or team for a period (with comparison), every figure linking to the conversations behind it, and
the recovered rate of follow-up surveys per owner, linking to the cases behind it.

Roles that read dashboards see every agent and team. Agents see their own teams: by agent, the
members of the teams they belong to (themselves included); by team, those teams.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.cases.models import TeamMember
from sada.cases.performance import report
from sada.core.errors import Forbidden
from sada.web.core import (
    Page,
    PageRoute,
    can,
    current_user,
    page,
    render_source,
    services,
)
from sada.web.i18n import N_, zone
from sada.web.labels import register
from sada.web.period import Period, parse_period
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)
AGENT = "agent"

_TEMPLATES: dict[str, str] = {}


def _render(p: Page, name: str, **context: Any) -> HTMLResponse:
    return render_source(p, _TEMPLATES[name], **context)


register(
    "verdict",
    {
        "significant": N_("significant change"),
        "not significant": N_("no significant change"),
    },
)
register(
    "perf_metric",
    {
        "first_response_minutes": N_("First response"),
        "resolution_minutes": N_("Resolution"),
        "sla_attainment": N_("SLA attainment"),
        "reopen_rate": N_("Reopen rate"),
        "csat": N_("CSAT"),
        "nps": N_("NPS"),
    },
)
PERF_METRICS = (
    "first_response_minutes",
    "resolution_minutes",
    "sla_attainment",
    "reopen_rate",
    "csat",
    "nps",
)

_TEMPLATES["performance"] = """{% extends "base.html" %}
{% from "_macros.html" import period_form with context %}
{% block title %}{{ _("Team performance") }}{% endblock %}
{% block content %}
<h1>{{ _("Team performance") }}</h1>
{{ period_form(per) }}
<form method="get" class="filters">
  {% for key, value in request.query_params.multi_items() %}{% if key != 'by' %}<input type="hidden" name="{{ key }}" value="{{ value }}">{% endif %}{% endfor %}
  <label>{{ _("By") }}
    <select name="by" data-autosubmit>
      <option value="agent"{% if by == 'agent' %} selected{% endif %}>{{ _("Agent") }}</option>
      <option value="team"{% if by == 'team' %} selected{% endif %}>{{ _("Team") }}</option>
    </select>
  </label>
  <button type="submit">{{ _("Show") }}</button>
</form>
<p>{{ _("Conversations opened in this period. Each figure links to the conversations behind it; CSAT and NPS show the number of responses and the 95%% interval.") }}</p>
<p class="hint">{{ _("Recovered after follow-up: cases owned whose follow-up survey, answered in this period, left the low band (NPS 7 or more, CSAT in the top two points), with the number of answers and the 95%% interval; it links to the cases behind it.") }}</p>
{% if own_teams %}<p class="note" id="own-teams">{{ _("You see your own teams.") }}</p>{% endif %}
<table class="list" id="performance">
  <thead><tr>
    <th>{{ _("Name") }}</th><th>{{ _("Volume") }}</th>
    <th>{{ _("First response (median / p90)") }}</th><th>{{ _("Resolution (median / p90)") }}</th>
    <th>{{ _("SLA attainment") }}</th><th>{{ _("CSAT") }}</th><th>{{ _("NPS") }}</th>
    <th>{{ _("Reopen rate") }}</th><th>{{ _("Cases closed") }}</th><th>{{ _("Recovered after follow-up") }}</th>
    {% if per.compare %}<th>{{ _("vs previous period") }}</th>{% endif %}
  </tr></thead>
  <tbody>
  {% for row in rows %}
  {% set links = drill(row) %}
  <tr data-row="{{ row.id if row.id is not none else '' }}">
    <td><bdi>{% if row.id is none %}{{ _("Unassigned") if by == 'agent' else _("No team") }}{% else %}{{ row.name }}{% endif %}</bdi></td>
    <td>{% if links %}<a href="{{ links.all }}" data-drill="volume">{{ fmt.num(row.volume) }}</a>{% else %}{{ fmt.num(row.volume) }}{% endif %}</td>
    <td>{% if links %}<a href="{{ links.all }}" data-drill="first_response">{% endif %}{{ fmt.duration(row.first_response_minutes.median) }} / {{ fmt.duration(row.first_response_minutes.p90) }}{% if links %}</a>{% endif %}
      <small>{{ _("n = %(n)s", n=fmt.num(row.first_response_minutes.n)) }}</small></td>
    <td>{% if links %}<a href="{{ links.solved }}" data-drill="resolution">{% endif %}{{ fmt.duration(row.resolution_minutes.median) }} / {{ fmt.duration(row.resolution_minutes.p90) }}{% if links %}</a>{% endif %}
      <small>{{ _("n = %(n)s", n=fmt.num(row.resolution_minutes.n)) }}</small></td>
    <td>{{ fmt.pct(row.sla.attainment) }}{% if row.sla.with_policy %} <small>{{ _("n = %(n)s", n=fmt.num(row.sla.with_policy)) }}</small>{% endif %}</td>
    <td>{% if row.csat.n %}{% if links %}<a href="{{ links.csat }}" data-drill="csat">{% endif %}{{ fmt.num(row.csat.csat) }}{{ '٪' if fmt.digits != 'latin' else '%' }}{% if links %}</a>{% endif %}
      <small>{{ fmt.ltr(fmt.num(row.csat.ci_low) ~ '–' ~ fmt.num(row.csat.ci_high)) }}, {{ _("n = %(n)s", n=fmt.num(row.csat.n)) }}{% if row.csat.low_sample %}, {{ _("few responses") }}{% endif %}</small>
      {% else %}–{% endif %}</td>
    <td>{% if row.nps.n %}{% if links %}<a href="{{ links.nps }}" data-drill="nps">{% endif %}{{ fmt.ltr(fmt.signed(row.nps.nps)) }}{% if links %}</a>{% endif %}
      <small>{% if row.nps.ci_low is defined and row.nps.ci_low is not none %}{{ fmt.ltr(fmt.signed(row.nps.ci_low) ~ ' … ' ~ fmt.signed(row.nps.ci_high)) }}, {% endif %}{{ _("n = %(n)s", n=fmt.num(row.nps.n)) }}{% if row.nps.low_sample %}, {{ _("few responses") }}{% endif %}</small>
      {% else %}–{% endif %}</td>
    <td>{{ fmt.pct(row.reopen_rate) }}</td>
    <td>{{ fmt.num(row.cases_closed) }}</td>
    <td data-recovered="{{ row.id if row.id is not none else '' }}">{% set rec = row.recovered %}{% if rec.n %}{% set link = recovery_drill(row) %}{% if link %}<a href="{{ link }}" data-drill="recovered">{% endif %}{{ fmt.pct(rec.rate / 100) }}{% if link %}</a>{% endif %}
      <small>{{ fmt.ltr(fmt.num(rec.ci_low, 1) ~ '–' ~ fmt.num(rec.ci_high, 1)) }}, {{ _("n = %(n)s", n=fmt.num(rec.n)) }}{% if rec.low_sample %}, {{ _("few responses") }}{% endif %}</small>
      {% else %}–{% endif %}</td>
    {% if per.compare %}<td>{% if row.comparison %}<ul class="verdicts">{% for key in metrics %}{% set c = row.comparison[key] %}
      <li data-verdict="{{ key }}">{{ label('perf_metric', key) }}: {{ label('verdict', c.verdict) }}{% if c.p_value is not none %} <small>{{ fmt.ltr('p = ' ~ fmt.num(c.p_value, 3)) }}</small>{% endif %}</li>
    {% endfor %}</ul>{% else %}{{ _("Nothing in the previous period.") }}{% endif %}</td>{% endif %}
  </tr>
  {% else %}
  <tr><td colspan="11" class="empty">{{ _("No conversations in this period.") }}</td></tr>
  {% endfor %}
  </tbody>
</table>
{% endblock %}"""


def _perf_drill(per: Period, by: str, row: dict[str, Any]) -> dict[str, str] | None:
    """Links from a row's figures to the inbox list of the conversations behind them."""
    params: dict[str, str] = {"status": "", **per.query(compare=False)}
    if row["id"] is None:
        if by != "agent":
            return None
        params["view"] = "unassigned"
    else:
        params["assignee" if by == "agent" else "team"] = str(row["id"])
    base = "/inbox?" + urlencode(params)
    return {
        "all": base,
        "solved": "/inbox?" + urlencode({**params, "status": "solved"}),
        "csat": base + "&rated=csat",
        "nps": base + "&rated=nps",
    }


def performance_reader(request: Request) -> SignedIn:
    """Dashboard roles, and agents (who see their own teams only)."""
    user = current_user(request)
    if not (can(user, "dashboards") or user.role == AGENT):
        raise Forbidden("your role does not allow this page")
    return user


def visible_ids(session: Session, me: SignedIn, by: str) -> set[int] | None:
    """What an agent may see: their teams, or the members of their teams (None: everything)."""
    if can(me, "dashboards"):
        return None
    teams = set(
        session.execute(select(TeamMember.team_id).where(TeamMember.user_id == me.user_id))
        .scalars()
        .all()
    )
    if by == "team":
        return teams
    members = set(
        session.execute(select(TeamMember.user_id).where(TeamMember.team_id.in_(teams or {-1})))
        .scalars()
        .all()
    )
    return members | {me.user_id}


def _recovery_drill(per: Period, by: str, row: dict[str, Any]) -> str | None:
    if row["id"] is None:
        return None
    params = {"owner" if by == "agent" else "team": str(row["id"]), "followup": "answered"}
    return "/cases?" + urlencode({**params, **per.query(compare=False)})


@router.get("/performance")
def performance_page(request: Request, me: SignedIn = Depends(performance_reader)) -> Response:
    """Per agent or team, for the period asked (`from`/`to`/`period`, `compare=previous_period`)."""
    p = page(request, me)
    by = request.query_params.get("by", "agent")
    by = by if by in ("agent", "team") else "agent"
    per = parse_period(request.query_params, zone(p.fmt.timezone))
    with services(request).db.reader(me.workspace_id) as session:
        data = report(session, since=per.start, until=per.end, by=by, compare=per.compare)
        allowed = visible_ids(session, me, by)
    rows = data["rows"]
    if allowed is not None:
        rows = [row for row in rows if row["id"] in allowed]
    return _render(
        p,
        "performance",
        rows=rows,
        by=by,
        per=per,
        metrics=PERF_METRICS,
        own_teams=allowed is not None,
        drill=lambda row: _perf_drill(per, by, row),
        recovery_drill=lambda row: _recovery_drill(per, by, row),
    )
