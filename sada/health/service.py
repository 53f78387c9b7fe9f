"""Customer health for the API, the CLI, the pages and the refresh job.

- `settings_of(session)` / `update_settings(session, ...)`: the workspace's churn definition;
  `preview_churn(session, ...)` counts what a definition would call churn, month by month,
  before it is saved;
- `train_model(session, now)`: a training run (see `training.py`), recorded with its card;
- `person_health(session, person_id, now)`: one person's score, computed from their log now;
- `refresh(session, now)`: every person's score into `health_scores` (the at-risk list);
- `at_risk(session, limit, ...)`: the people most at risk, with the value at stake and the
  next-best actions (`actions.py`) with their evidence;
- `account_health(session, account_id)`: an account's health from its people (`accounts.py`).

Money figures are in the workspace's reporting currency (`money.py`); amounts without a rate
are left out and counted (`unconverted`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from sada.core.errors import Invalid, NotFound
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.events import publish
from sada.health import accounts, actions, money, training, worth
from sada.health.features import Snapshot, churned_between, snapshot
from sada.health.models import (
    DEFAULT_REPORTING,
    CurrencyRate,
    HealthModel,
    HealthReport,
    HealthScore,
    HealthSettings,
)
from sada.health.scoring import Scored, results, score_trained, score_transparent
from sada.interactions.models import Interaction
from sada.people.models import Person

CHURN_KINDS = ("contract", "behavioural")


def settings_of(session: Session) -> HealthSettings:
    found = session.scalars(select(HealthSettings)).first()
    if found is not None:
        return found
    return HealthSettings(
        churn_kind="contract",
        churn_types=["cancel", "churn"],
        inactivity_days=90,
        horizon_days=90,
        reporting_currency=DEFAULT_REPORTING,
    )


def validated_settings(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "churn_kind" in data:
        if data["churn_kind"] not in CHURN_KINDS:
            raise Invalid(f"churn_kind must be one of {', '.join(CHURN_KINDS)}")
        out["churn_kind"] = data["churn_kind"]
    if "churn_types" in data:
        types = data["churn_types"]
        if (
            not isinstance(types, list)
            or not types
            or not all(isinstance(t, str) and 0 < len(t) <= 50 for t in types)
        ):
            raise Invalid("churn_types must be a non-empty list of interaction types")
        out["churn_types"] = types
    if "reporting_currency" in data:
        value = data["reporting_currency"]
        if not isinstance(value, str) or not money.CURRENCY.match(value.strip().upper()):
            raise Invalid("reporting_currency must be three letters (ISO 4217), like USD")
        out["reporting_currency"] = value.strip().upper()
    for key, low, high in (("inactivity_days", 7, 730), ("horizon_days", 14, 365)):
        if key in data:
            value = data[key]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise Invalid(f"{key} must be a whole number of days from {low} to {high}")
            out[key] = value
    return out


def update_settings(session: Session, data: dict[str, Any]) -> HealthSettings:
    values = validated_settings(data)
    found = session.scalars(select(HealthSettings)).first()
    if found is None:
        found = settings_of(session)
        found.workspace_id = bound_workspace(session)
        session.add(found)
    if values.get("reporting_currency", found.reporting_currency) != found.reporting_currency:
        # Rates are in the reporting currency: the old ones would convert into the wrong one.
        session.execute(delete(CurrencyRate))
    for key, value in values.items():
        setattr(found, key, value)
    found.updated_at = utcnow()
    session.flush()
    return found


def preview_churn(session: Session, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """What a churn definition would count, per month of the last year, before saving it."""
    current = settings_of(session)
    values = {
        "reporting_currency": current.reporting_currency,
        "churn_kind": current.churn_kind,
        "churn_types": list(current.churn_types),
        "inactivity_days": current.inactivity_days,
        "horizon_days": current.horizon_days,
        **validated_settings(data),
    }
    months = []
    start = (now - timedelta(days=365)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while start < now:
        end = (start + timedelta(days=32)).replace(day=1)
        if values["churn_kind"] == "contract":
            count = len(churned_between(session, start, end, values["churn_types"]))
        else:
            count = _went_quiet(session, start, end, values["inactivity_days"])
        months.append({"month": start.strftime("%Y-%m"), "churned": count})
        start = end
    return {"definition": values, "months": months, "total": sum(m["churned"] for m in months)}


def _went_quiet(session: Session, start: datetime, end: datetime, days: int) -> int:
    """People whose last voice interaction fell in [start - days, end - days): quiet since."""
    last = (
        select(Interaction.person_id, func.max(Interaction.occurred_at).label("last"))
        .where(Interaction.person_id.is_not(None), Interaction.origin.in_(("customer", "import")))
        .group_by(Interaction.person_id)
        .subquery()
    )
    gap = timedelta(days=days)
    return int(
        session.scalar(
            select(func.count())
            .select_from(last)
            .where(last.c.last >= start - gap, last.c.last < end - gap)
        )
        or 0
    )


def active_model(session: Session) -> HealthModel | None:
    return session.scalars(
        select(HealthModel)
        .where(HealthModel.status == "active")
        .order_by(HealthModel.trained_at.desc())
    ).first()


def latest_model(session: Session) -> HealthModel | None:
    return session.scalars(select(HealthModel).order_by(HealthModel.trained_at.desc())).first()


def train_model(session: Session, now: datetime | None = None) -> HealthModel:
    now = now or utcnow()
    status, card = training.train(session, settings_of(session), now)
    row = HealthModel(
        workspace_id=bound_workspace(session), trained_at=now, status=status, card=card
    )
    session.add(row)
    session.flush()
    return row


def _score(session: Session, snap: Snapshot) -> Scored:
    model = active_model(session)
    if model is not None:
        return score_trained(snap.rows, model.card)
    return score_transparent(snap.rows)


def _money_out(snap: Snapshot, person_id: int, rates: money.Rates) -> dict[str, Any]:
    index = snap.person_ids.index(person_id) if person_id in snap.person_ids else None
    left = snap.unconverted_by_person.get(person_id)
    return {
        "currency": rates.reporting,
        "lifetime_value": round(snap.ltv[index], 2) if index is not None else 0.0,
        "unconverted": left.out() if left is not None else [],
    }


def person_health(session: Session, person_id: int, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("no such person")
    settings = settings_of(session)
    rates = money.rates_of(session)
    snap = snapshot(
        session, now, churn_types=settings.churn_types, person_ids=[person_id], rates=rates
    )
    base = {"factors": [], "model": "transparent", "value": 0.0, "actions": []}
    if person_id in snap.churned_before:
        return {
            "score": 0.0,
            "risk": 1.0,
            "band": "churned",
            **base,
            **_money_out(snap, person_id, rates),
        }
    if not snap.person_ids:
        return {
            "score": None,
            "risk": None,
            "band": "unknown",
            **base,
            **_money_out(snap, person_id, rates),
        }
    scored = _score(session, snap)
    out = results(scored, snap.rows)[0]
    out.update(_money_out(snap, person_id, rates))
    out["actions"] = (
        actions.suggest(report(session, "actions"), out["band"], person.segment, out["factors"])
        if out["band"] in ("at_risk", "watch")
        else []
    )
    return out


def people_scores(
    session: Session, person_ids: list[int], now: datetime | None = None
) -> tuple[list[dict[str, Any]], int]:
    """These people's health now (for an account): scored rows, and how many churned."""
    now = now or utcnow()
    settings = settings_of(session)
    snap = snapshot(session, now, churn_types=settings.churn_types, person_ids=person_ids)
    if not snap.person_ids:
        return [], len(snap.churned_before)
    return results(_score(session, snap), snap.rows), len(snap.churned_before)


