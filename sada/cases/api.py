"""HTTP routes: cases, the shared inbox, teams, SLA policies, inbound email, performance."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from sada.cases import (
    assignment,
    canned,
    conversations,
    inbound,
    inbox_views,
    performance,
    replies,
    sla,
)
from sada.cases import service as cases
from sada.cases.schemas import (
    AssignIn,
    CaseIn,
    CaseOut,
    CaseUpdate,
    ConversationOut,
    ConversationUpdate,
    LinkIn,
    MemberIn,
    NoteIn,
    NoteOut,
    ReplyIn,
    SlaEventOut,
    SlaPolicyIn,
    SlaPolicyOut,
    TeamIn,
    TeamOut,
    TeamPatch,
)
from sada.core.errors import Invalid, NotFound, TooLarge, Unauthorized
from sada.db.types import utcnow
from sada.tenants.auth import scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey

router = APIRouter(prefix="/api/v1", tags=["cases"])


def _origin(key: Any) -> cases.Origin:
    return cases.Origin(label=f"api key {key.name or key.id}")


# ---------------------------------------------------------------- cases


@router.post("/cases", status_code=201, response_model=CaseOut)
def create_case(
    request: Request, body: CaseIn, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> JSONResponse:
    services = request.app.state.services
    with services.db.transaction(key.workspace_id) as session:
        case = cases.do_create_case(session, **body.model_dump(), source="api", origin=_origin(key))
        out = cases.case_out(session, case)
    services.wake_jobs()
    return JSONResponse(out.model_dump(mode="json"), status_code=201)


@router.get("/cases")
def list_cases(
    request: Request,
    status: list[str] | None = Query(None),
    owner_id: int | None = None,
    person_id: int | None = None,
    overdue: bool | None = None,
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0),
    key: AuthenticatedKey = scoped(Scope.READ_PEOPLE),
) -> dict[str, Any]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        items = cases.list_cases(
            session,
            status=status,
            owner_id=owner_id,
            person_id=person_id,
            overdue=overdue,
            limit=limit,
            offset=offset,
        )
        return {"items": [i.model_dump(mode="json") for i in items]}


@router.get("/cases:report", summary="Closure rate and time to close")
def case_report(
    request: Request,
    since: datetime | None = None,
    until: datetime | None = None,
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> dict[str, Any]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return cases.closure_report(session, since=since, until=until)


@router.get("/cases/{case_id}")
def get_case(
    request: Request, case_id: int, key: AuthenticatedKey = scoped(Scope.READ_PEOPLE)
) -> dict[str, Any]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        case = cases.access_case(session, case_id)
        return {
            **cases.case_out(session, case).model_dump(mode="json"),
            "notes": [n.model_dump(mode="json") for n in cases.notes_of(session, case_id=case_id)],
            "history": cases.history(session, case_id),
        }


@router.patch("/cases/{case_id}", response_model=CaseOut)
def update_case(
    request: Request,
    case_id: int,
    body: CaseUpdate,
    key: AuthenticatedKey = scoped(Scope.WRITE_DATA),
) -> CaseOut:
    services = request.app.state.services
    with services.db.transaction(key.workspace_id) as session:
        case = cases.do_update_case(
            session, case_id, body.model_dump(exclude_unset=True), origin=_origin(key)
        )
        out = cases.case_out(session, case)
    services.wake_jobs()
    return out


@router.post("/cases/{case_id}/notes", status_code=201, response_model=NoteOut)
def add_case_note(
    request: Request, case_id: int, body: NoteIn, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> NoteOut:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        note = cases.do_add_note(
            session, body=body.body, case_id=case_id, author_label=_origin(key).label
        )
        return NoteOut(
            id=note.id,
            author_id=None,
            author_label=note.author_label,
            body=note.body,
            created_at=note.created_at,
        )


@router.post("/cases/{case_id}/links")
def link_case(
    request: Request, case_id: int, body: LinkIn, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> dict[str, Any]:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        case = cases.access_case(session, case_id)
        added = cases.do_link(session, case, body.interaction_ids, body.role)
        return {"added": added, **cases.case_out(session, case).model_dump(mode="json")}


# ---------------------------------------------------------------- inbox


@router.get("/conversations")
def list_conversations(
    request: Request,
    view: str = Query("all", description="mine | unassigned | team | all | mentions"),
    status: list[str] | None = Query(None),
    channel: str | None = None,
    language: str | None = None,
    audience: str | None = None,
    priority: str | None = None,
    tag: str | None = None,
    sla: str | None = Query(None, description="due_soon | breached"),
    sort: str = Query("last_activity", description="last_activity | sla_due"),
    user_id: int | None = Query(None, description="whose mine/team/mentions view"),
    assignee_id: int | None = None,
    team_id: int | None = None,
    unassigned: bool = False,
    person_id: int | None = None,
    counts: bool = Query(False, description="add the number of conversations per view"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    key: AuthenticatedKey = scoped(Scope.READ_PEOPLE),
) -> dict[str, Any]:
    """The inbox as the page shows it: the same views, filters and sort orders."""
    f = inbox_views.InboxFilter(
        view="unassigned" if unassigned and view == "all" else view,
        status=list(status or []),
        channel=channel,
        language=language,
        audience=audience,
        priority=priority,
        tag=tag,
        sla=sla,
        sort=sort,
        assignee_id=assignee_id,
        team_id=team_id,
        person_id=person_id,
    )
    with request.app.state.services.db.reader(key.workspace_id) as session:
        items = inbox_views.inbox(session, f, user_id=user_id, limit=limit, offset=offset)
        out: dict[str, Any] = {"items": [i.model_dump(mode="json") for i in items]}
        if counts:
            out["counts"] = inbox_views.view_counts(session, f, user_id=user_id)
        return out


@router.get("/conversations/{conversation_id}")
def get_conversation(
    request: Request, conversation_id: int, key: AuthenticatedKey = scoped(Scope.READ_PEOPLE)
) -> dict[str, Any]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        conv = conversations.access_conversation(session, conversation_id)
        out = conversations.conversation_out(conv).model_dump(mode="json")
        out["messages"] = inbox_views.messages_of(session, conversation_id)
        out["notes"] = [
            n.model_dump(mode="json")
            for n in cases.notes_of(session, conversation_id=conversation_id)
        ]
        if conv.person_id is not None:
            out["person_history"] = inbox_views.person_history(session, conv.person_id)
        return out


@router.patch("/conversations/{conversation_id}", response_model=ConversationOut)
def update_conversation(
    request: Request,
    conversation_id: int,
    body: ConversationUpdate,
    key: AuthenticatedKey = scoped(Scope.WRITE_DATA),
) -> ConversationOut:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        conv = conversations.do_update(
            session, conversation_id, body.model_dump(exclude_unset=True), label=_origin(key).label
        )
        return conversations.conversation_out(conv)


@router.post("/conversations/{conversation_id}/assign", response_model=ConversationOut)
def assign_conversation(
    request: Request,
    conversation_id: int,
    body: AssignIn,
    key: AuthenticatedKey = scoped(Scope.WRITE_DATA),
) -> ConversationOut:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        conv = conversations.do_assign(
            session,
            conversation_id,
            user_id=body.user_id,
            team_id=body.team_id,
            strategy=body.strategy,
            label=_origin(key).label,
        )
        return conversations.conversation_out(conv)


@router.post("/conversations/{conversation_id}/reply", status_code=202)
def reply(
    request: Request,
    conversation_id: int,
    body: ReplyIn,
    key: AuthenticatedKey = scoped(Scope.REPLY),
) -> dict[str, Any]:
    from sada.cases.attachments import Incoming, Limits

    services = request.app.state.services
    files = [Incoming(a.filename, a.content_type, a.content()) for a in body.attachments]
    with services.db.transaction(key.workspace_id) as session:
        item = replies.do_reply(
            session,
            conversation_id,
            body.text,
            agent_email=body.agent_email,
            status=body.status,
            label=_origin(key).label,
            files=files,
            limits=Limits.from_settings(services.settings),
        )
        out = {"interaction_id": item.interaction_id, "delivery_status": item.delivery_status}
    services.wake_jobs()
    return out


@router.post("/conversations/{conversation_id}/notes", status_code=201, response_model=NoteOut)
def add_conversation_note(
    request: Request,
    conversation_id: int,
    body: NoteIn,
    key: AuthenticatedKey = scoped(Scope.WRITE_DATA),
) -> NoteOut:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        note = cases.do_add_note(
            session,
            body=body.body,
            conversation_id=conversation_id,
            author_label=_origin(key).label,
        )
        return NoteOut(
            id=note.id,
            author_id=None,
            author_label=note.author_label,
            body=note.body,
            created_at=note.created_at,
        )


# ---------------------------------------------------------------- teams


def _team_out(session: Any, team: Any) -> TeamOut:
    from sqlalchemy import select

    from sada.cases.models import TeamMember

    members = [
        {"user_id": m.user_id, "online": m.online, "max_open": m.max_open}
        for m in session.execute(
            select(TeamMember).where(TeamMember.team_id == team.id).order_by(TeamMember.user_id)
        ).scalars()
    ]
    return TeamOut(
        id=team.id,
        name=team.name,
        timezone=team.timezone,
        weekend_days=team.weekend_days,
        hours=team.hours,
        holidays=team.holidays,
        assignment=team.assignment,
        languages=team.languages,
        channels=team.channels,
        members=members,
    )


@router.post("/teams", status_code=201, response_model=TeamOut)
def create_team(
    request: Request, body: TeamIn, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> JSONResponse:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        team = assignment.do_create_team(session, body.model_dump())
        return JSONResponse(_team_out(session, team).model_dump(mode="json"), status_code=201)


@router.patch("/teams/{team_id}", response_model=TeamOut)
def update_team(
    request: Request, team_id: int, body: TeamPatch, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> TeamOut:
    """Change a team: its business calendar (split shifts per weekday, holidays, time zone),
    assignment strategy or routing. Invalid calendars answer 422 naming the field."""
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        team = assignment.do_update_team(session, team_id, body.model_dump(exclude_unset=True))
        return _team_out(session, team)


@router.get("/teams")
def list_teams(
    request: Request, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> dict[str, Any]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return {
            "items": [
                _team_out(session, t).model_dump(mode="json")
                for t in assignment.list_teams(session)
            ]
        }


@router.post("/teams/{team_id}/members", response_model=TeamOut)
def add_member(
    request: Request, team_id: int, body: MemberIn, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> TeamOut:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        user_id = body.user_id or assignment.user_id_for_email(session, body.email)
        if user_id is None:
            raise NotFound("no such workspace member")
        assignment.do_add_member(
            session, team_id, user_id, online=body.online, max_open=body.max_open
        )
        return _team_out(session, assignment.access_team(session, team_id))


class OnlineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: int
    online: bool


@router.post("/agents:online")
def set_online(
    request: Request, body: OnlineIn, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> dict[str, Any]:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        return {"teams": assignment.do_set_online(session, body.user_id, body.online)}


# ---------------------------------------------------------------- SLA


@router.post("/sla/policies", status_code=201, response_model=SlaPolicyOut)
def create_policy(
    request: Request, body: SlaPolicyIn, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> JSONResponse:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        policy = sla.do_create_policy(session, body.model_dump())
        return JSONResponse(
            SlaPolicyOut.model_validate(policy).model_dump(mode="json"), status_code=201
        )


@router.get("/sla/policies")
def list_policies(
    request: Request, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> dict[str, Any]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return {
            "items": [
                SlaPolicyOut.model_validate(p).model_dump(mode="json")
                for p in sla.list_policies(session)
            ]
        }


@router.get("/sla/events", summary="SLA warnings and breach records")
def list_sla_events(
    request: Request,
    kind: str | None = None,
    since: datetime | None = None,
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> dict[str, Any]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return {
            "items": [
                SlaEventOut.model_validate(e).model_dump(mode="json")
                for e in sla.list_events(session, kind=kind, since=since)
            ]
        }


# ---------------------------------------------------------------- inbound email


class MailboxIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str = Field(min_length=3, max_length=320)
    name: str = ""
    team_id: int | None = None
    imap_host: str | None = None
    imap_port: int | None = None
    imap_tls: bool = True
    imap_username: str | None = None
    imap_password: str | None = None
    imap_folder: str = "INBOX"


@router.post("/mailboxes", status_code=201)
def create_mailbox(
    request: Request, body: MailboxIn, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> JSONResponse:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        box = inbound.do_create_mailbox(session, body.model_dump())
        return JSONResponse(
            {
                "id": box.id,
                "address": box.address,
                "secret": box.secret,
                "inbound_url": f"/api/v1/inbound/email/{box.id}",
            },
            status_code=201,
        )


@router.post("/mailboxes/{mailbox_id}/poll")
def poll_mailbox(
    request: Request, mailbox_id: int, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> dict[str, Any]:
    services = request.app.state.services
    counts = inbound.poll_imap(services.db, key.workspace_id, mailbox_id)
    services.wake_jobs()
    return counts


async def _raw_body(request: Request) -> bytes:
    limit = request.app.state.services.settings.inbound_email_max_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"message is {int(declared):,} bytes; the limit is {limit:,}")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise TooLarge(f"message exceeds the limit of {limit:,} bytes")
    return bytes(body)


def _store_mime(request: Request, workspace_id: int, raw: bytes, mailbox_id: int | None) -> Any:
    services = request.app.state.services
    with services.db.transaction(workspace_id) as session:
        box = inbound.access_mailbox(session, mailbox_id) if mailbox_id is not None else None
        result = inbound.ingest_mime(session, raw, mailbox=box)
    services.wake_jobs()
    return result


@router.post(
    "/inbound/email",
    summary="Raw MIME message (message/rfc822), authenticated with an API key",
)
async def inbound_email(
    request: Request,
    mailbox_id: int | None = None,
    key: AuthenticatedKey = scoped(Scope.WRITE_DATA),
) -> dict[str, Any]:
    raw = await _raw_body(request)
    result = await run_in_threadpool(_store_mime, request, key.workspace_id, raw, mailbox_id)
    return {
        "status": result.status,
        "interaction_id": result.interaction_id,
        "reason": result.reason,
    }


@router.post(
    "/inbound/email/{mailbox_id}",
    summary="Raw MIME from an inbound-mail service, signed with the mailbox secret",
)
async def inbound_email_signed(request: Request, mailbox_id: int) -> dict[str, Any]:
    from sada.automation.webhooks import verify

    raw = await _raw_body(request)
    services = request.app.state.services
    box = await run_in_threadpool(inbound.find_mailbox_any_workspace, services.db, mailbox_id)
    # Same answer for an unknown mailbox and a bad signature.
    if box is None or not verify([box.secret], dict(request.headers), raw):
        raise Unauthorized("invalid or missing signature")
    result = await run_in_threadpool(_store_mime, request, box.workspace_id, raw, box.id)
    return {
        "status": result.status,
        "interaction_id": result.interaction_id,
        "reason": result.reason,
    }


# ---------------------------------------------------------------- performance


@router.get("/performance", summary="Team performance per agent or team, with period comparison")
def team_performance(
    request: Request,
    by: str = Query("agent", pattern="^(agent|team)$"),
    since: datetime | None = None,
    until: datetime | None = None,
    compare: bool = True,
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> dict[str, Any]:
    until = until or utcnow()
    since = since or until - timedelta(days=30)
    if since.tzinfo is None or until.tzinfo is None:
        raise Invalid("since and until need a UTC offset")
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return performance.report(session, since=since, until=until, by=by, compare=compare)


# ---------------------------------------------------------------- canned responses


class CannedIn(BaseModel):
    """A canned response: its key and one body per language (ar, fa, zh, en)."""

    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=80)
    bodies: dict[str, str]


class CannedFillIn(BaseModel):
    """Fill a canned response for one conversation, in its customer's language."""

    model_config = ConfigDict(extra="forbid")
    conversation_id: int
    agent_name: str = Field(default="", max_length=200)
    case_id: int | None = None


@router.get("/canned-responses")
def list_canned_responses(
    request: Request, key: AuthenticatedKey = scoped(Scope.REPLY)
) -> dict[str, Any]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return {"items": canned.list_canned(session)}


@router.post("/canned-responses", status_code=201)
def save_canned_response(
    request: Request, body: CannedIn, key: AuthenticatedKey = scoped(Scope.REPLY)
) -> dict[str, Any]:
    """Create a canned response, or replace the bodies of the one with this key."""
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        return canned.canned_out(canned.do_save_canned(session, body.key, body.bodies))


@router.post("/canned-responses/{canned_key}/fill")
def fill_canned_response(
    request: Request,
    canned_key: str,
    body: CannedFillIn,
    key: AuthenticatedKey = scoped(Scope.REPLY),
) -> dict[str, Any]:
    """The response's text for a conversation: the customer's language (else the
    workspace default) with its placeholders filled."""
    with request.app.state.services.db.reader(key.workspace_id) as session:
        conversations.access_conversation(session, body.conversation_id)
        return canned.fill_canned(
            session,
            canned_key,
            body.conversation_id,
            agent_name=body.agent_name,
            case_id=body.case_id,
        )
