"""A plain home page with counts and a link to the API docs (until the dashboard lands)."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from sada.interactions.service import count_interactions, counts_by_channel
from sada.people.service import count_people
from sada.tenants.models import Workspace

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    db = request.app.state.services.db
    rows = []
    with db.reader() as session:
        workspaces = list(session.execute(select(Workspace).order_by(Workspace.id)).scalars())
    for ws in workspaces:
        with db.reader(ws.id) as session:
            channels = counts_by_channel(session)
            rows.append(
                f"<tr><td>{escape(ws.display_name)}</td><td>{count_people(session):,}</td>"
                f"<td>{count_interactions(session):,}</td>"
                f"<td>{escape(', '.join(f'{c}: {n:,}' for c, n in sorted(channels.items())))}</td></tr>"
            )
    body = (
        "".join(rows)
        or '<tr><td colspan="4">No workspace yet: run <code>sada demo</code>.</td></tr>'
    )
    return HTMLResponse(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Sada</title></head><body>"
        "<h1>Sada</h1><p><a href='/api/docs'>API documentation</a></p>"
        "<table><thead><tr><th>Workspace</th><th>People</th><th>Interactions</th><th>By channel</th></tr></thead>"
        f"<tbody>{body}</tbody></table></body></html>"
    )
