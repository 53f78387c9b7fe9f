"""Pages of customer health: the at-risk list (people or accounts) with each one's reasons in
words and, for people, the next-best actions with their evidence; training; currency rates
(`/health/currency`: the reporting currency and a CSV upload of rates)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from sada.core.errors import Invalid
from sada.db.types import utcnow
from sada.health import money, service, worth
from sada.web.core import (
    Page,
    PageRoute,
    can,
    checked_form,
    page,
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


ACTION_WORDS = {
    "resurvey": N_("Ask again for feedback"),
    "contacted": N_("Call or contact them"),
    "credit": N_("Offer a credit or refund"),
    "case_resolved": N_("Resolve their open case"),
}
SIMILAR_WORDS = {
    "band_segment_reason": N_("same band, segment and main reason"),
    "band_reason": N_("same band and main reason"),
    "band": N_("same band"),
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
    level = "account" if request.query_params.get("level") == "account" else "person"
    now = utcnow()
    with services(request).db.reader(me.workspace_id) as session:
        if level == "account":
            rows = service.at_risk_accounts(session, 100)
        else:
            rows = service.at_risk(session, 100)
        summary = service.summary(session)
        settings = service.settings_of(session)
        value = worth.value_of_experience(session, now, settings.horizon_days, settings.churn_types)
        risk = worth.revenue_at_risk(session, now, top=10)
    for row in rows:
        row["reasons"] = factor_words(row["factors"])
    return render(
        p,
        "health/at_risk.html",
        level=level,
        rows=rows,
        summary=summary,
        settings=settings,
        value=value,
        risk=risk,
        band_words=BAND_WORDS,
        status_words=STATUS_WORDS,
        action_words=ACTION_WORDS,
        similar_words=SIMILAR_WORDS,
        can_train=can(me, "settings"),
        queued=request.query_params.get("queued") == "1",
    )


def _currency_page(
    p: Page, session: Session, error: str | None = None, loaded: int | None = None
) -> Response:
    return render(
        p,
        "health/currency.html",
        status_code=422 if error else 200,
        reporting=money.reporting_currency(session),
        rates=money.list_rates(session),
        unconverted=service.summary(session)["unconverted"],
        error=error,
        loaded=loaded,
    )


@router.get("/health/currency")
def currency_page(request: Request, me: SignedIn = Depends(require("settings"))) -> Response:
    """The reporting currency and the rates loaded, with the CSV upload."""
    p = page(request, me)
    with services(request).db.reader(me.workspace_id) as session:
        return _currency_page(p, session)


@router.post("/health/currency")
async def currency_upload(
    request: Request, me: SignedIn = Depends(require("settings"))
) -> Response:
    """Set the reporting currency and/or replace the rates from a CSV (currency,rate,valid_from)."""
    form = await checked_form(request)
    p = page(request, me)
    upload = form.get("file")
    reporting = str(form.get("reporting_currency", "")).strip()
    raw = b""
    if upload is not None and not isinstance(upload, str):
        raw = await upload.read(2_000_001)
    with services(request).db.transaction(me.workspace_id) as session:
        try:
            # Everything is checked before anything is written (all or nothing).
            target = money.reporting_currency(session)
            if reporting:
                target = service.validated_settings({"reporting_currency": reporting})[
                    "reporting_currency"
                ]
            items = None
            if raw:
                if len(raw) > 2_000_000:
                    raise Invalid("the file is over 2 MB")
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise Invalid("the CSV must be UTF-8") from exc
                items = money.parse_csv(text)
                money.validated_rates(items, target)
        except Invalid as exc:
            return _currency_page(p, session, error=exc.message)
        if reporting:
            service.update_settings(session, {"reporting_currency": target})
        loaded = money.replace_rates(session, items) if items is not None else None
        return _currency_page(p, session, loaded=loaded)


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
        action_words=ACTION_WORDS,
        similar_words=SIMILAR_WORDS,
    )


def journeys_section(p: Page, session: Session) -> Markup | None:
    """The journeys scorecard's section: revenue at risk by touchpoint, pain point and
    audience, and promoters against detractors."""
    if not can(p.user, "people"):
        return None
    tile = worth.overview_tile(session, utcnow())  # what the last scoring stored
    if tile is None or not tile["risk"]["people"]:
        return None
    risk = {
        **tile["risk"],
        **(service.report(session, "revenue_at_risk") or {}),
    }
    return render_fragment(p, "health/revenue_at_risk.html", risk=risk, value=tile["value"])
