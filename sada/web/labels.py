"""Translatable names of the closed vocabularies shown in pages (channels, sentiments...).

Values outside these lists (custom channels, workspace topics) are user data and
are shown as they are, escaped and direction-isolated.
"""

from __future__ import annotations

from collections.abc import Callable

from sada.web.i18n import N_

LABELS: dict[str, dict[str, str]] = {
    "channel": {
        "email": N_("Email"),
        "chat": N_("Chat"),
        "web_chat": N_("Web chat"),
        "phone": N_("Phone"),
        "sms": N_("SMS"),
        "whatsapp": N_("WhatsApp"),
        "telegram": N_("Telegram"),
        "web": N_("Website"),
        "app": N_("App"),
        "in_store": N_("In store"),
        "survey": N_("Survey"),
        "other": N_("Other"),
        "twitter": N_("X (Twitter)"),
        "x": N_("X (Twitter)"),
        "facebook": N_("Facebook"),
        "instagram": N_("Instagram"),
        "linkedin": N_("LinkedIn"),
        "weibo": N_("Weibo"),
        "wechat": N_("WeChat"),
        "google_reviews": N_("Google reviews"),
        "app_store": N_("App Store"),
        "play_store": N_("Google Play"),
    },
    "audience_flag": {
        "no_owner": N_("no owner"),
        "no_measure": N_("no measure"),
        "no_journey": N_("no journey"),
        "no_people": N_("no people"),
        "below_target": N_("below target"),
    },
    "risk_group": {
        "detractor": N_("detractors"),
        "repeat_complainer": N_("repeat complainers"),
        "sla_breach": N_("people with an SLA breach"),
    },
    "quadrant": {
        "fix_first": N_("fix first"),
        "maintain": N_("maintain"),
        "monitor": N_("monitor"),
        "secondary": N_("secondary"),
    },
    "conversation_status": {
        "open": N_("Open"),
        "pending": N_("Pending"),
        "solved": N_("Solved"),
        "closed": N_("Closed"),
    },
    "priority": {
        "low": N_("Low"),
        "normal": N_("Normal"),
        "high": N_("High"),
        "urgent": N_("Urgent"),
    },
    "sentiment": {
        "positive": N_("Positive"),
        "neutral": N_("Neutral"),
        "negative": N_("Negative"),
        "mixed": N_("Mixed"),
    },
    "aspect": {
        "delivery": N_("Delivery"),
        "product_quality": N_("Product quality"),
        "staff": N_("Staff"),
        "app_website": N_("App and website"),
        "billing": N_("Billing"),
        "price": N_("Price"),
    },
    "audience": {
        "customer": N_("Customer"),
        "prospect": N_("Prospect"),
        "employee": N_("Employee"),
        "fan": N_("Fan"),
        "partner": N_("Partner"),
        "supplier": N_("Supplier"),
        "investor": N_("Investor"),
        "media": N_("Media"),
    },
    "identity": {
        "email": N_("Email"),
        "phone": N_("Phone"),
        "handle": N_("Social handle"),
        "external_id": N_("External ID"),
        "anonymous_id": N_("Anonymous ID"),
    },
    "direction": {"inbound": N_("Inbound"), "outbound": N_("Outbound")},
    "type": {
        "message": N_("Message"),
        "call": N_("Call"),
        "purchase": N_("Purchase"),
        "order": N_("Order"),
        "signup": N_("Sign-up"),
        "page_view": N_("Page view"),
        "complaint": N_("Complaint"),
        "review": N_("Review"),
        "survey_response": N_("Survey response"),
        "event": N_("Event"),
        "cancel": N_("Cancellation"),
        "churn": N_("Churn"),
        "renewal": N_("Renewal"),
        "refund": N_("Refund"),
        "visit": N_("Visit"),
        "note": N_("Note"),
    },
    "language": {
        "en": N_("English"),
        "ar": N_("Arabic"),
        "fa": N_("Persian"),
        "zh": N_("Chinese"),
    },
    "scope": {
        "read": N_("Read"),
        "write": N_("Write"),
        "admin": N_("Administer"),
        "ingest": N_("Ingest only (public key)"),
        "read:people": N_("Read personal data"),
        "read:analytics": N_("Read analytics and settings"),
        "write:data": N_("Change data"),
        "manage:rules": N_("Manage rules"),
        "manage:webhooks": N_("Manage webhooks"),
        "reply": N_("Send replies and invitations"),
    },
    "calendar": {"gregorian": N_("Gregorian"), "jalali": N_("Solar Hijri (Persian)")},
    "digits": {
        "latin": N_("Latin digits (0123)"),
        "persian": N_("Persian digits (۰۱۲۳)"),
        "arabic": N_("Arabic-Indic digits (٠١٢٣)"),
    },
    "period": {
        "7d": N_("Last 7 days"),
        "30d": N_("Last 30 days"),
        "90d": N_("Last 90 days"),
        "365d": N_("Last 12 months"),
        "this_quarter": N_("This quarter"),
        "last_quarter": N_("Last quarter"),
    },
    "people_sort": {
        "newest": N_("Newest first"),
        "oldest": N_("Oldest first"),
        "name": N_("Name"),
        "updated": N_("Recently updated"),
    },
    "survey_status": {"draft": N_("Draft"), "active": N_("Active"), "closed": N_("Closed")},
    "band": {"low": N_("Low score"), "mid": N_("Middle score"), "high": N_("High score")},
    "scale": {
        "nps": N_("NPS (0–10)"),
        "enps": N_("eNPS (0–10)"),
        "csat5": N_("CSAT (1–5)"),
        "csat7": N_("CSAT (1–7)"),
        "ces7": N_("CES (1–7)"),
        "stars5": N_("Stars (1–5)"),
        "scale10": N_("Scale (0–10)"),
    },
}


def register(kind: str, values: dict[str, str]) -> None:
    """A domain adds its own closed vocabulary (marked with `N_` in its own module, so the
    words live in that domain's catalogs) to what `label()` translates on every page."""
    LABELS.setdefault(kind, {}).update(values)


def labeler(gettext: Callable[[str], str]) -> Callable[[str, str | None], str]:
    def label(kind: str, value: str | None) -> str:
        if value is None:
            return "–"
        known = LABELS.get(kind, {}).get(value)
        if known is None and kind == "aspect" and value.startswith("#"):
            return value[1:]
        return gettext(known) if known else value

    return label
