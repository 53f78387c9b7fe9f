"""Customer notifications from rules: the `notify_customer` action ("your order is ready").

    {"type": "notify_customer",
     "channel": "best" | "email" | "sms" | "whatsapp" | "telegram",      (default best)
     "purpose": "notifications" | "marketing",                            (default notifications)
     "messages": {"en": "Hi {person.name}, order {interaction.attributes.order} is ready",
                  "ar": "...", "fa": "...", "zh": "..."},
     "subjects": {"en": "Your order is ready", ...},                      (email; optional)
     "whatsapp_template": {"name": "order_ready", "language": "en"}}      (optional)

Language: the person's language (or its base, `ar` for `ar-EG`), else the workspace's default
language, else English, else the first message given. Placeholders are the rules'
(`{person.name}`, `{interaction.attributes.x}`, `{rule.name}`...).

Channel: a chosen one, or the best: the channel the person wrote from (the triggering
interaction's) when they can be reached there, then email, then the messaging channels in
their order (WhatsApp, SMS, Telegram). WhatsApp outside its 24-hour window sends the
`whatsapp_template` (the rendered message as its one body parameter), else the account's.

Before anything is queued, in the rule's own transaction (`plan`): consent
(`sada.people.consent.refusal` for the channel and purpose: a withdrawn consent, an opt-out by
keyword or unsubscribe link, or no consent where the workspace requires it) and the throttle
per person (at most `throttle_max` per `throttle_hours`, sent or on their way) skip the
message with a reason recorded in the rule's firing history (never as sent); quiet hours
(`quiet_hours` {"start": "21:00", "end": "08:00"} in the person's time zone: trait
`timezone`, else the workspace's) defer it to their end as a scheduled job. The job
(`deliver`) checks consent again, sends once per idempotency key, and writes the outcome back
to the firing's results. Emails carry an unsubscribe link (and List-Unsubscribe headers).

Workspace settings (`settings.automation`, `GET/PATCH /api/v1/automation/settings`):
`quiet_hours`, `throttle_max` (3), `throttle_hours` (24), `webhook_contact_fields` (false).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import logging
import re
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sada.automation.models import CustomerNotification, RuleFiring
from sada.core.errors import Invalid, SadaError
from sada.db.engine import Database
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.domains import message_channel_modules
from sada.jobs.service import enqueue
from sada.people import consent
from sada.people.models import Identity, Person
from sada.settings import Settings
from sada.tenants.models import Workspace

log = logging.getLogger(__name__)
JOB = "automation.notify_customer"
CHANNELS = ("best", "email", "whatsapp", "sms", "telegram")
PURPOSES = ("notifications", "marketing")
MESSAGING = ("whatsapp", "sms", "telegram")
DEFAULTS: dict[str, Any] = {
    "quiet_hours": None,
    "throttle_max": 3,
    "throttle_hours": 24,
    "webhook_contact_fields": False,
}
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# The unsubscribe line of a notification email, in the person's language.
UNSUBSCRIBE_LINE = {
    "en": "To stop these messages: {url}",
    "ar": "لإيقاف هذه الرسائل: {url}",
    "fa": "برای لغو دریافت این پیام‌ها: {url}",
    "zh": "退订此类消息：{url}",
}


class NotReachable(Invalid):
    """The person cannot be reached this way: permanent, not retried."""

    retryable = False


# ---------------------------------------------------------------- settings


def _check_quiet_hours(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise Invalid('quiet_hours: {"start": "HH:MM", "end": "HH:MM"} or null')
    start, end = value.get("start"), value.get("end")
    for name, v in (("start", start), ("end", end)):
        if not isinstance(v, str) or not _HHMM.match(v):
            raise Invalid(f"quiet_hours.{name}: a time as HH:MM (24-hour clock)")
    if start == end:
        raise Invalid("quiet_hours: start and end must differ")
    return {"start": str(start), "end": str(end)}


def settings_of(session: Session) -> dict[str, Any]:
    """The workspace's notification and webhook settings, with defaults filled in."""
    workspace = session.get(Workspace, bound_workspace(session))
    stored = (workspace.settings or {}).get("automation") if workspace is not None else None
    out = dict(DEFAULTS)
    if isinstance(stored, Mapping):
        out.update({k: stored[k] for k in DEFAULTS if k in stored})
    return out


