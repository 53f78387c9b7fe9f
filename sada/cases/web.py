"""Pages of the shared inbox and of one conversation.

An agent works the day here: views and filters of the inbox with bulk actions, the
conversation with its reply box (sent in the conversation's channel), internal notes with
@mentions, assignment, status, snooze, priority and tags, a context panel on the person.
Every role reads these pages; agents and above act on them (`inbox.work`); roles without
access to personal data (`people`) see names, identities and message texts redacted.
Templates are in `sada/cases/pages/`; the words of closed vocabularies and the helpers these
pages share with the case pages are in `web_shared`. Cases are in `web_cases`, live updates
(server-sent events, typing) in `web_live`, canned responses in `web_canned`.
"""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.cases import web_attachments
from sada.cases.attachments import Limits
from sada.cases.canned import (
    PLACEHOLDER_RE,
    fill_canned,
    list_canned,
)
from sada.cases.context import context_for, shown_text
from sada.cases.conversations import access_conversation, conversation_out, do_assign, do_update
from sada.cases.inbox_views import (
    DUE_SOON,
    SLA_STATES,
    SORTS,
    VIEWS,
    InboxFilter,
    inbox,
    messages_of,
    view_counts,
)
from sada.cases.models import (
    CONVERSATION_STATUSES,
    PRIORITIES,
    CaseEvent,
    Conversation,
)
from sada.cases.performance import rated_conversations
from sada.cases.replies import can_reply, do_reply, reply_refusal
from sada.cases.schemas import ConversationOut
from sada.cases.service import (
    do_add_note,
    list_cases,
    mentions_of,
    notes_of,
)
from sada.cases.web_shared import (
    ASSETS,
    INBOX_LANGUAGES,
    asset_url,
    case_title,
    int_or_none,
    local_time,
    member_choices,
    person_names,
    team_names,
    user_labels,
)
from sada.core.errors import Conflict, Invalid, NotFound
from sada.db.types import utcnow
from sada.domains import person_panel_functions
from sada.people.models import Person
from sada.web.core import (
    Page,
    PageRoute,
    can,
    checked_form,
    page,
    redirect,
    render,
    require,
    safe_next,
    services,
)
from sada.web.i18n import zone
from sada.web.labels import labeler
from sada.web.period import parse_period
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)


# ---------------------------------------------------------------- inbox script


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
        assignee_id=int_or_none(q.get("assignee")),
        team_id=int_or_none(q.get("team")),
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
        users = user_labels(session, {c.assignee_id for c in rows})
        names = person_names(session, {c.person_id for c in rows}) if pii else {}
        members = member_choices(session) if can(me, "inbox.work") else []
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
    ids = [i for i in (int_or_none(v) for v in form.getlist("ids")) if i is not None][:200]
    assignee = str(form.get("assignee", ""))
    status = str(form.get("status", ""))
    back = safe_next(str(form.get("back", ""))) or "/inbox"
    p = page(request, me)
    if not ids:
        raise Invalid(p.gettext("Select at least one conversation."))
    with services(request).db.transaction(me.workspace_id) as session:
        for conversation_id in ids:
            if assignee:
                target = me.user_id if assignee == "me" else int_or_none(assignee)
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
    users = user_labels(session, {conv.assignee_id, *(n.author_id for n in notes)})
    members = member_choices(session)
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
        "teams": team_names(session),
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
                team_id = int_or_none(form.get("team_id"))
                if user == "none":
                    do_assign(
                        session, conversation_id, team_id=team_id, strategy="manual", label=me.label
                    )
                else:
                    target = me.user_id if user == "me" else int_or_none(user)
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
                    until = local_time(p, str(form.get("until", "")))
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