def account_health(
    session: Session, account_id: int, now: datetime | None = None
) -> dict[str, Any]:
    return accounts.account_health(
        session, account_id, lambda ids: people_scores(session, ids, now)
    )


def report(session: Session, kind: str) -> dict[str, Any] | None:
    row = session.scalars(select(HealthReport).where(HealthReport.kind == kind)).first()
    return None if row is None else dict(row.data)


def save_report(session: Session, kind: str, data: dict[str, Any], now: datetime) -> None:
    row = session.scalars(select(HealthReport).where(HealthReport.kind == kind)).first()
    if row is None:
        row = HealthReport(workspace_id=bound_workspace(session), kind=kind)
        session.add(row)
    row.data = data
    row.computed_at = now
    session.flush()


def refresh(session: Session, now: datetime | None = None, progress: Any = None) -> int:
    """Score every person who has not churned; replaces the workspace's stored scores and
    publishes `health.band_changed` for each person whose band moved since the last scoring."""
    now = now or utcnow()
    settings = settings_of(session)
    rates = money.rates_of(session)
    snap = snapshot(session, now, churn_types=settings.churn_types, rates=rates)
    scored = _score(session, snap)
    rows = results(scored, snap.rows)
    workspace_id = bound_workspace(session)
    save_report(
        session,
        "money",
        {"currency": rates.reporting, "unconverted": snap.unconverted.out()},
        now,
    )
    save_report(
        session,
        "actions",
        actions.learn(session, now, settings.churn_types, lambda s: _score(session, s)),
        now,
    )
    save_report(
        session,
        "value_of_experience",
        worth.value_of_experience(session, now, settings.horizon_days, settings.churn_types),
        now,
    )
    before = dict(session.execute(select(HealthScore.person_id, HealthScore.band)).all())
    session.execute(delete(HealthScore))
    batch: list[dict[str, Any]] = []
    for person_id, row in zip(snap.person_ids, rows, strict=True):
        previous = before.get(person_id)
        if previous is not None and previous != row["band"]:
            publish(
                session,
                "health.band_changed",
                {"person_id": person_id, "previous_band": previous, **row},
            )
        batch.append(
            {
                "workspace_id": workspace_id,
                "person_id": person_id,
                "score": row["score"],
                "risk": row["risk"],
                "band": row["band"],
                "value": row["value"],
                "model": row["model"],
                "factors": row["factors"],
                "computed_at": now,
            }
        )
        if len(batch) >= 5000:
            session.execute(insert(HealthScore), batch)
            batch = []
            if progress is not None:
                progress(5000)
    if batch:
        session.execute(insert(HealthScore), batch)
        if progress is not None:
            progress(len(batch))
    session.flush()
    save_report(session, "revenue_at_risk", worth.revenue_at_risk(session, now), now)
    return len(rows)


