"""Customer health over the API: a person's score, the at-risk list, churn definition, training."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from sada.core.errors import Invalid
from sada.db.types import utcnow
from sada.health import money, service, worth
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
    reporting_currency: str | None = Field(
        None, description="ISO 4217 code every money figure is shown in"
    )


class Rate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    currency: str = Field(..., description="ISO 4217 code, like SAR")
    rate: float = Field(..., description="one unit of `currency` in the reporting currency")
    valid_from: str = Field(..., description="first day the rate applies, YYYY-MM-DD")


class Rates(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rates: list[Rate]


def _settings_out(s: Any) -> dict[str, Any]:
    return {
        "reporting_currency": s.reporting_currency,
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


@router.get("/accounts/{account_id}/health")
def account_health(
    request: Request, account_id: int, key: AuthenticatedKey = scoped(Scope.READ_PEOPLE)
) -> dict[str, Any]:
    """The account's health from its people: value-weighted `risk` and `score`, `band`, the
    `factors` of the people who carry its value, value at stake, people at risk and churned."""
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return service.account_health(session, account_id)


@router.get("/health/at-risk")
def at_risk(
    request: Request,
    limit: int = 50,
    segment: str | None = None,
    audience: str | None = None,
    level: str = "person",
    key: AuthenticatedKey = scoped(Scope.READ_PEOPLE),
) -> dict[str, Any]:
    """People (`level=person`) or accounts (`level=account`) most likely to churn within the
    horizon, with the value at stake; people come with next-best actions and their evidence."""
    if level not in ("person", "account"):
        raise Invalid("level must be person or account")
    with request.app.state.services.db.reader(key.workspace_id) as session:
        if level == "account":
            items = service.at_risk_accounts(session, limit)
        else:
            items = service.at_risk(session, limit, segment=segment, audience=audience)
        return {"level": level, "items": items, **service.summary(session)}


@router.get("/health/revenue-at-risk")
def revenue_at_risk(
    request: Request, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> dict[str, Any]:
    """The value at stake of at-risk customers by pain point, touchpoint and audience, with
    the promoter - detractor differences in retention and spend (95% intervals)."""
    with request.app.state.services.db.reader(key.workspace_id) as session:
        settings = service.settings_of(session)
        now = utcnow()
        return {
            **worth.revenue_at_risk(session, now),
            "value_of_experience": worth.value_of_experience(
                session, now, settings.horizon_days, settings.churn_types
            ),
        }


@router.get("/health/currency-rates")
def get_rates(
    request: Request, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> dict[str, Any]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return {
            "reporting_currency": money.reporting_currency(session),
            "rates": money.list_rates(session),
        }


@router.put("/health/currency-rates")
async def put_rates(
    request: Request, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> dict[str, Any]:
    """Replace the workspace's rates: JSON `{"rates": [{"currency", "rate", "valid_from"}]}` or
    a CSV body (`Content-Type: text/csv`, columns currency,rate,valid_from). All or nothing;
    each bad row is named in the 422."""
    raw = await request.body()
    if len(raw) > 2_000_000:
        raise Invalid("the rates body is over 2 MB")
    if request.headers.get("content-type", "").startswith("text/csv"):
        try:
            items = money.parse_csv(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise Invalid("the CSV must be UTF-8") from exc
    else:
        try:
            body = Rates.model_validate_json(raw)
        except ValueError as exc:
            raise Invalid(
                'expected {"rates": [{"currency", "rate", "valid_from"}]}: '
                + "; ".join(
                    f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                    for e in getattr(exc, "errors", lambda: [])()[:10]
                )
            ) from exc
        items = [r.model_dump() for r in body.rates]

    def load() -> dict[str, Any]:
        with request.app.state.services.db.transaction(key.workspace_id) as session:
            count = money.replace_rates(session, items)
            return {"reporting_currency": money.reporting_currency(session), "loaded": count}

    return await run_in_threadpool(load)


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
