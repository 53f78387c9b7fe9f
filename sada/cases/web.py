"""Pages of the closed loop: shared inbox, cases, team performance, rules.

Rendered in the web shell's base template (templates are kept here as strings,
so this domain ships its pages without touching the shell's template folder).
Labels go through the shell's gettext; they fall back to English until the
translation catalogs carry them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from sada.db.types import utcnow
from sada.web.core import (
    Page,
    PageRoute,
    page,
    render_source,
    require,
    services,
)
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)

_TEMPLATES: dict[str, str] = {}


def _render(p: Page, name: str, **context: Any) -> HTMLResponse:
    return render_source(p, _TEMPLATES[name], **context)


def _minutes(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 90:
        return f"{value:.0f} min"
    return f"{value / 60:.1f} h"


_TEMPLATES["performance"] = """{% extends "base.html" %}
{% block title %}{{ _("Team performance") }}{% endblock %}
{% block content %}
<h1>{{ _("Team performance") }}</h1>
<p>{{ _("Conversations opened in the last %(days)s days, compared with the %(days)s days before.", days=days) }}</p>
<form method="get" class="filters">
  <label>{{ _("By") }}
    <select name="by" data-autosubmit>
      <option value="agent"{% if by == 'agent' %} selected{% endif %}>{{ _("Agent") }}</option>
      <option value="team"{% if by == 'team' %} selected{% endif %}>{{ _("Team") }}</option>
    </select>
  </label>
  <label>{{ _("Days") }}<input type="number" name="days" min="1" max="366" value="{{ days }}"></label>
  <button type="submit">{{ _("Show") }}</button>
</form>
<table class="list" id="performance">
  <thead><tr>
    <th>{{ _("Name") }}</th><th>{{ _("Volume") }}</th>
    <th>{{ _("First response (median / p90)") }}</th><th>{{ _("Resolution (median / p90)") }}</th>
    <th>{{ _("SLA attainment") }}</th><th>{{ _("CSAT") }}</th><th>{{ _("NPS") }}</th>
    <th>{{ _("Reopen rate") }}</th><th>{{ _("Cases closed") }}</th><th>{{ _("vs previous period") }}</th>
  </tr></thead>
  <tbody>
  {% for row in rows %}
  <tr>
    <td><bdi>{{ row.name }}</bdi></td>
    <td>{{ row.volume }}</td>
    <td>{{ minutes(row.first_response_minutes.median) }} / {{ minutes(row.first_response_minutes.p90) }}</td>
    <td>{{ minutes(row.resolution_minutes.median) }} / {{ minutes(row.resolution_minutes.p90) }}</td>
    <td>{% if row.sla.attainment is not none %}{{ '%.0f' % (100 * row.sla.attainment) }}%{% else %}–{% endif %}</td>
    <td>{% if row.csat.n %}{{ row.csat.csat if row.csat.csat is defined else '–' }}{% else %}–{% endif %}</td>
    <td>{% if row.nps.n %}{{ row.nps.nps }}{% else %}–{% endif %}</td>
    <td>{% if row.reopen_rate is not none %}{{ '%.0f' % (100 * row.reopen_rate) }}%{% else %}–{% endif %}</td>
    <td>{{ row.cases_closed }}</td>
    <td>{% if row.comparison %}{{ _("first response") }}: {{ row.comparison.first_response_minutes.verdict }}{% else %}–{% endif %}</td>
  </tr>
  {% else %}
  <tr><td colspan="10" class="empty">{{ _("No conversations in this period.") }}</td></tr>
  {% endfor %}
  </tbody>
</table>
{% endblock %}"""


@router.get("/performance")
def performance_page(request: Request, me: SignedIn = Depends(require("dashboards"))) -> Response:
    from sada.cases.performance import report

    p = page(request, me)
    by = request.query_params.get("by", "agent")
    by = by if by in ("agent", "team") else "agent"
    try:
        days = min(366, max(1, int(request.query_params.get("days", "30"))))
    except ValueError:
        days = 30
    until = utcnow()
    with services(request).db.reader(me.workspace_id) as session:
        data = report(session, since=until - timedelta(days=days), until=until, by=by)
    return _render(p, "performance", rows=data["rows"], by=by, days=days, minutes=_minutes)


_TEMPLATES["inbox"] = """{% extends "base.html" %}
{% block title %}{{ _("Inbox") }}{% endblock %}
{% block content %}
<h1>{{ _("Inbox") }}</h1>
<nav class="tabs">
{% for s in ['open', 'pending', 'solved', 'closed'] %}<a href="{{ url_with(status=s) }}"{% if s == status %} aria-current="page"{% endif %}>{{ label('conversation_status', s) }}</a> {% endfor %}
</nav>
<table class="list" id="inbox">
  <thead><tr><th>{{ _("Subject") }}</th><th>{{ _("Channel") }}</th><th>{{ _("Priority") }}</th><th>{{ _("Assignee") }}</th><th>{{ _("Last message") }}</th><th>{{ _("First response due") }}</th></tr></thead>
  <tbody>
  {% for c in conversations %}
  <tr>
    <td><a href="/inbox/{{ c.id }}"><bdi>{{ c.subject or _("Conversation %(id)s", id=c.id) }}</bdi></a>{% for t in c.tags %} <span class="tag">{{ t }}</span>{% endfor %}</td>
    <td>{{ c.channel }}</td><td>{{ c.priority }}</td><td><bdi>{{ users.get(c.assignee_id, '–') }}</bdi></td>
    <td>{{ c.last_message_at.strftime('%Y-%m-%d %H:%M') }}</td>
    <td>{% if c.first_response_due_at and not c.first_response_at %}{{ c.first_response_due_at.strftime('%Y-%m-%d %H:%M') }}{% if c.first_response_due_at < now %} <strong>{{ _("breached") }}</strong>{% endif %}{% else %}–{% endif %}</td>
  </tr>
  {% else %}
  <tr><td colspan="6" class="empty">{{ _("Nothing here.") }}</td></tr>
  {% endfor %}
  </tbody>
