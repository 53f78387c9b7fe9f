"""HTTP routes: outbound webhooks, rules (with dry runs), firings, notifications. Thin."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from sada.automation import engine, notify, webhooks
from sada.automation import rules as R
from sada.automation.defaults import ensure_default_rules
from sada.automation.models import Rule, RuleFiring, WebhookEndpoint
from sada.core.errors import Invalid
from sada.core.ssrf import HostPolicy
from sada.tenants.auth import scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey

router = APIRouter(prefix="/api/v1", tags=["automation"])


def _policy(request: Request) -> HostPolicy:
    return HostPolicy.from_setting(request.app.state.services.settings.webhook_allowed_hosts)


# ---------------------------------------------------------------- webhooks


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2000)
    events: list[str] = Field(min_length=1, max_length=webhooks.MAX_EVENTS)
    description: str = Field(default="", max_length=500)
    follow_redirects: bool = False


class WebhookPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None


def _endpoint_out(e: WebhookEndpoint, *, secret: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": e.id,
        "url": e.url,
        "events": e.events,
        "description": e.description,
        "enabled": e.enabled,
        "disabled_reason": e.disabled_reason,
        "follow_redirects": e.follow_redirects,
        "consecutive_failures": e.consecutive_failures,
        "failing_since": e.failing_since.isoformat() if e.failing_since else None,
        "last_success_at": e.last_success_at.isoformat() if e.last_success_at else None,
        "rotation_until": e.previous_secret_expires_at.isoformat()
        if e.previous_secret and e.previous_secret_expires_at
        else None,
        "created_at": e.created_at.isoformat(),
    }
    if secret:
        out["secret"] = e.secret
    return out


@router.post("/webhooks", status_code=201, summary="Register an outbound webhook endpoint")
def create_webhook(
    request: Request, body: WebhookIn, key: AuthenticatedKey = scoped(Scope.MANAGE_WEBHOOKS)
) -> JSONResponse:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        endpoint = webhooks.do_create_endpoint(
            session,
            url=body.url,
            events=body.events,
            policy=_policy(request),
            description=body.description,
            follow_redirects=body.follow_redirects,
        )
        out = _endpoint_out(endpoint, secret=True)
    return JSONResponse(out, status_code=201)


@router.get("/webhooks")
def list_webhooks(
    request: Request, key: AuthenticatedKey = scoped(Scope.MANAGE_WEBHOOKS)
) -> dict[str, Any]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return {"items": [_endpoint_out(e) for e in webhooks.list_endpoints(session)]}


@router.get("/webhooks/{endpoint_id}")
def get_webhook(
    request: Request, endpoint_id: int, key: AuthenticatedKey = scoped(Scope.MANAGE_WEBHOOKS)
) -> dict[str, Any]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return _endpoint_out(webhooks.access_endpoint(session, endpoint_id))


@router.patch("/webhooks/{endpoint_id}")
def patch_webhook(
    request: Request,
    endpoint_id: int,
    body: WebhookPatch,
    key: AuthenticatedKey = scoped(Scope.MANAGE_WEBHOOKS),
) -> dict[str, Any]:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        endpoint = webhooks.access_endpoint(session, endpoint_id)
        if body.enabled is not None:
            endpoint = webhooks.do_set_enabled(session, endpoint_id, body.enabled)
        return _endpoint_out(endpoint)


@router.delete("/webhooks/{endpoint_id}", status_code=204)
def delete_webhook(
    request: Request, endpoint_id: int, key: AuthenticatedKey = scoped(Scope.MANAGE_WEBHOOKS)
) -> None:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        webhooks.do_delete_endpoint(session, endpoint_id)


@router.post(
    "/webhooks/{endpoint_id}/rotate", summary="New secret; the old one signs too for a while"
)
def rotate_webhook_secret(
    request: Request,
    endpoint_id: int,
    grace_hours: float = Query(24, ge=0, le=24 * 30),
    key: AuthenticatedKey = scoped(Scope.MANAGE_WEBHOOKS),
) -> dict[str, Any]:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        endpoint = webhooks.do_rotate_secret(
            session, endpoint_id, grace=timedelta(hours=grace_hours)
        )
        return _endpoint_out(endpoint, secret=True)


@router.post("/webhooks/{endpoint_id}/test", status_code=202)
def test_webhook(
    request: Request, endpoint_id: int, key: AuthenticatedKey = scoped(Scope.MANAGE_WEBHOOKS)
) -> dict[str, Any]:
    services = request.app.state.services
    with services.db.transaction(key.workspace_id) as session:
        endpoint = webhooks.access_endpoint(session, endpoint_id)
        if not endpoint.enabled:
            raise Invalid("this endpoint is disabled")
        ids = webhooks.emit_event(
            session, "webhook.test", {"endpoint_id": endpoint_id}, endpoint_id=endpoint_id
        )
    services.wake_jobs()
    return {"queued": len(ids)}


@router.get("/webhooks/{endpoint_id}/deliveries", summary="The delivery log")
def webhook_deliveries(
    request: Request,
    endpoint_id: int,
    limit: int = Query(50, ge=1, le=500),
    key: AuthenticatedKey = scoped(Scope.MANAGE_WEBHOOKS),
) -> dict[str, Any]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        rows = webhooks.list_deliveries(session, endpoint_id, limit=limit)
        attempts = webhooks.attempts_of(session, [r.id for r in rows])
        return {
            "items": [
                {
                    "id": d.id,
                    "msg_id": d.msg_id,
                    "event_type": d.event_type,
                    "status": d.status,
                    "attempts": d.attempts,
                    "next_attempt_at": d.next_attempt_at.isoformat() if d.next_attempt_at else None,
                    "last_status_code": d.last_status_code,
                    "last_error": d.last_error,
                    "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
                    "created_at": d.created_at.isoformat(),
                    "log": [
                        {
                            "at": a.attempted_at.isoformat(),
                            "status_code": a.status_code,
                            "outcome": a.outcome,
                            "error": a.error,
                            "duration_ms": a.duration_ms,
                        }
                        for a in attempts[d.id]
                    ],
                }
                for d in rows
            ]
        }


@router.post("/webhooks/{endpoint_id}/deliveries/{delivery_id}/retry", status_code=202)
def retry_delivery(
    request: Request,
    endpoint_id: int,
    delivery_id: int,
    key: AuthenticatedKey = scoped(Scope.MANAGE_WEBHOOKS),
) -> dict[str, Any]:
    services = request.app.state.services
    with services.db.transaction(key.workspace_id) as session:
        webhooks.access_endpoint(session, endpoint_id)
        delivery = webhooks.do_retry_delivery(session, delivery_id)
        status = delivery.status
    services.wake_jobs()
    return {"id": delivery_id, "status": status}


# ---------------------------------------------------------------- rules


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    enabled: bool = True
    triggers: list[str]
    conditions: list[dict[str, Any]] = Field(default_factory=list)
    actions: list[dict[str, Any]]
    cooldown_minutes: int = Field(default=0, ge=0)
    schedule_minutes: int | None = Field(default=None, ge=1)
    include_history: bool = Field(
        default=False, description="also fire on history (imports, old interactions)"
    )


class RulePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    enabled: bool | None = None
    triggers: list[str] | None = None
    conditions: list[dict[str, Any]] | None = None
    actions: list[dict[str, Any]] | None = None
    cooldown_minutes: int | None = Field(default=None, ge=0)
    schedule_minutes: int | None = Field(default=None, ge=1)
    include_history: bool | None = None


class DryRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: int = Field(default=30, ge=1, le=366)
    rule: RuleIn | None = None


def _rule_out(r: Rule) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "description": r.description,
        "enabled": r.enabled,
        "triggers": r.triggers,
        "conditions": r.conditions,
        "actions": r.actions,
        "cooldown_minutes": r.cooldown_minutes,
        "schedule_minutes": r.schedule_minutes,
        "include_history": r.include_history,
        "builtin": r.builtin,
        "updated_at": r.updated_at.isoformat() if r.updated_at else None,
    }


def _firing_out(f: RuleFiring) -> dict[str, Any]:
    return {
        "id": f.id,
        "rule_id": f.rule_id,
        "at": f.at.isoformat(),
        "trigger": f.trigger,
        "subject": f.subject,
        "person_id": f.person_id,
        "interaction_id": f.interaction_id,
        "case_id": f.case_id,
        "depth": f.depth,
        "outcome": f.outcome,
        "results": f.results,
    }


@router.get("/rules")
def list_rules(
    request: Request, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> dict[str, Any]:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        ensure_default_rules(session)
        return {"items": [_rule_out(r) for r in R.list_rules(session)]}


@router.post("/rules", status_code=201)
def create_rule(
    request: Request, body: RuleIn, key: AuthenticatedKey = scoped(Scope.MANAGE_RULES)
) -> JSONResponse:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        rule = R.do_create_rule(session, body.model_dump())
        engine.ensure_tick(session)
        return JSONResponse(_rule_out(rule), status_code=201)


@router.get("/rules/{rule_id}")
def get_rule(
    request: Request, rule_id: int, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> dict[str, Any]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return _rule_out(R.access_rule(session, rule_id))


@router.patch("/rules/{rule_id}")
def patch_rule(
    request: Request,
    rule_id: int,
    body: RulePatch,
    key: AuthenticatedKey = scoped(Scope.MANAGE_RULES),
) -> dict[str, Any]:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        return _rule_out(R.do_update_rule(session, rule_id, body.model_dump(exclude_unset=True)))


@router.delete("/rules/{rule_id}", status_code=204)
def delete_rule(
    request: Request, rule_id: int, key: AuthenticatedKey = scoped(Scope.MANAGE_RULES)
) -> None:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        rule = R.access_rule(session, rule_id)
        if rule.builtin:
            raise Invalid("built-in alerts cannot be deleted; disable them instead")
        session.delete(rule)


@router.post(
    "/rules/{rule_id}/dry-run", summary="What this rule would have done over the last N days"
)
def dry_run_rule(
    request: Request,
    rule_id: int,
    body: DryRunIn | None = None,
    key: AuthenticatedKey = scoped(Scope.READ_PEOPLE),
) -> dict[str, Any]:
    days = body.days if body else 30
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return engine.dry_run(session, R.access_rule(session, rule_id), days=days)


@router.post("/rules:dry-run", summary="Dry run of a draft rule (not saved)")
def dry_run_draft(
    request: Request, body: DryRunIn, key: AuthenticatedKey = scoped(Scope.READ_PEOPLE)
) -> dict[str, Any]:
    if body.rule is None:
        raise Invalid("give the draft in 'rule'")
    draft = engine.rule_from_data(body.rule.model_dump())
    with request.app.state.services.db.reader(key.workspace_id) as session:
        R.check_recipients(session, {"actions": draft.actions})
        return engine.dry_run(session, draft, days=body.days)


@router.get("/rules/{rule_id}/firings")
def rule_firings(
    request: Request,
    rule_id: int,
    limit: int = Query(100, ge=1, le=1000),
    key: AuthenticatedKey = scoped(Scope.READ_PEOPLE),
) -> dict[str, Any]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        R.access_rule(session, rule_id)
        return {"items": [_firing_out(f) for f in R.firings(session, rule_id=rule_id, limit=limit)]}


@router.get("/people/{person_id}/firings", summary="Rule firings about a person")
def person_firings(
    request: Request, person_id: int, key: AuthenticatedKey = scoped(Scope.READ_PEOPLE)
) -> dict[str, Any]:
    from sada.people.service import access_person

    with request.app.state.services.db.reader(key.workspace_id) as session:
        access_person(session, person_id)
        return {"items": [_firing_out(f) for f in R.firings(session, person_id=person_id)]}


# ---------------------------------------------------------------- notifications


class ReadIn(BaseModel):
    user_id: int
    ids: list[int] = Field(min_length=1, max_length=1000)


@router.post("/notifications:read", status_code=204)
def mark_read(
    request: Request, body: ReadIn, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> None:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        notify.do_mark_read(session, body.user_id, body.ids)


# ---------------------------------------------------------------- settings


@router.get("/automation/settings", summary="Quiet hours, throttle, webhook contact fields")
def read_automation_settings(
    request: Request, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> dict[str, Any]:
    from sada.automation.customer import settings_of

    with request.app.state.services.db.reader(key.workspace_id) as session:
        return settings_of(session)


@router.patch("/automation/settings")
async def update_automation_settings(
    request: Request, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> dict[str, Any]:
    """`quiet_hours` {"start": "HH:MM", "end": "HH:MM"} | null, `throttle_max`,
    `throttle_hours`, `webhook_contact_fields` (bool)."""
    from sada.automation.customer import set_settings
    from sada.core.http import read_json_body

    body = await read_json_body(request, 16 * 1024)
    if not isinstance(body, dict):
        raise Invalid("expected an object of settings")
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        return set_settings(session, body)
