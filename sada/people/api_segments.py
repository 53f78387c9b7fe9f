"""HTTP routes for segments: list, define, preview, refresh and members (keyset pages)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from sada.core.http import read_json_body
from sada.people import membership
from sada.people.models import Person, Segment
from sada.people.segments import name_in
from sada.tenants.auth import scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey

router = APIRouter(prefix="/api/v1", tags=["segments"])


class SegmentOut(BaseModel):
    key: str
    name: str
    names: dict[str, str]
    description: str
    definition: dict[str, Any]
    member_count: int
    refresh_state: str
    refresh_progress: float  # 0..1 of the latest full refresh
    refreshed_at: datetime | None
    updated_at: datetime


class SegmentsPage(BaseModel):
    items: list[SegmentOut]


class MemberOut(BaseModel):
    id: int
    name: str | None
    audience: str
    language: str | None


class MembersPage(BaseModel):
    items: list[MemberOut]
    next_after: int | None  # pass as `after` for the next page; null on the last page


class PreviewOut(BaseModel):
    count: int
    sample: list[MemberOut]


def segment_out(segment: Segment, lang: str = "en") -> SegmentOut:
    total = segment.refresh_total or 0
    done = segment.refresh_done or 0
    progress = 1.0 if segment.refresh_state == "done" else (done / total if total else 0.0)
    return SegmentOut(
        key=segment.key,
        name=name_in(segment.names or {}, lang, segment.key),
        names=dict(segment.names or {}),
        description=segment.description,
        definition=dict(segment.definition),
        member_count=segment.member_count,
        refresh_state=segment.refresh_state,
        refresh_progress=round(min(progress, 1.0), 4),
        refreshed_at=segment.refreshed_at,
        updated_at=segment.updated_at,
    )


def _member(p: Person) -> MemberOut:
    return MemberOut(id=p.id, name=p.name, audience=p.audience, language=p.language)


@router.get("/segments", response_model=SegmentsPage)
def list_segments(
    request: Request,
    lang: str = Query("en", pattern="^(en|ar|fa|zh)$"),
    key: AuthenticatedKey = scoped(Scope.READ_PEOPLE),
) -> SegmentsPage:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return SegmentsPage(items=[segment_out(s, lang) for s in membership.list_segments(session)])


@router.get("/segments/{segment_key}", response_model=SegmentOut)
def get_segment(
    request: Request, segment_key: str, key: AuthenticatedKey = scoped(Scope.READ_PEOPLE)
) -> SegmentOut:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return segment_out(membership.get_segment(session, segment_key))


async def _body(request: Request) -> dict[str, Any]:
    body = await read_json_body(request, 256 * 1024)
    if not isinstance(body, dict):
        from sada.core.errors import Invalid

        raise Invalid(
            "expected a JSON object", details=[{"path": "", "message": "expected an object"}]
        )
    return body


@router.post("/segments", response_model=SegmentOut, status_code=201)
async def create_segment(
    request: Request, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> SegmentOut:
    """Define a segment: {key, names: {en, fa, ...}, description, definition}."""
    body = await _body(request)
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        segment = membership.save_segment(
            session,
            key=body.get("key"),  # type: ignore[arg-type]
            names=body.get("names"),
            description=body.get("description", ""),
            definition=body.get("definition"),
            create=True,
        )
        return segment_out(segment)


@router.put("/segments/{segment_key}", response_model=SegmentOut)
async def update_segment(
    request: Request, segment_key: str, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> SegmentOut:
    body = await _body(request)
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        segment = membership.save_segment(
            session,
            key=segment_key,
            names=body.get("names"),
            description=body.get("description", ""),
            definition=body.get("definition"),
            create=False,
        )
        return segment_out(segment)


@router.delete("/segments/{segment_key}", status_code=204)
def delete_segment(
    request: Request, segment_key: str, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> None:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        membership.delete_segment(session, segment_key)


@router.post("/segments:preview", response_model=PreviewOut)
async def preview_segment(
    request: Request, key: AuthenticatedKey = scoped(Scope.READ_PEOPLE)
) -> PreviewOut:
    """Count (and a sample of 20 of) the people a definition matches now: {definition}."""
    body = await _body(request)
    with request.app.state.services.db.reader(key.workspace_id) as session:
        found = membership.preview(session, body.get("definition"))
        return PreviewOut(count=found.count, sample=[_member(p) for p in found.sample])


@router.post("/segments/{segment_key}:refresh", response_model=SegmentOut, status_code=202)
def refresh_segment(
    request: Request, segment_key: str, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> SegmentOut:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        segment = membership.get_segment(session, segment_key)
        membership.queue_refresh(session, segment)
        return segment_out(segment)


@router.get("/segments/{segment_key}/members", response_model=MembersPage)
def segment_members(
    request: Request,
    segment_key: str,
    after: int | None = Query(None, ge=0),
    limit: int = Query(100, ge=1, le=1000),
    key: AuthenticatedKey = scoped(Scope.READ_PEOPLE),
) -> MembersPage:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        rows, next_after = membership.members_page(session, segment_key, after=after, limit=limit)
        return MembersPage(items=[_member(p) for p in rows], next_after=next_after)
