"""Pages of customer health: the at-risk list with each person's reasons in words, and training."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from sada.db.types import utcnow
from sada.health import service, worth
from sada.jobs.service import enqueue
from sada.web.core import (
    Page,
    PageRoute,
    can,
    checked_form,
    page,
    redirect,
    render,
    render_fragment,
    require,
    services,
)
from sada.web.i18n import N_
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# Each factor's words, by the direction it pushes the risk ("up" raises it).
FACTOR_WORDS: dict[str, dict[str, str]] = {
    "recency_days": {"up": N_("No contact for a long time"), "down": N_("In touch recently")},
    "activity_90": {"up": N_("Little activity lately"), "down": N_("Active lately")},
    "spend_180": {"up": N_("Low recent spend"), "down": N_("High recent spend")},
    "spend_trend": {"up": N_("Spending less than before"), "down": N_("Spending more than before")},
    "last_rating": {"up": N_("Low latest rating"), "down": N_("High latest rating")},
    "rating_trend": {"up": N_("Ratings falling"), "down": N_("Ratings steady or rising")},
    "negative_share_90": {
        "up": N_("Mostly negative messages lately"),
        "down": N_("Few negative messages lately"),
    },
    "complaints_90": {"up": N_("Repeated complaints"), "down": N_("No recent complaints")},
    "open_cases": {"up": N_("Open cases"), "down": N_("No open cases")},
    "tenure_days": {"up": N_("New customer"), "down": N_("Long-standing customer")},
}
BAND_WORDS = {
    "healthy": N_("Healthy"),
    "watch": N_("Watch"),
    "at_risk": N_("At risk"),
    "churned": N_("Churned"),
    "unknown": N_("Unknown"),
}
STATUS_WORDS = {
    "active": N_("Trained model in use"),
    "too_few": N_("Too few churners to train a model: the transparent score is in use"),
    "weak": N_(
        "The trained model did not beat the transparent score: the transparent score is in use"
    ),
    "unavailable": N_("Training needs scikit-learn: the transparent score is in use"),
}


def factor_words(factors: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(untranslated words, direction) per factor, for the template to translate."""
    return [
        (FACTOR_WORDS[f["name"]][f["direction"]], f["direction"])
        for f in factors
        if f.get("name") in FACTOR_WORDS
    ]


@router.get("/health")
def health_page(request: Request, me: SignedIn = Depends(require("people"))) -> Response:
    p = page(request, me)
    with services(request).db.reader(me.workspace_id) as session:
        rows = service.at_risk(session, 100)
        summary = service.summary(session)
        settings = service.settings_of(session)
        value = worth.value_of_experience(
            session, utcnow(), settings.horizon_days, settings.churn_types
        )
    for row in rows:
        row["reasons"] = factor_words(row["factors"])
    return render(
        p,
        "health/at_risk.html",
        rows=rows,
        summary=summary,
        settings=settings,
        value=value,
        band_words=BAND_WORDS,
        status_words=STATUS_WORDS,
        can_train=can(me, "settings"),
        queued=request.query_params.get("queued") == "1",
    )


@router.post("/health/train")
async def train_page(request: Request, me: SignedIn = Depends(require("settings"))) -> Response:
    """Queue a training run (it rescores everyone when done); the page shows its result."""
    await checked_form(request)
    with services(request).db.transaction(me.workspace_id) as session:
        enqueue(session, "health.train", {}, workspace_id=me.workspace_id, dedupe_key=None)
    return redirect(request, "/health?queued=1")


def person_panel(p: Page, session: Session, person_id: int) -> Markup | None:
    """The person page's health card: score, band, reasons in words, the model behind it."""
    if not can(p.user, "people"):
        return None
    health = service.person_health(session, person_id)
    if health["band"] == "unknown":
        return None
    return render_fragment(
        p,
        "health/person_panel.html",
        health=health,
        reasons=factor_words(health["factors"]),
        band_words=BAND_WORDS,
    )