def at_risk(
    session: Session, limit: int = 50, *, segment: str | None = None, audience: str | None = None
) -> list[dict[str, Any]]:
    if not 1 <= limit <= 500:
        raise Invalid("limit must be from 1 to 500")
    stmt = (
        select(HealthScore, Person)
        .join(Person, Person.id == HealthScore.person_id)
        .where(HealthScore.band == "at_risk")
        .order_by(HealthScore.risk.desc(), HealthScore.person_id)
        .limit(limit)
    )
    if segment:
        stmt = stmt.where(Person.segment == segment)
    if audience:
        stmt = stmt.where(Person.audience == audience)
    evidence = report(session, "actions")
    out = []
    for score, person in session.execute(stmt):
        out.append(
            {
                "person_id": person.id,
                "name": person.name,
                "segment": person.segment,
                "audience": person.audience,
                "language": person.language,
                "score": score.score,
                "risk": score.risk,
                "band": score.band,
                "value_at_stake": round(score.value * score.risk, 2),
                "value": score.value,
                "factors": score.factors,
                "model": score.model,
                "computed_at": score.computed_at.isoformat(),
                "actions": actions.suggest(evidence, score.band, person.segment, score.factors),
            }
        )
    return out


def at_risk_accounts(session: Session, limit: int = 50) -> list[dict[str, Any]]:
    return accounts.at_risk_accounts(session, limit)


def summary(session: Session) -> dict[str, Any]:
    counts = dict(
        session.execute(select(HealthScore.band, func.count()).group_by(HealthScore.band)).all()
    )
    stake = session.scalar(
        select(func.sum(HealthScore.value * HealthScore.risk)).where(HealthScore.band == "at_risk")
    )
    model = latest_model(session)
    money_report = report(session, "money") or {}
    return {
        "currency": money.reporting_currency(session),
        "unconverted": money_report.get("unconverted", []),
        "bands": {b: int(counts.get(b, 0)) for b in ("healthy", "watch", "at_risk")},
        "value_at_stake": round(float(stake or 0.0), 2),
        "model": None
        if model is None
        else {
            "status": model.status,
            "trained_at": model.trained_at.isoformat(),
            "card": model.card,
        },
    }
