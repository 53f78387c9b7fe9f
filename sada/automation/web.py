"""Pages of automation: the rules and alerts of the workspace, with their firings and dry runs."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import func, select

from sada.automation.engine import dry_run
from sada.automation.models import RuleFiring
from sada.automation.rules import list_rules
from sada.db.types import utcnow
from sada.web.core import PageRoute, page, render, require, services
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/rules")
def rules_page(request: Request, me: SignedIn = Depends(require("settings"))) -> Response:
    p = page(request, me)
    since: datetime = utcnow() - timedelta(days=30)
    with services(request).db.reader(me.workspace_id) as session:
        rules = list_rules(session)
        fired = dict(
            session.execute(
                select(RuleFiring.rule_id, func.count())
                .where(RuleFiring.at >= since, RuleFiring.outcome == "fired")
                .group_by(RuleFiring.rule_id)
            ).all()
        )
        dry = (
            {r.id: dry_run(session, r, days=30)["would_fire"] for r in rules}
            if request.query_params.get("dry")
            else None
        )
    return render(p, "automation/rules.html", rules=rules, fired=fired, dry=dry)
