"""Pages of automation: the rules and alerts of the workspace, with their firings and dry runs.

Rules are created and edited from a form whose dry run over the last 30 days is shown before
anything is saved: "Save" stores exactly the rule whose dry run the admin has seen (a digest of
its triggers, conditions and actions travels with the form), otherwise the dry run is shown
again. Enable and disable are one click.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import func, select

from sada.automation.engine import dry_run, rule_from_data
from sada.automation.models import RuleFiring
from sada.automation.rules import TRIGGERS, access_rule, do_create_rule, do_update_rule, list_rules
from sada.core.errors import Invalid
from sada.db.types import utcnow
from sada.web.core import PageRoute, checked_form, page, redirect, render, require, services
from sada.web.i18n import N_
from sada.web.labels import register
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# What a rule listens to, in words (the catalogue's event names stay in the API).
register(
    "event",
    {
        "interaction.ingested": N_("a new interaction"),
        "text.analyzed": N_("a text was analysed"),
        "sentiment.computed": N_("sentiment was computed"),
        "response.received": N_("a survey response"),
        "conversation.created": N_("a conversation opened"),
        "conversation.changed": N_("a conversation changed"),
        "conversation.assigned": N_("a conversation was assigned"),
        "conversation.replied": N_("an agent replied"),
        "conversation.solved": N_("a conversation was solved"),
        "conversation.reopened": N_("a conversation was reopened"),
        "note.mentioned": N_("a colleague was mentioned"),
        "case.created": N_("a case opened"),
        "case.changed": N_("a case changed"),
        "case.assigned": N_("a case was assigned"),
        "case.resolved": N_("a case was resolved"),
        "case.closed": N_("a case was closed"),
        "case.reopened": N_("a case was reopened"),
        "sla.warning": N_("an SLA target is near"),
        "sla.breached": N_("an SLA target was missed"),
        "schedule": N_("on a schedule"),
    },
)


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


@router.post("/rules/{rule_id}/enabled")
async def toggle_rule(
    request: Request, rule_id: int, me: SignedIn = Depends(require("settings"))
) -> Response:
    form = await checked_form(request)
    with services(request).db.transaction(me.workspace_id) as session:
        do_update_rule(session, rule_id, {"enabled": form.get("enabled") == "1"})
    return redirect(request, "/rules?done=1")


def _digest(draft: dict[str, Any]) -> str:
    basis = {k: draft.get(k) for k in ("triggers", "conditions", "actions", "cooldown_minutes")}
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()[:32]


def _draft_from(form: Any) -> tuple[dict[str, Any], str | None]:
    """The rule the form describes, and the first problem with it (in the reader's words)."""
    draft: dict[str, Any] = {
        "name": str(form.get("name", "")).strip()[:200],
        "triggers": [t for t in form.getlist("triggers") if t in TRIGGERS],
        "cooldown_minutes": 0,
    }
    try:
        draft["cooldown_minutes"] = max(0, int(str(form.get("cooldown_minutes") or 0)))
        draft["conditions"] = json.loads(str(form.get("conditions") or "[]"))
        draft["actions"] = json.loads(str(form.get("actions") or "[]"))
    except ValueError:
        return draft, "json"
    return draft, None


def _form_page(
    request: Request,
    me: SignedIn,
    *,
    rule_id: int | None,
    draft: dict[str, Any],
    report: dict[str, Any] | None = None,
    error: str | None = None,
    raw: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    p = page(request, me)
    return render(
        p,
        "automation/rule_form.html",
        status_code=status_code,
        rule_id=rule_id,
        draft=draft,
        triggers=TRIGGERS,
        conditions_json=(raw or {}).get("conditions")
        or json.dumps(draft.get("conditions") or [], ensure_ascii=False, indent=2),
        actions_json=(raw or {}).get("actions")
        or json.dumps(draft.get("actions") or [], ensure_ascii=False, indent=2),
        report=report,
        digest=_digest(draft) if report is not None else "",
        error=error,
    )


@router.get("/rules/new")
def new_rule_page(request: Request, me: SignedIn = Depends(require("settings"))) -> Response:
    draft = {
        "name": "",
        "triggers": ["interaction.ingested"],
        "conditions": [{"field": "interaction.sentiment", "op": "eq", "value": "negative"}],
        "actions": [{"type": "tag", "tags": ["negative"]}],
        "cooldown_minutes": 0,
    }
    return _form_page(request, me, rule_id=None, draft=draft)


@router.get("/rules/{rule_id}/edit")
def edit_rule_page(
    request: Request, rule_id: int, me: SignedIn = Depends(require("settings"))
) -> Response:
    with services(request).db.reader(me.workspace_id) as session:
        rule = access_rule(session, rule_id)
        draft = {
            "name": rule.name,
            "triggers": list(rule.triggers or []),
            "conditions": list(rule.conditions or []),
            "actions": list(rule.actions or []),
            "cooldown_minutes": rule.cooldown_minutes,
        }
    return _form_page(request, me, rule_id=rule_id, draft=draft)


async def _submit(request: Request, me: SignedIn, rule_id: int | None) -> Response:
    form = await checked_form(request)
    p = page(request, me)
    raw = {"conditions": str(form.get("conditions", "")), "actions": str(form.get("actions", ""))}
    draft, problem = _draft_from(form)
    if problem == "json":
        message = p.gettext("Conditions and actions must be valid JSON lists.")
        return _form_page(
            request, me, rule_id=rule_id, draft=draft, error=message, raw=raw, status_code=422
        )
    if not draft["name"]:
        message = p.gettext("Give the rule a name.")
        return _form_page(
            request, me, rule_id=rule_id, draft=draft, error=message, raw=raw, status_code=422
        )
    db = services(request).db
    try:
        with db.reader(me.workspace_id) as session:
            report = dry_run(session, rule_from_data(dict(draft)), days=30)
    except Invalid as exc:
        return _form_page(
            request, me, rule_id=rule_id, draft=draft, error=exc.message, raw=raw, status_code=422
        )
    seen = str(form.get("digest", ""))
    if form.get("step") != "save" or seen != _digest(draft):
        # Nothing is saved before its dry run was shown for exactly this content.
        return _form_page(request, me, rule_id=rule_id, draft=draft, report=report, raw=raw)
    try:
        with db.transaction(me.workspace_id) as session:
            if rule_id is None:
                rule_id = do_create_rule(session, draft).id
            else:
                do_update_rule(session, rule_id, draft)
    except Invalid as exc:
        return _form_page(
            request, me, rule_id=rule_id, draft=draft, error=exc.message, raw=raw, status_code=422
        )
    return redirect(request, f"/rules?done={rule_id}")


@router.post("/rules/new")
async def create_rule(request: Request, me: SignedIn = Depends(require("settings"))) -> Response:
    return await _submit(request, me, None)


@router.post("/rules/{rule_id}/edit")
async def edit_rule(
    request: Request, rule_id: int, me: SignedIn = Depends(require("settings"))
) -> Response:
    with services(request).db.reader(me.workspace_id) as session:
        access_rule(session, rule_id)
    return await _submit(request, me, rule_id)