def set_settings(session: Session, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and store changes (unknown keys are refused); returns the settings."""
    unknown = sorted(set(changes) - set(DEFAULTS))
    if unknown:
        raise Invalid(f"unknown setting {unknown[0]!r}; use {', '.join(DEFAULTS)}")
    current = settings_of(session)
    if "quiet_hours" in changes:
        current["quiet_hours"] = _check_quiet_hours(changes["quiet_hours"])
    for name, low, high in (("throttle_max", 0, 1000), ("throttle_hours", 1, 24 * 30)):
        if name in changes:
            value = changes[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise Invalid(f"{name}: a whole number from {low} to {high}")
            current[name] = value
    if "webhook_contact_fields" in changes:
        if not isinstance(changes["webhook_contact_fields"], bool):
            raise Invalid("webhook_contact_fields: true or false")
        current["webhook_contact_fields"] = changes["webhook_contact_fields"]
    workspace = session.get(Workspace, bound_workspace(session))
    assert workspace is not None
    workspace.settings = {**(workspace.settings or {}), "automation": current}
    return current


# ---------------------------------------------------------------- validation


def validate_action(action: dict[str, Any], path: str) -> None:
    """Raise Invalid (with the field's path) when a notify_customer action is unusable."""
    channel = action.get("channel", "best")
    if channel not in CHANNELS:
        raise Invalid(f"{path}.channel: use one of {', '.join(CHANNELS)}")
    if action.get("purpose", "notifications") not in PURPOSES:
        raise Invalid(f"{path}.purpose: use one of {', '.join(PURPOSES)}")
    messages = action.get("messages")
    if not isinstance(messages, dict) or not messages:
        raise Invalid(f'{path}.messages: the message per language, e.g. {{"en": "..."}}')
    for lang, text in messages.items():
        if not isinstance(lang, str) or not _LANG.match(lang):
            raise Invalid(f"{path}.messages: {lang!r} is not a language code")
        if not isinstance(text, str) or not text.strip():
            raise Invalid(f"{path}.messages.{lang}: the message is empty")
        if len(text) > 1600:
            raise Invalid(f"{path}.messages.{lang}: at most 1,600 characters")
    subjects = action.get("subjects")
    if subjects is not None and not (
        isinstance(subjects, dict) and all(isinstance(v, str) for v in subjects.values())
    ):
        raise Invalid(f"{path}.subjects: the email subject per language")
    template = action.get("whatsapp_template")
    if template is not None and not (isinstance(template, dict) and template.get("name")):
        raise Invalid(f'{path}.whatsapp_template: {{"name": ..., "language": ...}}')


# ---------------------------------------------------------------- choosing


def pick_language(available: Mapping[str, str], wanted: str | None, default: str) -> str:
    """The person's language, its base, the workspace's default, English, else the first."""
    for lang in (wanted, (wanted or "").split("-")[0], default, default.split("-")[0], "en"):
        if lang and lang in available:
            return lang
    return next(iter(available))


def channel_modules() -> list[Any]:
    return [importlib.import_module(name) for name in message_channel_modules()]


def reach(session: Session, person_id: int) -> dict[str, str]:
    """channel -> address this person can be reached at (email from their identities)."""
    out: dict[str, str] = {}
    email = session.execute(
        select(Identity.value)
        .where(Identity.person_id == person_id, Identity.kind == "email")
        .order_by(Identity.id)
        .limit(1)
    ).scalar_one_or_none()
    if email:
        out["email"] = email
    for module in channel_modules():
        for channel, address in module.reachable(session, person_id):
            out.setdefault(channel, address)
    return out


def candidates(chosen: str, came_from: str | None, reachable: Mapping[str, str]) -> list[str]:
    if chosen != "best":
        return [chosen]
    order = [came_from] if came_from in reachable else []
    order += [c for c in ("email", *MESSAGING) if c in reachable and c not in order]
    return [c for c in order if c]


def zone_of(person: Person | None, workspace: Workspace | None) -> ZoneInfo:
    names = []
    if person is not None:
        traits = person.traits or {}
        names += [traits.get(k) for k in ("timezone", "time_zone", "tz")]
    names.append(workspace.timezone if workspace is not None else None)
    for name in names:
        if isinstance(name, str) and name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def quiet_until(quiet: Mapping[str, str] | None, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The end of the quiet hours (UTC) when `now` falls in them, else None."""
    if not quiet:
        return None
    local = now.astimezone(zone)
    start = time.fromisoformat(quiet["start"])
    end = time.fromisoformat(quiet["end"])
    t = local.time().replace(tzinfo=None)
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + timedelta(days=1)
    ends = datetime.combine(day, end, tzinfo=zone)
    return ends.astimezone(now.tzinfo)


def _throttled(
    session: Session, person_id: int, settings: Mapping[str, Any], now: datetime
) -> bool:
    limit = int(settings["throttle_max"])
    if limit <= 0:
        return False
    since = now - timedelta(hours=int(settings["throttle_hours"]))
    n = session.execute(
        select(func.count()).where(
            CustomerNotification.person_id == person_id,
            CustomerNotification.created_at >= since,
            CustomerNotification.status.in_(("queued", "deferred", "sending", "sent")),
        )
    ).scalar_one()
    return int(n) >= limit


# ---------------------------------------------------------------- the action


def plan(
    session: Session,
    action: Mapping[str, Any],
    *,
    person_id: int | None,
    came_from: str | None,
    render: Any,
    key: str,
    rule_id: int | None,
    dry_run: bool,
    now: datetime,
) -> dict[str, Any]:
    """Decide and (unless dry_run) record one customer notification; returns the result the
    firing history shows: status queued | deferred (`until`) | skipped (`skipped`: why)."""
    out: dict[str, Any] = {"action": "notify_customer"}
    if person_id is None:
        return {**out, "skipped": "no person"}
    person = session.get(Person, person_id)
    workspace = session.get(Workspace, bound_workspace(session))
    settings = settings_of(session)
    messages = dict(action.get("messages") or {})
    default = workspace.default_language if workspace is not None else "en"
    lang = pick_language(messages, person.language if person else None, default)
    purpose = str(action.get("purpose", "notifications"))
    reachable = reach(session, person_id)
    channel, why = None, []
    for name in candidates(str(action.get("channel", "best")), came_from, reachable):
        if name not in reachable:
            why.append(f"{name}: no address")
            continue
        refused = consent.refusal(session, person_id, name, purpose)
        if refused:
            why.append(f"{name}: {refused}")
            continue
        channel = name
        break
    out.update(person_id=person_id, language=lang)
    if channel is None:
        return {**out, "skipped": "; ".join(why) or "no channel reaches the person"}
    out["channel"] = channel
    if _throttled(session, person_id, settings, now):
        hours = settings["throttle_hours"]
        return {**out, "skipped": f"throttled: {settings['throttle_max']} in {hours} h"}
    until = quiet_until(settings.get("quiet_hours"), now, zone_of(person, workspace))
    body = render(messages[lang])
    subjects = action.get("subjects") or {}
    subject = render(subjects.get(lang) or next(iter(subjects.values()), "")) if subjects else ""
    if dry_run:
        status = {"status": "deferred", "until": until.isoformat()} if until else {}
        return {**out, "status": "would_send", **status}
    template = action.get("whatsapp_template")
    if isinstance(template, dict):
        template = {"name": str(template["name"]), "language": template.get("language") or lang}
    row = CustomerNotification(
        workspace_id=bound_workspace(session),
        idempotency_key=key[:200],
        rule_id=rule_id,
        person_id=person_id,
        channel=channel,
        purpose=purpose,
        language=lang,
        subject=(subject or body.split("\n", 1)[0])[:500],
        body=body,
        template=template if isinstance(template, dict) else None,
        status="deferred" if until else "queued",
        run_at=until or now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    enqueue(
        session,
        JOB,
        {"notification_id": row.id},
        workspace_id=row.workspace_id,
        run_at=until,
        dedupe_key=f"notify-customer:{row.workspace_id}:{row.id}",
    )
    out.update(notification_id=row.id, status=row.status)
    if until:
        out.update(until=until.isoformat(), reason="quiet hours")
    return out


def attach_firing(session: Session, firing_id: int, results: list[dict[str, Any]]) -> None:
    ids = [r["notification_id"] for r in results if r.get("notification_id")]
    if ids:
        for row in session.execute(
            select(CustomerNotification).where(CustomerNotification.id.in_(ids))
        ).scalars():
            row.firing_id = firing_id


def _write_back(session: Session, row: CustomerNotification) -> None:
    """The outcome in the firing's results (the rule's firing history)."""
    if row.firing_id is None:
        return
    firing = session.get(RuleFiring, row.firing_id)
    if firing is None:
        return
    results = []
    for r in firing.results or []:
        if r.get("notification_id") == row.id:
            r = {k: v for k, v in r.items() if k not in ("skipped", "reason", "until")}
            r["status"] = row.status
            if row.status == "skipped":
                r["skipped"] = row.reason
            elif row.reason:
                r["reason"] = row.reason
            if row.sent_at:
                r["sent_at"] = row.sent_at.isoformat()
        results.append(r)
    firing.results = results


# ---------------------------------------------------------------- unsubscribe


def unsubscribe_token(secret: str, workspace_id: int, person_id: int) -> str:
    mac = hmac.new(
        secret.encode(), f"notify-unsubscribe:{workspace_id}:{person_id}".encode(), hashlib.sha256
    ).digest()
    tail = base64.urlsafe_b64encode(mac[:18]).decode()
    return f"{workspace_id}.{person_id}.{tail}"


def read_unsubscribe_token(secret: str, token: str) -> tuple[int, int] | None:
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    workspace_id, person_id = int(parts[0]), int(parts[1])
    expected = unsubscribe_token(secret, workspace_id, person_id)
    return (workspace_id, person_id) if hmac.compare_digest(expected, token) else None


def do_unsubscribe(session: Session, person_id: int) -> None:
    consent.opt_out(session, person_id, "email", "unsubscribe link")


# ---------------------------------------------------------------- the job


def deliver(db: Database, settings: Settings, workspace_id: int, notification_id: int) -> str:
    """Send one queued or deferred notification (the job). A retryable failure raises (the
    runner retries with backoff); a refusal is recorded `failed`. Once per notification: the
    messaging channels' send ledger is keyed by its idempotency key; an email is marked
    `sending` before SMTP and `sent` after (SMTP has no lookup: a crash between the two sends
    it again on retry, at least once)."""
    with db.transaction(workspace_id) as session:
        row = session.get(CustomerNotification, notification_id)
        if row is None or row.status in ("sent", "skipped", "failed"):
            return "done"
        if row.status == "sending" and row.channel == "email":
            log.info("notification %s: retrying an email that may have gone out", row.id)
        refused = (
            consent.refusal(session, row.person_id, row.channel, row.purpose)
            if row.person_id
            else "no person"
        )
        address = reach(session, row.person_id).get(row.channel) if row.person_id else None
        if refused or address is None:
            row.status, row.reason = "skipped", refused or f"{row.channel}: no address"
            _write_back(session, row)
            return "skipped"
        row.status = "sending"
        job = {
            "channel": row.channel,
            "person_id": row.person_id,
            "body": row.body,
            "subject": row.subject,
            "language": row.language,
            "template": row.template,
            "key": row.idempotency_key,
        }
    try:
        message_id = _send(db, settings, workspace_id, job, address)
    except SadaError as exc:
        if getattr(exc, "retryable", True):
            raise
        with db.transaction(workspace_id) as session:
            row = session.get(CustomerNotification, notification_id)
            if row is not None:
                row.status, row.reason = "failed", str(exc)[:300]
                _write_back(session, row)
        return "failed"
    with db.transaction(workspace_id) as session:
        row = session.get(CustomerNotification, notification_id)
        if row is not None:
            row.status, row.sent_at = "sent", utcnow()
            row.provider_message_id, row.reason = message_id[:200], None
            _write_back(session, row)
    return "sent"


def _send(
    db: Database, settings: Settings, workspace_id: int, job: dict[str, Any], address: str
) -> str:
    channel = job["channel"]
    if channel == "email":
        from sada.automation.notify import send_mail

        token = unsubscribe_token(settings.secret_key, workspace_id, int(job["person_id"]))
        url = f"{settings.base_url.rstrip('/')}/n/unsubscribe/{token}"
        line = UNSUBSCRIBE_LINE.get(job["language"].split("-")[0], UNSUBSCRIBE_LINE["en"])
        digest = hashlib.sha256(job["key"].encode()).hexdigest()[:24]
        return send_mail(
            settings,
            [address],
            job["subject"] or job["body"].split("\n", 1)[0][:120],
            f"{job['body']}\n\n-- \n{line.format(url=url)}\n",
            headers={
                "List-Unsubscribe": f"<{url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Auto-Submitted": "auto-generated",  # no auto-replies to a notification
            },
            message_id=f"<notify-{digest}@sada.local>",
        )
    module = next((m for m in channel_modules() if channel in getattr(m, "CHANNELS", ())), None)
    if module is None:
        raise NotReachable(f"no {channel} channel is configured")
    return str(
        module.send_to_person(
            db,
            settings,
            workspace_id,
            int(job["person_id"]),
            channel,
            job["body"],
            [job["body"]],
            idempotency_key=f"notify:{job['key']}",
            template=job["template"],
            attributes={"kind": "customer_notification"},
        )
    )
