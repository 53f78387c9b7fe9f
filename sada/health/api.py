"""Customer health over the API: a person's score, the at-risk list, churn definition, training."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from sada.db.types import utcnow
from sada.health import service, worth
from sada.people import merges
from sada.tenants.auth import scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey

router = APIRouter(prefix="/api/v1", tags=["health"])


class ChurnDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    churn_kind: str | None = Field(None, description="contract | behavioural")
    churn_types: list[str] | None = Field(None, description="interaction types that mean churn")
    inactivity_days: int | None = None
    horizon_days: int | None = None


def _settings_out(s: Any) -> dict[str, Any]:
    return {
        "churn_kind": s.churn_kind,
        "churn_types": list(s.churn_types),
        "inactivity_days": s.inactivity_days,
        "horizon_days": s.horizon_days,
    }


@router.get("/people/{person_id}/health")
def person_health(
    request: Request, person_id: int, key: AuthenticatedKey = scoped(Scope.READ_PEOPLE)
) -> dict[str, Any]:
    """The person's health: `score` 0-100, churn `risk`, `band`, the `factors` that moved it
    and which `model` scored it (`transparent` or `trained`)."""
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return service.person_health(session, merges.live_person_id(session, person_id))


@router.get("/health/at-risk")
def at_risk(
    request: Request,
    limit: int = 50,
    segment: str | None = None,
    audience: str | None = None,
    key: AuthenticatedKey = scoped(Scope.READ_PEOPLE),
) -> dict[str, Any]:
    """People most likely to churn within the horizon, with the value at stake."""
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return {
            "items": service.at_risk(session, limit, segment=segment, audience=audience),
            **service.summary(session),
        }


@router.get("/health/value-of-experience")
def value_of_experience(
    request: Request, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> dict[str, Any]:
    """Retention and spend of promoters, passives and detractors over the last horizon, with
    95% intervals and the promoter - detractor differences."""
    with request.app.state.services.db.reader(key.workspace_id) as session:
        settings = service.settings_of(session)
        return worth.value_of_experience(
            session, utcnow(), settings.horizon_days, settings.churn_types
        )


@router.get("/health/settings")
def get_settings(
    request: Request, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> dict[str, Any]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return _settings_out(service.settings_of(session))


@router.post("/health/settings:preview")
def preview(
    request: Request, body: ChurnDefinition, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> dict[str, Any]:
    """What this churn definition would count, month by month over the last year."""
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return service.preview_churn(session, body.model_dump(exclude_none=True), utcnow())


@router.put("/health/settings")
def put_settings(
    request: Request, body: ChurnDefinition, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> dict[str, Any]:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        return _settings_out(service.update_settings(session, body.model_dump(exclude_none=True)))


@router.post("/health/train")
def train(request: Request, key: AuthenticatedKey = scoped(Scope.ADMIN)) -> dict[str, Any]:
    """Train the churn model on this workspace's history and rescore everyone."""
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        model = service.train_model(session)
        scored = service.refresh(session)
        return {"status": model.status, "card": model.card, "scored": scored}
