"""What every page of the closed loop shares: the words of its closed vocabularies (registered
for `label()`), case titles in the reader's language, the inbox script's URL, and small reads
(members, user and person names, teams) and form parsers used by the inbox and case pages.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.cases.assignment import list_teams
from sada.cases.schemas import CaseOut
from sada.core.errors import Invalid
from sada.people.models import Person
from sada.tenants.models import Membership, User
from sada.web.core import (
    Page,
)
from sada.web.i18n import N_
from sada.web.labels import labeler, register

# ---------------------------------------------------------------- words

register(
    "conversation_status",
    {"snoozed": N_("Snoozed")},
)
register(
    "case_status",
    {
        "open": N_("Open"),
        "in_progress": N_("In progress"),
        "resolved": N_("Resolved"),
        "closed": N_("Closed"),
    },
)
register(
    "inbox_view",
    {
        "mine": N_("Mine"),
        "unassigned": N_("Unassigned"),
        "team": N_("My teams"),
        "all": N_("All"),
        "mentions": N_("Mentions"),
    },
)
register("sla_state", {"due_soon": N_("Due within an hour"), "breached": N_("Breached")})
register("sla_metric", {"first_response": N_("First response"), "resolution": N_("Resolution")})
register("sort", {"last_activity": N_("Last activity"), "sla_due": N_("SLA due time")})
register(
    "delivery",
    {
        "queued": N_("queued"),
        "sent": N_("sent"),
        "failed": N_("failed"),
        "handed_off": N_("handed to the channel"),
    },
)
register(
    "history",
    {
        "created": N_("opened"),
        "assigned": N_("assigned"),
        "status": N_("status changed"),
        "reply": N_("replied"),
        "reopened": N_("reopened by the customer"),
        "snoozed": N_("snoozed"),
        "updated": N_("updated"),
        "followup_requested": N_("follow-up survey requested"),
        "followup_answered": N_("follow-up survey answered"),
    },
)
register(
    "actor",
    {
        "ingest": N_("incoming message"),
        "routing": N_("automatic routing"),
        "customer": N_("the customer"),
        "snooze": N_("snooze ended"),
        "api": N_("API"),
        "followup": N_("follow-up survey"),
    },
)
register(
    "root_cause",
    {
        "logistics": N_("Logistics"),
        "billing_error": N_("Billing error"),
        "defect": N_("Product defect"),
        "staff_behaviour": N_("Staff behaviour"),
        "app_bug": N_("App or website bug"),
        "pricing": N_("Pricing"),
        "process": N_("Process gap"),
        "other": N_("Other"),
    },
)
register("case_source", {"manual": N_("By hand"), "rule": N_("Rule"), "demo": N_("Demo")})
register("score", {"nps": N_("NPS"), "csat": N_("CSAT")})
ROOT_CAUSES = (
    "logistics",
    "billing_error",
    "defect",
    "staff_behaviour",
    "app_bug",
    "pricing",
    "process",
    "other",
)
CONTACT_CHANNELS = ("phone", "email", "sms", "whatsapp", "chat", "in_store", "other")
INBOX_LANGUAGES = ("ar", "fa", "zh", "en")

# Case titles made from templates: the key, its words in every language, its values.
CASE_TITLES = {
    "rating_follow_up": N_("Follow up with %(name)s: rated %(rating)s (%(scale)s)"),
    "complaint": N_("%(topic)s complaint"),
}
_LEGACY_TITLE = re.compile(
    r"^Follow up with (?P<name>.*): rated (?P<rating>[\d.]+) \((?P<scale>\w+)\)$"
)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def case_title(p: Page, case: CaseOut, *, pii: bool = True) -> str:
    """A case's title in the reader's language: templates rendered with their values, numbers
    as numbers ("3", not "3.0"), scales and topics through the catalogs."""
    key, params = case.title_key, dict(case.title_params or {})
    if key is None:
        legacy = _LEGACY_TITLE.match(case.title)
        if legacy is None:
            return case.title
        key, params = "rating_follow_up", legacy.groupdict()
    template = CASE_TITLES.get(key)
    if template is None:
        return case.title
    label = labeler(p.gettext)
    values: dict[str, str] = {}
    for name, value in params.items():
        text = "" if value is None else str(value)
        if name == "rating" and _NUMBER.match(text):
            number = float(text)
            text = p.fmt.num(number, 0 if number.is_integer() else 1)
        elif name == "scale":
            text = label("score", "nps" if text == "nps" else "csat") if text else ""
        elif name == "topic":
            text = label("aspect", text)
        elif name == "name" and not pii:
            text = "…"
        values[name] = text
    try:
        return p.gettext(template) % values
    except (KeyError, ValueError):
        return case.title


# ---------------------------------------------------------------- shared reads

ASSETS = Path(__file__).parent / "static"


def asset_url(name: str) -> str:
    path = ASSETS / name
    version = hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.is_file() else "0"
    return f"/inbox-assets/{name}?v={version}"


def member_choices(session: Session) -> list[tuple[int, str]]:
    rows = session.execute(
        select(User.id, User.name, User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.role.in_(("agent", "manager", "admin", "owner")))
        .order_by(User.name, User.email)
    ).all()
    return [(uid, name or email) for uid, name, email in rows]


def user_labels(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {
        uid: name or email
        for uid, name, email in session.execute(
            select(User.id, User.name, User.email).where(User.id.in_(wanted))
        ).all()
    }


def person_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {
        pid: name
        for pid, name in session.execute(
            select(Person.id, Person.name).where(Person.id.in_(wanted))
        ).all()
        if name
    }


def team_names(session: Session) -> dict[int, str]:
    return {t.id: t.name for t in list_teams(session)}


def int_or_none(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def local_time(p: Page, value: str) -> datetime | None:
    """A `datetime-local` field, read in the reader's time zone."""
    if not value:
        return None
    try:
        naive = datetime.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(p.gettext("Give a valid date and time.")) from exc
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=p.fmt.tz)
