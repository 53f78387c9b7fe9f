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
from fastapi.responses import HTMLResponse
from markupsafe import escape
from sqlalchemy import func, select

from sada.automation.engine import dry_run, rule_from_data
from sada.automation.models import RuleFiring
from sada.automation.rules import TRIGGERS, access_rule, do_create_rule, do_update_rule, list_rules
from sada.automation.rules import firings as R_firings
from sada.core.errors import Invalid
from sada.db.types import utcnow
from sada.web.core import PageRoute, checked_form, page, redirect, render, require, services
from sada.web.i18n import N_
from sada.web.labels import register
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)
public = APIRouter(include_in_schema=False)

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


# The customer notification's fields on the form: one message (and email subject) per
# language of the interface; the action's other languages stay in it as they are.
NOTIFY_LANGUAGES = ("en", "ar", "fa", "zh")
NOTIFY_CHANNELS = ("best", "email", "whatsapp", "sms", "telegram")
register(
    "notify_channel",
    {
        "best": N_("the person's best channel"),
        "email": N_("email"),
        "whatsapp": N_("WhatsApp"),
        "sms": N_("SMS"),
        "telegram": N_("Telegram"),
    },
)
register(
    "notify_status",
    {
        "queued": N_("queued"),
        "deferred": N_("waiting for the end of quiet hours"),
        "sending": N_("sending"),
        "sent": N_("sent"),
        "failed": N_("failed"),
        "would_send": N_("would be sent"),
    },
)
register(
    "notify_purpose",
    {"notifications": N_("service notifications"), "marketing": N_("marketing")},
)


def _notify_from(form: Any, keep: dict[str, Any] | None) -> dict[str, Any] | None:
    """The notify_customer action the form's fields describe (None when no message)."""
    messages = {
        lang: str(form.get(f"notify_message_{lang}") or "").strip() for lang in NOTIFY_LANGUAGES
    }
    messages = {k: v for k, v in messages.items() if v}
    if not messages:
        return None
    subjects = {
        lang: str(form.get(f"notify_subject_{lang}") or "").strip()[:300]
        for lang in NOTIFY_LANGUAGES
    }
    action: dict[str, Any] = {**(keep or {}), "type": "notify_customer"}
    action["channel"] = str(form.get("notify_channel") or "best")
    action["purpose"] = str(form.get("notify_purpose") or "notifications")
    others = {k: v for k, v in (action.get("messages") or {}).items() if k not in NOTIFY_LANGUAGES}
    action["messages"] = {**messages, **others}
    kept = {k: v for k, v in (action.get("subjects") or {}).items() if k not in NOTIFY_LANGUAGES}
    action["subjects"] = {**{k: v for k, v in subjects.items() if v}, **kept}
    if not action["subjects"]:
        del action["subjects"]
    return action


def _split_notify(actions: list[Any]) -> tuple[list[Any], dict[str, Any] | None]:
    """The actions without the first notify_customer one (shown in its own fields), and it."""
    for i, action in enumerate(actions):
        if isinstance(action, dict) and action.get("type") == "notify_customer":
            return actions[:i] + actions[i + 1 :], action
    return actions, None


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
    if isinstance(draft["actions"], list):
        rest, keep = _split_notify(draft["actions"])
        notify = _notify_from(form, keep)
        draft["actions"] = [*rest, notify] if notify else draft["actions"]
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
    history: list[Any] | None = None,
) -> Response:
    p = page(request, me)
    actions = draft.get("actions") if isinstance(draft.get("actions"), list) else []
    rest, notify = _split_notify(list(actions or []))
    return render(
        p,
        "automation/rule_form.html",
        status_code=status_code,
        rule_id=rule_id,
        draft=draft,
        triggers=TRIGGERS,
        notify=notify or {},
        notify_languages=NOTIFY_LANGUAGES,
        notify_channels=NOTIFY_CHANNELS,
        conditions_json=(raw or {}).get("conditions")
        or json.dumps(draft.get("conditions") or [], ensure_ascii=False, indent=2),
        actions_json=json.dumps(rest, ensure_ascii=False, indent=2)
        if notify is not None or not raw
        else raw.get("actions") or "[]",
        report=report,
        history=history or [],
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
        # the rule's firing history: what each firing did, a customer notification's outcome
        # (sent, deferred, skipped with its reason) included
        history = [
            {"at": f.at, "person_id": f.person_id, "outcome": f.outcome, "results": f.results}
            for f in R_firings(session, rule_id=rule_id, limit=20)
        ]
    return _form_page(request, me, rule_id=rule_id, draft=draft, history=history)


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


# ---------------------------------------------------------------- unsubscribe from notifications


def _unsubscribe_page(lang: str, done: bool, status_code: int = 200) -> HTMLResponse:
    from sada.web.i18n import LANGUAGES, translations

    lang = lang.split("-")[0] if lang and lang.split("-")[0] in LANGUAGES else "en"
    _ = translations(lang).gettext
    if status_code == 404:
        text = _("This unsubscribe link is not valid.")
    elif done:
        text = _("You will no longer receive these messages by email.")
    else:
        text = _("Stop receiving these messages by email?")
    button = (
        ""
        if done or status_code != 200
        else f'<form method="post"><button type="submit">{escape(_("Unsubscribe"))}</button></form>'
    )
    direction = "rtl" if lang in ("ar", "fa") else "ltr"
    html = (
        f'<!doctype html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width"><title>{escape(_("Unsubscribe"))}'
        f"</title></head><body><main><p>{escape(text)}</p>{button}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status_code)


def _unsubscribe_target(request: Request, token: str) -> tuple[int, int, str] | None:
    from sada.automation.customer import read_unsubscribe_token
    from sada.people.models import Person

    found = read_unsubscribe_token(services(request).settings.secret_key, token)
    if found is None:
        return None
    with services(request).db.reader(found[0]) as session:
        person = session.get(Person, found[1])
        if person is None:
            return None
        return found[0], found[1], person.language or ""


@public.get("/n/unsubscribe/{token}")
def unsubscribe_page(request: Request, token: str) -> HTMLResponse:
    """The unsubscribe link of a customer notification email: asks before acting (mail
    scanners follow links)."""
    target = _unsubscribe_target(request, token)
    if target is None:
        return _unsubscribe_page("en", False, 404)
    return _unsubscribe_page(target[2], False)


@public.post("/n/unsubscribe/{token}")
def unsubscribe(request: Request, token: str) -> HTMLResponse:
    """Also the RFC 8058 one-click target of the List-Unsubscribe header: withdraws the
    person's email consent for every purpose (an opt-out)."""
    from sada.automation.customer import do_unsubscribe

    target = _unsubscribe_target(request, token)
    if target is None:
        return _unsubscribe_page("en", False, 404)
    with services(request).db.transaction(target[0]) as session:
        do_unsubscribe(session, target[1])
    return _unsubscribe_page(target[2], True)


router.include_router(public)