</table>
{% endblock %}"""

_TEMPLATES["conversation"] = """{% extends "base.html" %}
{% block title %}{{ conv.subject or _("Conversation") }}{% endblock %}
{% block content %}
<h1><bdi>{{ conv.subject or _("Conversation %(id)s", id=conv.id) }}</bdi></h1>
<p>{{ conv.channel }} · {{ conv.status }} · {{ conv.priority }}</p>
<section class="thread">
{% for m in messages %}
  <article class="msg {{ m.direction }}" dir="auto"><header>{{ m.occurred_at[:16].replace('T', ' ') }} · {{ m.direction }}</header><p>{{ m.text or '' }}</p></article>
{% endfor %}
</section>
{% if notes %}<h2>{{ _("Internal notes") }}</h2>{% for n in notes %}<p class="note" dir="auto">{{ n.body }}</p>{% endfor %}{% endif %}
{% if conv.person_id %}<p><a href="/people/{{ conv.person_id }}">{{ _("Full history of this person") }}</a></p>{% endif %}
{% endblock %}"""


def _user_labels(session: Any, ids: set[int]) -> dict[int, str]:
    from sqlalchemy import select

    from sada.tenants.models import User

    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {
        uid: name or email
        for uid, name, email in session.execute(
            select(User.id, User.name, User.email).where(User.id.in_(ids))
        ).all()
    }


@router.get("/inbox")
def inbox_page(request: Request, me: SignedIn = Depends(require("people"))) -> Response:
    from sada.cases.conversations import list_conversations

    p = page(request, me)
    status = request.query_params.get("status", "open")
    status = status if status in ("open", "pending", "solved", "closed") else "open"
    with services(request).db.reader(me.workspace_id) as session:
        convs = list_conversations(session, status=[status], limit=200)
        users = _user_labels(session, {c.assignee_id for c in convs if c.assignee_id})
    return _render(p, "inbox", conversations=convs, status=status, users=users, now=utcnow())


@router.get("/inbox/{conversation_id}")
def conversation_page(
    request: Request, conversation_id: int, me: SignedIn = Depends(require("people"))
) -> Response:
    from sada.cases.conversations import access_conversation, conversation_out, messages_of
    from sada.cases.service import notes_of

    p = page(request, me)
    with services(request).db.reader(me.workspace_id) as session:
        conv = conversation_out(access_conversation(session, conversation_id))
        messages = messages_of(session, conversation_id)
        notes = notes_of(session, conversation_id=conversation_id)
    return _render(p, "conversation", conv=conv, messages=messages, notes=notes)


_TEMPLATES["cases"] = """{% extends "base.html" %}
{% block title %}{{ _("Cases") }}{% endblock %}
{% block content %}
<h1>{{ _("Cases") }}</h1>
<p id="closure">{{ _("Closure rate") }}: {% if report.closure_rate is not none %}{{ '%.0f' % (100 * report.closure_rate) }}%{% else %}–{% endif %}
 · {{ _("Median time to close") }}: {{ report.hours_to_close_median if report.hours_to_close_median is not none else '–' }} h
 · {{ _("Overdue") }}: {{ report.overdue }}</p>
<table class="list" id="cases">
  <thead><tr><th>#</th><th>{{ _("Title") }}</th><th>{{ _("Status") }}</th><th>{{ _("Owner") }}</th><th>{{ _("Due") }}</th><th>{{ _("Loop closed") }}</th></tr></thead>
  <tbody>
  {% for c in cases %}
  <tr><td>{{ c.id }}</td><td><bdi>{{ c.title }}</bdi></td><td>{{ c.status }}</td><td><bdi>{{ users.get(c.owner_id, '–') }}</bdi></td>
  <td>{{ c.due_at.strftime('%Y-%m-%d %H:%M') if c.due_at else '–' }}{% if c.overdue %} <strong>{{ _("overdue") }}</strong>{% endif %}</td>
  <td>{{ '✓' if c.loop_closed else '' }}</td></tr>
  {% else %}
  <tr><td colspan="6" class="empty">{{ _("No cases.") }}</td></tr>
  {% endfor %}
  </tbody>
</table>
{% endblock %}"""


@router.get("/cases")
def cases_page(request: Request, me: SignedIn = Depends(require("people"))) -> Response:
    from sada.cases.service import closure_report, list_cases

    p = page(request, me)
    with services(request).db.reader(me.workspace_id) as session:
        cases = list_cases(session, limit=200)
        report = closure_report(session, since=utcnow() - timedelta(days=90))
        users = _user_labels(session, {c.owner_id for c in cases if c.owner_id})
    return _render(p, "cases", cases=cases, report=report, users=users)
