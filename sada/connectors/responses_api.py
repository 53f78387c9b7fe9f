"""A responses API for any tool without its own connector.

POST /api/v1/surveys/{survey_id}/responses:batch {"items": [{...}, ...]} (write scope, at most
1,000 items) stores each item as a response of that survey, idempotently per survey and
`source` + `external_id`, and answers per item like interaction ingest: `results` with
`index`, `status` (stored | duplicate | rejected), `id`, `person_id`, `errors` [{path,
message}], and the counts. 200 when all went in, 207 when some were rejected, 422 when none.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from sada.core.errors import Invalid
from sada.core.http import read_json_body
from sada.feedback import service as feedback
from sada.feedback.models import Response
from sada.people.schemas import PersonRef
from sada.tenants.auth import scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey

router = APIRouter(prefix="/api/v1", tags=["surveys"])
MAX_ITEMS = 1000


class ResponseItem(BaseModel):
    """One response from an outside tool."""

    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(min_length=1, max_length=200)
    source: str = Field(default="api", min_length=1, max_length=100)
    answers: dict[str, Any]
    completed: bool = True
    submitted_at: AwareDatetime | None = None
    started_at: AwareDatetime | None = None
    person: PersonRef | None = None
    language: str | None = Field(default=None, max_length=16)
    channel: str | None = Field(default=None, max_length=50)
    hidden: dict[str, Any] = Field(default_factory=dict)
    backfill: bool = Field(
        default=False,
        description="history (origin import): feeds metrics, fires no live action",
    )


def _errors(index: int, message: str) -> list[dict[str, str]]:
    out = []
    for part in message.split("; "):
        path, sep, text = part.partition(": ")
        if sep and (path.startswith(("answers", "person")) or "." in path):
            out.append({"path": f"items[{index}].{path}", "message": text})
        else:
            out.append({"path": f"items[{index}]", "message": part})
    return out


def store_batch(session: Any, survey_id: int, items: list[Any]) -> list[dict[str, Any]]:
    """Per-item results; a rejected item changes nothing (each item has its own savepoint)."""
    survey = feedback.access_survey(session, survey_id)
    results: list[dict[str, Any]] = []
    for index, raw in enumerate(items):
        result: dict[str, Any] = {"index": index, "status": "rejected", "id": None}
        try:
            item = ResponseItem.model_validate(raw)
        except ValidationError as exc:
            result["errors"] = [
                {
                    "path": f"items[{index}]"
                    + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e["loc"]),
                    "message": e["msg"],
                }
                for e in exc.errors()
            ]
            results.append(result)
            continue
        record = feedback.ExternalRecord(
            source=item.source,
            external_id=item.external_id,
            answers=item.answers,
            completed=item.completed,
            submitted_at=item.submitted_at,
            started_at=item.started_at,
            person=item.person,
            language=item.language,
            channel=item.channel or item.source,
            hidden=item.hidden,
        )
        try:
            with session.begin_nested():
                outcome = feedback.do_import_response(
                    session, survey, record, history=item.backfill
                )
                if outcome.startswith("rejected"):
                    raise Invalid(outcome.removeprefix("rejected: "))
        except Invalid as exc:
            result["errors"] = _errors(index, exc.message)
            results.append(result)
            continue
        row = session.execute(
            select(Response).where(
                Response.survey_id == survey.id,
                Response.source == item.source,
                Response.external_id == item.external_id,
            )
        ).scalar_one()
        result.update(
            status="duplicate" if outcome == "duplicate" else "stored",
            id=row.id,
            person_id=row.person_id,
            errors=[],
        )
        if outcome == "updated":
            result["updated"] = True
        results.append(result)
    return results


@router.post(
    "/surveys/{survey_id}/responses:batch",
    summary="Store up to 1,000 responses from any tool; each item gets its own result",
)
async def responses_batch(
    request: Request, survey_id: int, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> JSONResponse:
    services = request.app.state.services
    body = await read_json_body(request, services.settings.max_body_bytes)
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise Invalid('expected a JSON object {"items": [...]}')
    unknown = sorted(set(body) - {"items"})
    if unknown:
        raise Invalid(f"unknown top-level field(s): {', '.join(unknown)}")
    if len(body["items"]) > MAX_ITEMS:
        raise Invalid(f"a batch holds at most {MAX_ITEMS:,} items; got {len(body['items']):,}")

    def work() -> dict[str, Any]:
        with services.db.transaction(key.workspace_id) as session:
            results = store_batch(session, survey_id, body["items"])
        services.wake_jobs()
        return {
            "results": results,
            "stored": sum(r["status"] == "stored" for r in results),
            "duplicates": sum(r["status"] == "duplicate" for r in results),
            "rejected": sum(r["status"] == "rejected" for r in results),
        }

    result = await run_in_threadpool(work)
    good = result["stored"] or result["duplicates"]
    status = 207 if result["rejected"] and good else 200
    if result["rejected"] and not good:
        status = 422
    return JSONResponse(result, status_code=status)
