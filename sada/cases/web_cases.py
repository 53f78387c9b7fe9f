"""Pages of cases: the list with its filters, a new case, one case (contact, resolve, reopen,
notes and history) and the person page's card of open cases and conversations. Agents and
above act on them (`inbox.work`); every role with `inbox` reads them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from sada.cases import followup
from sada.cases.context import shown_text
from sada.cases.conversations import access_conversation
from sada.cases.inbox_views import InboxFilter, inbox
from sada.cases.models import (
    CASE_STATUSES,
    PRIORITIES,
)
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
    notes_of,
)
from sada.cases.web_shared import (
    CONTACT_CHANNELS,
    ROOT_CAUSES,
    case_title,
    int_or_none,
    local_time,
    member_choices,
    person_names,
    user_labels,
)
from sada.core.errors import Conflict, Invalid
from sada.db.types import utcnow
from sada.web.core import (
    Page,
    PageRoute,
    can,
    checked_form,
    page,
    redirect,
    render,
    render_fragment,
    require,
    services,
)
from sada.web.i18n import zone
from sada.web.period import parse_period
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)


# ---------------------------------------------------------------- cases


def _case_filter(request: Request, me: SignedIn) -> dict[str, Any]:
    q = request.query_params
    owner = q.get("owner")
    return {
        "status": q.get("status") if q.get("status") in CASE_STATUSES else None,
        "owner": owner if owner in ("me", "none") or (owner or "").isdigit() else None,
        "team": int_or_none(q.get("team")),
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
        users = user_labels(session, {c.owner_id for c in rows} | set(by_owner))
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
    conversation_id = int_or_none(request.query_params.get("conversation_id"))
    person_id = int_or_none(request.query_params.get("person_id"))
    with services(request).db.reader(me.workspace_id) as session:
        subject = None
        if conversation_id is not None:
            conv = access_conversation(session, conversation_id)
            person_id = person_id or conv.person_id
            subject = conv.subject
        members = member_choices(session)
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
            person_id=int_or_none(form.get("person_id")),
            conversation_id=int_or_none(form.get("conversation_id")),
            priority=str(form.get("priority", "normal")),
            owner_id=me.user_id if owner == "me" else int_or_none(owner),
            due_at=local_time(p, str(form.get("due", ""))),
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
        users = user_labels(session, {case.owner_id, *(n.author_id for n in notes)})
        person = person_names(session, {case.person_id}) if pii else {}
        members = member_choices(session)
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
                        None
                        if owner == "none"
                        else me.user_id
                        if owner == "me"
                        else int_or_none(owner)
                    )
                if form.get("priority"):
                    changes["priority"] = str(form.get("priority"))
                due = local_time(p, str(form.get("due", "")))
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
