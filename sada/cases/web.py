"""Pages of the closed loop: the shared inbox, a conversation, cases, team performance.

An agent works the day here: views and filters of the inbox with bulk actions, the
conversation with its reply box (sent in the conversation's channel), internal notes with
@mentions, assignment, status, snooze, priority and tags, a context panel on the person;
cases created, contacted, resolved and reopened from the web. Every role reads these pages;
agents and above act on them (`inbox.work`); roles without access to personal data (`people`)
see names, identities and message texts redacted. Templates are in `sada/cases/pages/`;
every closed vocabulary is rendered through `label()` (registered below) in the reader's
language.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import json
import re
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, StreamingResponse
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sada.cases import followup, web_attachments
from sada.cases.assignment import list_teams
from sada.cases.attachments import Limits
from sada.cases.canned import (
    CANNED_LANGUAGES,
    PLACEHOLDER_RE,
    PLACEHOLDERS,
    do_save_canned,
    fill_canned,
    list_canned,
)
from sada.cases.context import context_for, shown_text
from sada.cases.conversations import (
    DUE_SOON,
    SLA_STATES,
    SORTS,
    VIEWS,
    InboxFilter,
    access_conversation,
    can_reply,
    conversation_out,
    do_assign,
    do_reply,
    do_update,
    inbox,
    messages_of,
    reply_refusal,
    view_counts,
)
from sada.cases.models import (
    CASE_STATUSES,
    CONVERSATION_STATUSES,
    PRIORITIES,
    CaseEvent,
    Conversation,
    ConversationItem,
    InternalNote,
)
from sada.cases.performance import rated_conversations
from sada.cases.schemas import CaseOut, ConversationOut
from sada.cases.service import (
    Origin,
    access_case,
    case_out,
    closure_report,
    do_add_note,
    do_create_case,
    do_update_case,
    history,
    list_cases,
    mentions_of,
    notes_of,
)
from sada.core.errors import Conflict, Invalid, NotFound
from sada.db.types import utcnow
from sada.domains import person_panel_functions
from sada.people.models import Person
from sada.tenants.models import Membership, User
from sada.web.core import (
    Page,
    PageRoute,
    can,
    checked_form,
    page,
    redirect,
    render,
    render_fragment,
    render_source,
    require,
    safe_next,
    services,
)
from sada.web.i18n import N_, zone
from sada.web.labels import labeler, register
from sada.web.period import parse_period
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)

_TEMPLATES: dict[str, str] = {}


def _render(p: Page, name: str, **context: Any) -> HTMLResponse:
    return render_source(p, _TEMPLATES[name], **context)


# ---------------------------------------------------------------- words

register(
    "conversation_status",
    {"snoozed": N_("Snoozed")},
)
register(
    "case_status",
    {
        "open": N_("Open"),
        "in_progress": N_("In progress"),
        "resolved": N_("Resolved"),
        "closed": N_("Closed"),
    },
)
register(
    "inbox_view",
    {
        "mine": N_("Mine"),
        "unassigned": N_("Unassigned"),
        "team": N_("My teams"),
        "all": N_("All"),
        "mentions": N_("Mentions"),
    },
)
register("sla_state", {"due_soon": N_("Due within an hour"), "breached": N_("Breached")})
register("sla_metric", {"first_response": N_("First response"), "resolution": N_("Resolution")})
register("sort", {"last_activity": N_("Last activity"), "sla_due": N_("SLA due time")})
register(
    "delivery",
    {
        "queued": N_("queued"),
        "sent": N_("sent"),
        "failed": N_("failed"),
        "handed_off": N_("handed to the channel"),
    },
)
register(
    "history",
    {
        "created": N_("opened"),
        "assigned": N_("assigned"),
        "status": N_("status changed"),
        "reply": N_("replied"),
        "reopened": N_("reopened by the customer"),
        "snoozed": N_("snoozed"),
        "updated": N_("updated"),
        "followup_requested": N_("follow-up survey requested"),
        "followup_answered": N_("follow-up survey answered"),
    },
)
register(
    "actor",
    {
        "ingest": N_("incoming message"),
        "routing": N_("automatic routing"),
        "customer": N_("the customer"),
        "snooze": N_("snooze ended"),
        "api": N_("API"),
        "followup": N_("follow-up survey"),
    },
)
register(
    "root_cause",
    {
        "logistics": N_("Logistics"),
        "billing_error": N_("Billing error"),
        "defect": N_("Product defect"),
        "staff_behaviour": N_("Staff behaviour"),
        "app_bug": N_("App or website bug"),
        "pricing": N_("Pricing"),
        "process": N_("Process gap"),
        "other": N_("Other"),
    },
)
register("case_source", {"manual": N_("By hand"), "rule": N_("Rule"), "demo": N_("Demo")})
register("score", {"nps": N_("NPS"), "csat": N_("CSAT")})
ROOT_CAUSES = (
    "logistics",
    "billing_error",
    "defect",
    "staff_behaviour",
    "app_bug",
    "pricing",
    "process",
    "other",
)
CONTACT_CHANNELS = ("phone", "email", "sms", "whatsapp", "chat", "in_store", "other")
INBOX_LANGUAGES = ("ar", "fa", "zh", "en")

# Case titles made from templates: the key, its words in every language, its values.
CASE_TITLES = {
    "rating_follow_up": N_("Follow up with %(name)s: rated %(rating)s (%(scale)s)"),
    "complaint": N_("%(topic)s complaint"),
}
_LEGACY_TITLE = re.compile(
    r"^Follow up with (?P<name>.*): rated (?P<rating>[\d.]+) \((?P<scale>\w+)\)$"
)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def case_title(p: Page, case: CaseOut, *, pii: bool = True) -> str:
    """A case's title in the reader's language: templates rendered with their values, numbers
    as numbers ("3", not "3.0"), scales and topics through the catalogs."""
    key, params = case.title_key, dict(case.title_params or {})
    if key is None:
        legacy = _LEGACY_TITLE.match(case.title)
        if legacy is None:
            return case.title
        key, params = "rating_follow_up", legacy.groupdict()
    template = CASE_TITLES.get(key)
    if template is None:
        return case.title
    label = labeler(p.gettext)
    values: dict[str, str] = {}
    for name, value in params.items():
        text = "" if value is None else str(value)
        if name == "rating" and _NUMBER.match(text):
            number = float(text)
            text = p.fmt.num(number, 0 if number.is_integer() else 1)
        elif name == "scale":
            text = label("score", "nps" if text == "nps" else "csat") if text else ""
        elif name == "topic":
            text = label("aspect", text)
        elif name == "name" and not pii:
            text = "…"
        values[name] = text
    try:
        return p.gettext(template) % values
    except (KeyError, ValueError):
        return case.title


# ---------------------------------------------------------------- shared reads

ASSETS = Path(__file__).parent / "static"


@router.get("/inbox-assets/{name}")
def asset(name: str) -> Response:
    """The inbox's own script (keyboard shortcuts); no third-party code."""
    path = ASSETS / name
    if "/" in name or ".." in name or not path.is_file() or path.suffix != ".js":
        raise NotFound("no such file")
    return Response(
        path.read_bytes(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


def asset_url(name: str) -> str:
    path = ASSETS / name
    version = hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.is_file() else "0"
    return f"/inbox-assets/{name}?v={version}"


def _members(session: Session) -> list[tuple[int, str]]:
    rows = session.execute(
        select(User.id, User.name, User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.role.in_(("agent", "manager", "admin", "owner")))
        .order_by(User.name, User.email)
    ).all()
    return [(uid, name or email) for uid, name, email in rows]


def _user_labels(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {
        uid: name or email
        for uid, name, email in session.execute(
            select(User.id, User.name, User.email).where(User.id.in_(wanted))
        ).all()
    }


def _person_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {
        pid: name
        for pid, name in session.execute(
            select(Person.id, Person.name).where(Person.id.in_(wanted))
        ).all()
        if name
    }


def _team_names(session: Session) -> dict[int, str]:
    return {t.id: t.name for t in list_teams(session)}


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _local_time(p: Page, value: str) -> datetime | None:
    """A `datetime-local` field, read in the reader's time zone."""
    if not value:
        return None
    try:
        naive = datetime.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(p.gettext("Give a valid date and time.")) from exc
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=p.fmt.tz)


# ---------------------------------------------------------------- inbox


def _inbox_filter(request: Request) -> InboxFilter:
    q = request.query_params
    status = q.get("status", "open")
    return InboxFilter(
        view=q.get("view", "all") if q.get("view") in VIEWS else "all",
        status=[status] if status in CONVERSATION_STATUSES else [],
        channel=q.get("channel") or None,
        language=q.get("language") or None,
        audience=q.get("audience") or None,
        priority=q.get("priority") if q.get("priority") in PRIORITIES else None,
        tag=(q.get("tag") or "").strip()[:60] or None,
        sla=q.get("sla") if q.get("sla") in SLA_STATES else None,
        sort=str(q.get("sort")) if q.get("sort") in SORTS else "last_activity",
        assignee_id=_int(q.get("assignee")),
        team_id=_int(q.get("team")),
    )


def _drill_filter(request: Request, p: Page, session: Session, f: InboxFilter) -> InboxFilter:
    """A drill-down from the performance page: conversations opened in the period asked
    (`from`/`to`/`period`), and with `rated=csat|nps` only those behind that figure."""
    q = request.query_params
    if not any(q.get(k) for k in ("from", "to", "period")):
        return f
    per = parse_period(q, zone(p.fmt.timezone))
    f.opened_since, f.opened_until = per.start, per.end
    rated = q.get("rated")
    if rated in ("csat", "nps"):
        f.ids = rated_conversations(
            session,
            since=per.start,
            until=per.end,
            metric=rated,
            assignee_id=f.assignee_id,
            team_id=f.team_id,
            unassigned=f.view == "unassigned",
        )
    return f


@router.get("/inbox")
def inbox_page(request: Request, me: SignedIn = Depends(require("inbox"))) -> Response:
    p = page(request, me)
    f = _inbox_filter(request)
    pii = can(me, "people")
    with services(request).db.reader(me.workspace_id) as session:
        f = _drill_filter(request, p, session, f)
        rows = inbox(session, f, user_id=me.user_id, limit=200)
        counts = view_counts(session, f, user_id=me.user_id)
        users = _user_labels(session, {c.assignee_id for c in rows})
        names = _person_names(session, {c.person_id for c in rows}) if pii else {}
        members = _members(session) if can(me, "inbox.work") else []
        mentions = mentions_of(session, me.user_id, limit=20) if f.view == "mentions" else []
        channels = sorted(set(session.execute(select(Conversation.channel).distinct()).scalars()))
        audiences = sorted(set(session.execute(select(Person.audience).distinct()).scalars()))
    return render(
        p,
        "cases/inbox.html",
        f=f,
        status=f.status[0] if f.status else "",
        conversations=rows,
        counts=counts,
        views=VIEWS,
        statuses=CONVERSATION_STATUSES,
        priorities=PRIORITIES,
        sla_states=SLA_STATES,
        sorts=SORTS,
        languages_=INBOX_LANGUAGES,
        channels=channels,
        audiences=audiences,
        users=users,
        names=names,
        members=members,
        mentions=[{**m, "body": shown_text(m["body"], pii)} for m in mentions],
        pii=pii,
        clock=lambda c: sla_clock_of(c),
        shortcuts=asset_url("inbox.js"),
        done=request.query_params.get("done"),
        timedelta_day=timedelta(days=1),
    )


def sla_clock_of(c: ConversationOut) -> Any:
    if c.status in ("solved", "closed"):
        return None
    due = c.first_response_due_at if c.first_response_at is None else c.resolution_due_at
    if due is None:
        return None
    return {"due": due, "breached": due < utcnow(), "soon": due < utcnow() + DUE_SOON}


@router.post("/inbox/bulk")
async def inbox_bulk(request: Request, me: SignedIn = Depends(require("inbox.work"))) -> Response:
    form = await checked_form(request)
    ids = [i for i in (_int(v) for v in form.getlist("ids")) if i is not None][:200]
    assignee = str(form.get("assignee", ""))
    status = str(form.get("status", ""))
    back = safe_next(str(form.get("back", ""))) or "/inbox"
    p = page(request, me)
    if not ids:
        raise Invalid(p.gettext("Select at least one conversation."))
    with services(request).db.transaction(me.workspace_id) as session:
        for conversation_id in ids:
            if assignee:
                target = me.user_id if assignee == "me" else _int(assignee)
                if target is None:
                    raise Invalid(p.gettext("Choose a colleague."))
                do_assign(
                    session, conversation_id, user_id=target, label=me.label, actor_id=me.user_id
                )
            if status in CONVERSATION_STATUSES:
                do_update(session, conversation_id, {"status": status}, label=me.label)
    services(request).wake_jobs()
    sep = "&" if "?" in back else "?"
    return redirect(request, f"{back}{sep}done=bulk")


# ---------------------------------------------------------------- a conversation


def _conversation_context(session: Session, me: SignedIn, conversation_id: int) -> dict[str, Any]:
    pii = can(me, "people")
    conv_row = access_conversation(session, conversation_id)
    conv = conversation_out(conv_row)
    messages = messages_of(session, conversation_id)
    for m in messages:
        m["shown"] = shown_text(m.get("text"), pii)
        m["at"] = datetime.fromisoformat(m["occurred_at"])
    notes = notes_of(session, conversation_id=conversation_id)
    events = session.execute(
        select(CaseEvent)
        .where(CaseEvent.conversation_id == conversation_id, CaseEvent.case_id.is_(None))
        .order_by(CaseEvent.id.desc())
        .limit(30)
    ).scalars()
    users = _user_labels(session, {conv.assignee_id, *(n.author_id for n in notes)})
    members = _members(session)
    return {
        "conv": conv,
        "messages": messages,
        "notes": [
            {
                "id": n.id,
                "author": users.get(n.author_id or 0) or n.author_label,
                "body": shown_text(n.body, pii),
                "at": n.created_at,
            }
            for n in notes
        ],
        "events": list(events),
        "users": users,
        "members": members,
        "teams": _team_names(session),
        "context": context_for(session, conv_row, pii=pii),
        "cases": list_cases(session, person_id=conv.person_id, limit=20) if conv.person_id else [],
        "can_reply": can_reply(session, conv_row),
        "reply_refusal": reply_refusal(session, conv_row),
        "pii": pii,
    }


def _person_panels(p: Page, session: Session, person_id: int | None) -> list[Any]:
    """Other domains' cards about the person (health: the risk score and its reasons)."""
    if person_id is None:
        return []
    panels = []
    for target in person_panel_functions():
        if target.startswith("sada.cases."):
            continue  # the panel already shows this domain's own card (open cases)
        module_name, _, function = target.partition(":")
        html = getattr(importlib.import_module(module_name), function)(p, session, person_id)
        if html is not None:
            panels.append(html)
    return panels


def _canned_preview(bodies: dict[str, str], lang: str) -> str:
    """A canned response in the picker: its start in the agent's language when it has one."""
    text = bodies.get(lang) or next(iter(bodies.values()), "")
    text = " ".join(PLACEHOLDER_RE.sub("…", text).split())
    return text if len(text) <= 60 else text[:59] + "…"


def _show_conversation(
    request: Request,
    me: SignedIn,
    conversation_id: int,
    *,
    error: str | None = None,
    draft: str = "",
    status_code: int = 200,
) -> Response:
    p = page(request, me)
    work = can(me, "inbox.work")
    picked = request.query_params.get("canned") if work else None
    with services(request).db.reader(me.workspace_id) as session:
        data = _conversation_context(session, me, conversation_id)
        data["panels"] = _person_panels(p, session, data["conv"].person_id)
        web_attachments.decorate_messages(p, data["messages"])
        data["attachment_limit"] = web_attachments.human_size(
            p, Limits.from_settings(services(request).settings).per_file
        )
        data["canned"] = [
            {**c, "preview": _canned_preview(c["bodies"], p.lang)}
            for c in (list_canned(session) if work else [])
        ]
        if picked and not draft:
            try:
                draft = fill_canned(
                    session, picked, conversation_id, agent_name=me.name or me.email
                )["text"]
            except NotFound:
                error = p.gettext("That canned response does not exist.")
    return render(
        p,
        "cases/conversation.html",
        status_code=status_code,
        error=error,
        draft=draft,
        done=request.query_params.get("done"),
        statuses=CONVERSATION_STATUSES,
        priorities=PRIORITIES,
        title_of=lambda c: case_title(p, c, pii=data["pii"]),
        shortcuts=asset_url("inbox.js"),
        work=work,
        **data,
    )


@router.get("/inbox/{conversation_id}")
def conversation_page(
    request: Request, conversation_id: int, me: SignedIn = Depends(require("inbox"))
) -> Response:
    return _show_conversation(request, me, conversation_id)


@router.post("/inbox/{conversation_id}")
async def conversation_action(
    request: Request, conversation_id: int, me: SignedIn = Depends(require("inbox.work"))
) -> Response:
    """The conversation's forms: reply (the default), note, assign, status, priority, tags."""
    form = await checked_form(request)
    p = page(request, me)
    action = str(form.get("action", "reply"))
    db = services(request).db
    try:
        with db.transaction(me.workspace_id) as session:
            conv = access_conversation(session, conversation_id)
            if action == "reply":
                body = str(form.get("body", "")).strip()
                if not body:
                    raise Invalid(p.gettext("Write a reply first."))
                if len(body) > 64_000:
                    raise Invalid(p.gettext("The reply is too long."))
                limits = Limits.from_settings(services(request).settings)
                files = web_attachments.form_files(form, limits)
                web_attachments.check_reply_files(p, conv.channel, files, limits)
                if not can_reply(session, conv):
                    channel = labeler(p.gettext)("channel", conv.channel)
                    reason = reply_refusal(session, conv)
                    raise Conflict(
                        p.gettext(reason)
                        if reason
                        else p.gettext(
                            "Replies in %(channel)s cannot be sent from Sada: no connector "
                            "delivers them. Nothing was sent; answer the customer in "
                            "%(channel)s itself."
                        )
                        % {"channel": channel}
                    )
                then = str(form.get("then", ""))
                do_reply(
                    session,
                    conversation_id,
                    body,
                    agent_email=me.email,
                    status=then if then in CONVERSATION_STATUSES else None,
                    label=me.label,
                    files=files,
                    limits=limits,
                )
            elif action == "note":
                body = str(form.get("note", "")).strip()
                if not body:
                    raise Invalid(p.gettext("Write the note first."))
                do_add_note(
                    session,
                    body=body[:20_000],
                    conversation_id=conversation_id,
                    author_id=me.user_id,
                    author_label=me.label,
                )
            elif action == "assign":
                user = str(form.get("assignee", ""))
                team_id = _int(form.get("team_id"))
                if user == "none":
                    do_assign(
                        session, conversation_id, team_id=team_id, strategy="manual", label=me.label
                    )
                else:
                    target = me.user_id if user == "me" else _int(user)
                    if target is None and team_id is None:
                        raise Invalid(p.gettext("Choose a colleague or a team."))
                    do_assign(
                        session,
                        conversation_id,
                        user_id=target,
                        team_id=team_id,
                        label=me.label,
                        actor_id=me.user_id,
                    )
            elif action == "status":
                status = str(form.get("status", ""))
                if status == "snoozed":
                    until = _local_time(p, str(form.get("until", "")))
                    if until is None:
                        raise Invalid(p.gettext("Give the time the snooze ends."))
                    do_update(session, conversation_id, {"snooze_until": until}, label=me.label)
                elif status in CONVERSATION_STATUSES:
                    do_update(session, conversation_id, {"status": status}, label=me.label)
                else:
                    raise Invalid(p.gettext("Choose a status."))
            elif action == "priority":
                do_update(
                    session,
                    conversation_id,
                    {"priority": str(form.get("priority", ""))},
                    label=me.label,
                )
            elif action == "tags":
                tags = [t for t in str(form.get("tags", "")).replace("،", ",").split(",")]
                do_update(session, conversation_id, {"tags": tags[:50]}, label=me.label)
            else:
                raise Invalid(p.gettext("Unknown action."))
    except (Invalid, Conflict) as exc:
        return _show_conversation(
            request,
            me,
            conversation_id,
            error=exc.message,
            draft=str(form.get("body", "")),
            status_code=exc.status_code,
        )
    services(request).wake_jobs()
    return redirect(request, f"/inbox/{conversation_id}?done={action}")


# ---------------------------------------------------------------- cases


def _case_filter(request: Request, me: SignedIn) -> dict[str, Any]:
    q = request.query_params
    owner = q.get("owner")
    return {
        "status": q.get("status") if q.get("status") in CASE_STATUSES else None,
        "owner": owner if owner in ("me", "none") or (owner or "").isdigit() else None,
        "team": _int(q.get("team")),
        "followup": q.get("followup")
        if q.get("followup") in ("answered", "recovered", "not_recovered")
        else None,
        "priority": q.get("priority") if q.get("priority") in PRIORITIES else None,
        "root_cause": q.get("root_cause") or None,
        "overdue": q.get("overdue") == "1",
        "loop": q.get("loop") if q.get("loop") in ("closed", "open") else None,
    }


@router.get("/cases")
def cases_page(request: Request, me: SignedIn = Depends(require("inbox"))) -> Response:
    p = page(request, me)
    f = _case_filter(request, me)
    pii = can(me, "people")
    q = request.query_params
    recovery_start = utcnow() - timedelta(days=90)
    per = None
    if any(q.get(k) for k in ("from", "to", "period")):
        per = parse_period(q, zone(p.fmt.timezone))
    owner = f["owner"]
    with services(request).db.reader(me.workspace_id) as session:
        rows = list_cases(
            session,
            status=[f["status"]] if f["status"] else None,
            owner_id=me.user_id
            if owner == "me"
            else (int(owner) if owner and owner.isdigit() else None),
            unowned=owner == "none",
            overdue=f["overdue"] or None,
            priority=f["priority"],
            root_cause=f["root_cause"],
            loop_closed=None if f["loop"] is None else f["loop"] == "closed",
            followup=f["followup"],
            followup_since=per.start if per else (recovery_start if f["followup"] else None),
            followup_until=per.end if per else None,
            team_id=f["team"],
            limit=200,
        )
        report = closure_report(session, since=utcnow() - timedelta(days=90))
        by_owner = followup.recovery(session, since=recovery_start)
        users = _user_labels(session, {c.owner_id for c in rows} | set(by_owner))
    return render(
        p,
        "cases/cases.html",
        f=f,
        cases=rows,
        report=report,
        recovery=sorted(
            by_owner.items(), key=lambda kv: (kv[0] is None, users.get(kv[0] or 0, ""))
        ),
        recovery_all=followup.overall(by_owner),
        drilled=per is not None or bool(f["followup"]) or (owner or "").isdigit(),
        users=users,
        statuses=CASE_STATUSES,
        priorities=PRIORITIES,
        root_causes=ROOT_CAUSES,
        title_of=lambda c: case_title(p, c, pii=pii),
    )


@router.get("/cases/new")
def new_case_page(request: Request, me: SignedIn = Depends(require("inbox.work"))) -> Response:
    p = page(request, me)
    conversation_id = _int(request.query_params.get("conversation_id"))
    person_id = _int(request.query_params.get("person_id"))
    with services(request).db.reader(me.workspace_id) as session:
        subject = None
        if conversation_id is not None:
            conv = access_conversation(session, conversation_id)
            person_id = person_id or conv.person_id
            subject = conv.subject
        members = _members(session)
    return render(
        p,
        "cases/case_new.html",
        conversation_id=conversation_id,
        person_id=person_id,
        subject=subject,
        members=members,
        priorities=PRIORITIES,
        root_causes=ROOT_CAUSES,
        error=None,
    )


@router.post("/cases/new")
async def create_case_from_web(
    request: Request, me: SignedIn = Depends(require("inbox.work"))
) -> Response:
    form = await checked_form(request)
    p = page(request, me)
    title = str(form.get("title", "")).strip()
    if not title:
        raise Invalid(p.gettext("Give the case a title."))
    owner = str(form.get("owner", ""))
    root_cause = str(form.get("root_cause", ""))
    with services(request).db.transaction(me.workspace_id) as session:
        case = do_create_case(
            session,
            title=title[:500],
            description=str(form.get("description", ""))[:20_000],
            person_id=_int(form.get("person_id")),
            conversation_id=_int(form.get("conversation_id")),
            priority=str(form.get("priority", "normal")),
            owner_id=me.user_id if owner == "me" else _int(owner),
            due_at=_local_time(p, str(form.get("due", ""))),
            root_cause=root_cause if root_cause in ROOT_CAUSES else None,
            origin=Origin(label=me.label, user_id=me.user_id),
        )
        case_id = case.id
    services(request).wake_jobs()
    return redirect(request, f"/cases/{case_id}?done=created")


def _show_case(
    request: Request,
    me: SignedIn,
    case_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    p = page(request, me)
    pii = can(me, "people")
    with services(request).db.reader(me.workspace_id) as session:
        case = case_out(session, access_case(session, case_id))
        notes = notes_of(session, case_id=case_id)
        events = [{**e, "at": datetime.fromisoformat(e["at"])} for e in history(session, case_id)]
        users = _user_labels(session, {case.owner_id, *(n.author_id for n in notes)})
        person = _person_names(session, {case.person_id}) if pii else {}
        members = _members(session)
    return render(
        p,
        "cases/case.html",
        status_code=status_code,
        case=case,
        title=case_title(p, case, pii=pii),
        notes=[
            {
                "id": n.id,
                "author": users.get(n.author_id or 0) or n.author_label,
                "body": shown_text(n.body, pii),
                "at": n.created_at,
            }
            for n in notes
        ],
        events=events,
        users=users,
        person=person.get(case.person_id or 0),
        members=members,
        priorities=PRIORITIES,
        root_causes=ROOT_CAUSES,
        contact_channels=CONTACT_CHANNELS,
        description=shown_text(case.description, pii),
        resolution=shown_text(case.resolution, pii),
        work=can(me, "inbox.work"),
        pii=pii,
        error=error,
        done=request.query_params.get("done"),
    )


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: int, me: SignedIn = Depends(require("inbox"))) -> Response:
    return _show_case(request, me, case_id)


@router.post("/cases/{case_id}")
async def case_action(
    request: Request, case_id: int, me: SignedIn = Depends(require("inbox.work"))
) -> Response:
    """A case's forms: update (owner, due, priority, root cause), contacted, resolve, reopen,
    note."""
    form = await checked_form(request)
    p = page(request, me)
    action = str(form.get("action", ""))
    origin = Origin(label=me.label, user_id=me.user_id)
    try:
        with services(request).db.transaction(me.workspace_id) as session:
            if action == "update":
                changes: dict[str, Any] = {}
                owner = str(form.get("owner", ""))
                if owner:
                    changes["owner_id"] = (
                        None if owner == "none" else me.user_id if owner == "me" else _int(owner)
                    )
                if form.get("priority"):
                    changes["priority"] = str(form.get("priority"))
                due = _local_time(p, str(form.get("due", "")))
                if due is not None:
                    changes["due_at"] = due
                root_cause = str(form.get("root_cause", ""))
                if root_cause in ROOT_CAUSES:
                    changes["root_cause"] = root_cause
                do_update_case(session, case_id, changes, origin=origin)
            elif action == "contacted":
                channel = str(form.get("channel", ""))
                if channel not in CONTACT_CHANNELS:
                    raise Invalid(p.gettext("Choose the channel you used."))
                do_update_case(
                    session,
                    case_id,
                    {"contacted": True, "contact_channel": channel, "status": "in_progress"}
                    if access_case(session, case_id).status == "open"
                    else {"contacted": True, "contact_channel": channel},
                    origin=origin,
                )
            elif action == "resolve":
                note = str(form.get("resolution", "")).strip()
                if not note:
                    raise Invalid(p.gettext("A resolution note is required to resolve a case."))
                do_update_case(
                    session,
                    case_id,
                    {"resolution": note[:20_000], "status": "resolved"},
                    origin=origin,
                )
            elif action == "reopen":
                do_update_case(session, case_id, {"status": "open"}, origin=origin)
            elif action == "note":
                body = str(form.get("note", "")).strip()
                if not body:
                    raise Invalid(p.gettext("Write the note first."))
                do_add_note(
                    session,
                    body=body[:20_000],
                    case_id=case_id,
                    author_id=me.user_id,
                    author_label=me.label,
                )
            else:
                raise Invalid(p.gettext("Unknown action."))
    except (Invalid, Conflict) as exc:
        return _show_case(request, me, case_id, error=exc.message, status_code=exc.status_code)
    services(request).wake_jobs()
    return redirect(request, f"/cases/{case_id}?done={action}")


def person_panel(p: Page, session: Session, person_id: int) -> Markup | None:
    """The person page's card of this domain: their open cases and conversations, and a
    button to open a case for them."""
    if not can(p.user, "inbox"):
        return None
    cases = list_cases(session, person_id=person_id, status=["open", "in_progress"], limit=10)
    convs = inbox(session, InboxFilter(status=["open", "pending"], person_id=person_id), limit=10)
    return render_fragment(
        p,
        "cases/person_panel.html",
        person_id=person_id,
        cases=cases,
        conversations=convs,
        title_of=lambda c: case_title(p, c, pii=can(p.user, "people")),
        work=can(p.user, "inbox.work"),
    )


# ---------------------------------------------------------------- live updates

SSE_SECONDS = 55.0  # one stream's life; the browser reconnects (retry: 1000)
SSE_POLL = 1.0
TYPING_SECONDS = 6.0


def _typing_board(request: Request) -> dict[tuple[int, int], dict[str, float]]:
    """Who is writing a reply where (this process's memory: a hint, never a lock)."""
    board = getattr(request.app.state, "inbox_typing", None)
    if board is None:
        board = {}
        request.app.state.inbox_typing = board
    return board


def _live_state(request: Request, me: SignedIn, conversation_id: int) -> dict[str, Any]:
    with services(request).db.reader(me.workspace_id) as session:
        conv = access_conversation(session, conversation_id)
        items, last_item = session.execute(
            select(func.count(), func.max(ConversationItem.id)).where(
                ConversationItem.conversation_id == conversation_id
            )
        ).one()
        notes = session.execute(
            select(func.count()).where(InternalNote.conversation_id == conversation_id)
        ).scalar_one()
        version = [
            int(items),
            int(last_item or 0),
            int(notes),
            conv.status,
            conv.assignee_id,
            conv.priority,
            sorted(conv.tags or []),
            conv.updated_at.isoformat() if conv.updated_at else None,
        ]
    now = time.monotonic()
    typing = sorted(
        name
        for name, at in _typing_board(request).get((me.workspace_id, conversation_id), {}).items()
        if name != me.label and now - at < TYPING_SECONDS
    )
    return {
        "version": hashlib.sha256(json.dumps(version).encode()).hexdigest()[:16],
        "typing": typing,
    }


@router.get("/inbox/{conversation_id}/events")
async def conversation_events(
    request: Request, conversation_id: int, me: SignedIn = Depends(require("inbox"))
) -> Response:
    """Server-sent events: the conversation changed (a message, a note, an assignment...), or
    a colleague is writing a reply; the page then refreshes its parts without a reload."""
    first = await run_in_threadpool(_live_state, request, me, conversation_id)

    async def stream() -> AsyncIterator[bytes]:
        state: dict[str, Any] | None = None
        data = first
        deadline = time.monotonic() + SSE_SECONDS
        yield b"retry: 1000\n\n"
        while True:
            if data != state:
                state = data
                yield f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode()
            if time.monotonic() > deadline or await request.is_disconnected():
                return
            await asyncio.sleep(SSE_POLL)
            data = await run_in_threadpool(_live_state, request, me, conversation_id)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.post("/inbox/{conversation_id}/typing", status_code=204)
async def conversation_typing(
    request: Request, conversation_id: int, me: SignedIn = Depends(require("inbox.work"))
) -> Response:
    """An agent is writing a reply here: colleagues on the same page see a collision warning."""
    await checked_form(request)
    with services(request).db.reader(me.workspace_id) as session:
        access_conversation(session, conversation_id)
    board = _typing_board(request)
    now = time.monotonic()
    for key in [k for k, v in board.items() if all(now - at > TYPING_SECONDS for at in v.values())]:
        board.pop(key, None)
    board.setdefault((me.workspace_id, conversation_id), {})[me.label] = now
    return Response(status_code=204)


# ---------------------------------------------------------------- canned responses


def _canned_page(
    request: Request,
    me: SignedIn,
    *,
    current: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    p = page(request, me)
    with services(request).db.reader(me.workspace_id) as session:
        items = list_canned(session)
    if current is None:
        wanted = request.query_params.get("key")
        found = [c for c in items if c["key"] == wanted]
        current = found[0] if found else {"key": "", "bodies": {}}
    return render(
        p,
        "cases/canned.html",
        status_code=status_code,
        items=items,
        current=current,
        canned_languages=CANNED_LANGUAGES,
        placeholders=Markup(", ").join(
            Markup('<code dir="ltr">{}</code>').format("{{" + name + "}}") for name in PLACEHOLDERS
        ),
        error=error,
        done=request.query_params.get("done"),
    )


@router.get("/settings/canned-responses")
def canned_settings(request: Request, me: SignedIn = Depends(require("surveys"))) -> Response:
    """Saved replies in four languages, managed by managers and admins."""
    return _canned_page(request, me)


@router.post("/settings/canned-responses")
async def save_canned(request: Request, me: SignedIn = Depends(require("surveys"))) -> Response:
    form = await checked_form(request)
    key = str(form.get("key", "")).strip()
    bodies = {lang: str(form.get(f"body_{lang}", "")) for lang in CANNED_LANGUAGES}
    try:
        with services(request).db.transaction(me.workspace_id) as session:
            do_save_canned(session, key, bodies)
    except Invalid:
        p = page(request, me)
        return _canned_page(
            request,
            me,
            current={"key": key, "bodies": bodies},
            error=p.gettext(
                "Give a key of lowercase letters, digits or dashes, at least one text, and "
                "only the placeholders listed."
            ),
            status_code=422,
        )
    return redirect(request, "/settings/canned-responses?done=1")
