"""Health per account (a company: Segment `group`), aggregated from its people.

An account's churn risk is the value-weighted mean of its people's risks (each person weighs
by their spend of the last 180 days in the reporting currency; when nobody spent, everyone
weighs the same), so the people who carry the revenue carry the score. Its factors are its
people's factors weighed the same way: "Low latest rating" is the account's top reason when
the people who spend most rate it low. People who already churned are counted apart.

- `aggregate(members)`: one account's figures from its people's scores;
- `account_health(session, account_id, ...)`: computed now from the people's logs;
- `at_risk_accounts(session, limit)`: from the stored scores (the refresh job's).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.connectors.accounts import access_account, members_of
from sada.connectors.models import Account, AccountMember
from sada.core.errors import Invalid
from sada.health.models import HealthScore
from sada.health.scoring import band_of

TOP = 4


def aggregate(members: list[dict[str, Any]], churned: int = 0) -> dict[str, Any]:
    """`members`: dicts with `risk`, `value`, `factors` (and `model`) of the people scored."""
    if not members:
        return {
            "score": None,
            "risk": None,
            "band": "churned" if churned else "unknown",
            "factors": [],
            "model": "transparent",
            "value": 0.0,
            "value_at_stake": 0.0,
            "people": 0,
            "people_at_risk": 0,
            "people_churned": churned,
        }
    values = [max(0.0, float(m.get("value") or 0.0)) for m in members]
    total = sum(values)
    weights = [v / total for v in values] if total > 0 else [1 / len(members)] * len(members)
    risk = sum(w * float(m["risk"]) for w, m in zip(weights, members, strict=True))
    pushes: dict[tuple[str, str], float] = {}
    for w, m in zip(weights, members, strict=True):
        for f in m.get("factors") or []:
            key = (str(f["name"]), str(f["direction"]))
            pushes[key] = pushes.get(key, 0.0) + w * float(f["weight"])
    ranked = sorted(pushes.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    models = {m.get("model", "transparent") for m in members}
    return {
        "score": round(100 * (1 - risk), 1),
        "risk": round(risk, 4),
        "band": band_of(risk),
        "factors": [
            {"name": name, "direction": direction, "weight": round(weight, 3)}
            for (name, direction), weight in ranked
            if weight >= 0.01
        ],
        "model": "trained" if models == {"trained"} else "transparent",
        "value": round(total, 2),
        "value_at_stake": round(
            sum(float(m["risk"]) * v for m, v in zip(members, values, strict=True)), 2
        ),
        "people": len(members),
        "people_at_risk": sum(1 for m in members if band_of(float(m["risk"])) == "at_risk"),
        "people_churned": churned,
    }


def account_health(session: Session, account_id: int, score_people: Any) -> dict[str, Any]:
    """`score_people(person_ids) -> (rows, churned_count)`: the people's health now."""
    account = access_account(session, account_id)
    people = members_of(session, [account.id])[account.id]
    rows, churned = score_people(people) if people else ([], 0)
    out = aggregate(rows, churned)
    return {"account_id": account.id, "name": account.name, **out}


def at_risk_accounts(session: Session, limit: int = 50) -> list[dict[str, Any]]:
    """Accounts whose value-weighted risk puts them at risk, riskiest first."""
    if not 1 <= limit <= 500:
        raise Invalid("limit must be from 1 to 500")
    rows = session.execute(
        select(
            AccountMember.account_id,
            HealthScore.risk,
            HealthScore.value,
            HealthScore.factors,
            HealthScore.model,
        ).join(HealthScore, HealthScore.person_id == AccountMember.person_id)
    )
    by_account: dict[int, list[dict[str, Any]]] = {}
    for account_id, risk, value, factors, model in rows:
        by_account.setdefault(int(account_id), []).append(
            {"risk": risk, "value": value, "factors": factors, "model": model}
        )
    scored = [(a, aggregate(m)) for a, m in by_account.items()]
    at_risk = sorted(
        ((a, s) for a, s in scored if s["band"] == "at_risk"), key=lambda x: (-x[1]["risk"], x[0])
    )[:limit]
    names = dict(
        session.execute(
            select(Account.id, Account.name).where(Account.id.in_([a for a, _ in at_risk]))
        ).all()
    )
    return [{"account_id": a, "name": names.get(a), **s} for a, s in at_risk]
