"""Outbound webhooks following Standard Webhooks (https://www.standardwebhooks.com).

Endpoints subscribe to events of the catalogue (`sada.events.catalogue`), `<domain>.*`
or `*`. The `webhooks.fanout` job follows every live event that an enabled endpoint
subscribes to (`listened`, checked when the event is published; see `sada.automation.tasks`)
and `emit_event` records one delivery per subscribed endpoint and a job for it, in one
transaction; a replayed fan-out (same `event_id`) records nothing twice. The job makes one
HTTP attempt through the SSRF guard and, on a retryable failure, schedules the next attempt
with exponential backoff (or the receiver's `Retry-After`). Every attempt is logged. An
endpoint that keeps failing is disabled automatically.

An event's `person` carries the contact fields (email, phone, name, language) only when the
workspace's `webhook_contact_fields` setting allows it (off by default; `PATCH
/api/v1/automation/settings`, docs/webhooks.md); otherwise they are left out.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import json
import random
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.automation.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from sada.core.errors import Invalid, NotFound
from sada.core.privacy import Surface, sees_raw_pii
from sada.core.ssrf import BlockedDestination, HostPolicy, guarded_client
from sada.core.telemetry import WEBHOOK_DELIVERIES
from sada.db.engine import Database
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.events import catalogue
from sada.jobs.service import enqueue
from sada.tenants.models import Workspace
from sada.text.pii import redact as redact_pii

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks secret prefix
DELIVER_JOB = "webhooks.deliver"
MAX_EVENTS = 50
USER_AGENT = "Sada-Webhooks/1"


@dataclass(frozen=True)
class DeliveryConfig:
    """Retry and disable policy; built from settings (see `from_settings`)."""

    timeout_seconds: float = 10.0
    max_attempts: int = 8
    base_delay_seconds: float = 5.0
    backoff_factor: float = 4.0
    max_delay_seconds: float = 10 * 3600.0
    max_retry_after_seconds: float = 24 * 3600.0
    disable_after_failures: int = 20
    disable_after_hours: float = 72.0
    jitter: float = 0.1

    @classmethod
    def from_settings(cls, settings: Any) -> DeliveryConfig:
        return cls(
            timeout_seconds=settings.webhook_timeout_seconds,
            max_attempts=settings.webhook_max_attempts,
            base_delay_seconds=settings.webhook_retry_base_seconds,
            disable_after_failures=settings.webhook_disable_after_failures,
            disable_after_hours=settings.webhook_disable_after_hours,
        )

    def backoff(self, attempt: int) -> float:
        """Delay before attempt `attempt + 1`, after `attempt` failed attempts."""
        delay = self.base_delay_seconds * self.backoff_factor ** max(0, attempt - 1)
        delay = min(delay, self.max_delay_seconds)
        return delay * (1 + random.uniform(-self.jitter, self.jitter))  # noqa: S311


# ---------------------------------------------------------------- signing


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`."""
    to_sign = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_secret_bytes(secret), to_sign, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(endpoint: WebhookEndpoint, msg_id: str, timestamp: int, body: bytes) -> str:
    """Space-separated signatures: the current secret, plus the previous one during rotation."""
    sigs = [sign(endpoint.secret, msg_id, timestamp, body)]
    if endpoint.previous_secret and (
        endpoint.previous_secret_expires_at is None
        or endpoint.previous_secret_expires_at > utcnow()
    ):
        sigs.append(sign(endpoint.previous_secret, msg_id, timestamp, body))
    return " ".join(sigs)


def verify(
    secrets_: list[str], headers: dict[str, str], body: bytes, *, tolerance: int = 300
) -> bool:
    """Verify a Standard Webhooks request (used for signed inbound requests)."""
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id, stamp, sig = (
        lower.get("webhook-id"),
        lower.get("webhook-timestamp"),
        lower.get("webhook-signature"),
    )
    if not (msg_id and stamp and sig):
        return False
    try:
        timestamp = int(stamp)
    except ValueError:
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    offered = [part.split(",", 1)[1] for part in sig.split() if part.startswith("v1,")]
    for secret in secrets_:
        expected = sign(secret, msg_id, timestamp, body).split(",", 1)[1]
        if any(hmac.compare_digest(expected, candidate) for candidate in offered):
            return True
    return False


# ---------------------------------------------------------------- endpoints


def _check_events(events: list[str]) -> list[str]:
    clean = sorted({e.strip() for e in events if isinstance(e, str) and e.strip()})
    if not clean:
        raise Invalid("events must list at least one event type (or '*')")
    if len(clean) > MAX_EVENTS:
        raise Invalid(f"at most {MAX_EVENTS} event types per endpoint")
    for event in clean:
        if len(event) > 100 or not catalogue.valid_pattern(event):
            raise Invalid(
                f"unknown event type {event!r}: use a name of the event catalogue "
                "(docs/events.md), '<domain>.*' or '*'"
            )
    return sorted({catalogue.canonical(e) for e in clean})


def do_create_endpoint(
    session: Session,
    *,
    url: str,
    events: list[str],
    policy: HostPolicy,
    description: str = "",
    follow_redirects: bool = False,
) -> WebhookEndpoint:
    verdict = policy.check_url(url)
    if not verdict.allowed:
        raise Invalid(f"webhook URL refused: {verdict.reason}")
    endpoint = WebhookEndpoint(
        workspace_id=bound_workspace(session),
        url=url,
        events=_check_events(events),
        description=description,
        secret=new_secret(),
        follow_redirects=follow_redirects,
        enabled=True,
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def access_endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.execute(
        select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
    ).scalar_one_or_none()
    if endpoint is None:
        raise NotFound(f"no webhook endpoint {endpoint_id}")
    return endpoint


def list_endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.execute(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).scalars())


def do_rotate_secret(
    session: Session, endpoint_id: int, *, grace: timedelta = timedelta(hours=24)
) -> WebhookEndpoint:
    """New secret; the old one keeps signing alongside it for `grace`."""
    endpoint = access_endpoint(session, endpoint_id)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = utcnow() + grace
    endpoint.secret = new_secret()
    session.flush()
    return endpoint


def do_set_enabled(session: Session, endpoint_id: int, enabled: bool) -> WebhookEndpoint:
    endpoint = access_endpoint(session, endpoint_id)
    endpoint.enabled = enabled
    if enabled:
        endpoint.disabled_reason = None
        endpoint.consecutive_failures = 0
        endpoint.failing_since = None
    else:
        endpoint.disabled_reason = "disabled by a user"
    return endpoint


def do_delete_endpoint(session: Session, endpoint_id: int) -> None:
    session.delete(access_endpoint(session, endpoint_id))


def _subscribed(endpoint: WebhookEndpoint, event_type: str) -> bool:
    return any(catalogue.matches(pattern, event_type) for pattern in endpoint.events)


def listened(session: Session, event_type: str) -> bool:
    """Whether an enabled endpoint of the session's workspace subscribes to the event: the
    fan-out job's `wanted` predicate (no endpoint listening, no job). One indexed read of the
    enabled endpoints' subscriptions (`ix_webhook_endpoints_ws_enabled`)."""
    event_type = catalogue.canonical(event_type)
    return any(
        catalogue.matches(pattern, event_type)
        for events in session.execute(
            select(WebhookEndpoint.events).where(WebhookEndpoint.enabled.is_(True))
        ).scalars()
        for pattern in events or []
    )


def _redacted(value: Any) -> Any:
    """Every text in an event's data with its personal data replaced (the privacy policy)."""
    if isinstance(value, str):
        return redact_pii(value)[0] if value else value
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value


CONTACT_FIELDS = ("email", "phone", "name", "language")


def contact_fields(session: Session, person_id: int) -> dict[str, Any]:
    """The person's name, language, and first email and phone identity (None when unknown)."""
    from sada.people.models import Identity, Person

    person = session.get(Person, person_id)
    if person is None:
        return {}
    out: dict[str, Any] = {"email": None, "phone": None}
    for kind, value in session.execute(
        select(Identity.kind, Identity.value)
        .where(Identity.person_id == person_id, Identity.kind.in_(("email", "phone")))
        .order_by(Identity.id)
    ).all():
        if out.get(kind) is None:
            out[kind] = value
    out.update(name=person.name, language=person.language)
    return out


def with_contact_fields(session: Session, data: dict[str, Any], allowed: bool) -> dict[str, Any]:
    """The event's `person` (or its `person_id`) with the contact fields when the workspace
    allows them (`settings.automation.webhook_contact_fields`, off by default), without
    them otherwise."""
    person = data.get("person")
    person_id = person.get("id") if isinstance(person, dict) else data.get("person_id")
    if isinstance(person, dict):
        person = {k: v for k, v in person.items() if k not in CONTACT_FIELDS}
        data = {**data, "person": person}
    if allowed and isinstance(person_id, int):
        data = {
            **data,
            "person": {**(person or {"id": person_id}), **contact_fields(session, person_id)},
        }
    return data


def delivers_replies(session: Session, conversation_id: int, channel: str) -> bool:
    """The inbox asks whether an agent's reply reaches the customer: yes when an enabled
    endpoint (a channel connector) subscribes to `conversation.replied`."""
    return any(
        e.enabled and _subscribed(e, "conversation.replied") for e in list_endpoints(session)
    )


def emit_event(
    session: Session,
    event_type: str,
    data: dict[str, Any],
    *,
    endpoint_id: int | None = None,
    event_id: str | None = None,
    published_at: datetime | None = None,
) -> list[int]:
    """Record a delivery (and its job) for every enabled endpoint subscribed to the event.

    With `endpoint_id`, only that endpoint, subscribed or not (test pings). With
    `event_id`, the delivery ids are derived from it, so a replay records nothing twice;
    with `published_at`, endpoints created after the event do not receive it.
    """
    workspace_id = bound_workspace(session)
    event_type = catalogue.canonical(event_type)
    workspace = session.get(Workspace, workspace_id)
    automation = (workspace.settings or {}).get("automation") if workspace else None
    allowed = isinstance(automation, dict) and automation.get("webhook_contact_fields") is True
    data = with_contact_fields(session, data, allowed)
    if not sees_raw_pii(
        Surface.WEBHOOK, workspace_settings=workspace.settings if workspace else None
    ):
        data = _redacted(data)
    endpoints = session.execute(
        select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True))
    ).scalars()
    ids: list[int] = []
    now = utcnow()
    for endpoint in endpoints:
        if endpoint_id is not None:
            if endpoint.id != endpoint_id:
                continue
        elif not _subscribed(endpoint, event_type):
            continue
        if published_at is not None and endpoint.created_at > published_at:
            continue
        msg_id = f"msg_{event_id}_{endpoint.id}" if event_id else "msg_" + secrets.token_urlsafe(18)
        if (
            event_id
            and session.execute(
                select(WebhookDelivery.id).where(WebhookDelivery.msg_id == msg_id)
            ).first()
        ):
            continue
        delivery = WebhookDelivery(
            workspace_id=workspace_id,
            endpoint_id=endpoint.id,
            msg_id=msg_id,
            event_type=event_type,
            payload={"type": event_type, "timestamp": now.isoformat(), "data": data},
            status="pending",
            attempts=0,
            next_attempt_at=now,
        )
        session.add(delivery)
        session.flush()
        enqueue(
            session,
            DELIVER_JOB,
            {"delivery_id": delivery.id},
            workspace_id=workspace_id,
            dedupe_key=f"whd:{workspace_id}:{delivery.id}:0",
        )
        ids.append(delivery.id)
    return ids


# ---------------------------------------------------------------- delivery


@dataclass
class AttemptResult:
    outcome: str  # delivered | retry | failed | blocked | skipped
    status_code: int | None = None
    error: str | None = None
    next_attempt_at: datetime | None = None


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _classify(response: httpx.Response) -> str:
    code = response.status_code
    if 200 <= code < 300:
        return "delivered"
    if 300 <= code < 400 or code in (408, 425, 429) or code >= 500:
        return "retry"
    return "failed"


def attempt_delivery(
    db: Database,
    workspace_id: int,
    delivery_id: int,
    *,
    policy: HostPolicy,
    config: DeliveryConfig | None = None,
    now: datetime | None = None,
) -> AttemptResult:
    """Make one HTTP attempt for a pending delivery and record what happened."""
    config = config or DeliveryConfig()
    with db.reader(workspace_id) as session:
        delivery = session.execute(
            select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
        ).scalar_one_or_none()
        if delivery is None or delivery.status != "pending":
            return AttemptResult("skipped")
        endpoint = session.execute(
            select(WebhookEndpoint).where(WebhookEndpoint.id == delivery.endpoint_id)
        ).scalar_one()
        session.expunge_all()
    if not endpoint.enabled:
        with db.transaction(workspace_id) as session:
            row = session.get(WebhookDelivery, delivery_id)
            assert row is not None
            row.status = "cancelled"
            row.last_error = f"endpoint disabled: {endpoint.disabled_reason or ''}".strip()
        return AttemptResult("skipped", error="endpoint disabled")

    started = now or utcnow()
    timestamp = int(started.timestamp())
    body = json.dumps(
        delivery.payload, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode()
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": delivery.msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(endpoint, delivery.msg_id, timestamp, body),
    }
    result: AttemptResult
    excerpt: str | None = None
    retry_after: float | None = None
    clock = time.monotonic()
    try:
        with guarded_client(
            policy, timeout=config.timeout_seconds, follow_redirects=endpoint.follow_redirects
        ) as client:
            response = client.post(endpoint.url, content=body, headers=headers)
            excerpt = response.text[:500]
        outcome = _classify(response)
        error = None if outcome == "delivered" else f"HTTP {response.status_code}"
        if 300 <= response.status_code < 400 and error is not None:
            location = response.headers.get("location", "")
            error += f" redirect to {location[:200]} (not followed)" if location else ""
        if response.status_code == 429 or response.status_code >= 500:
            retry_after = parse_retry_after(response.headers.get("retry-after"), started)
        result = AttemptResult(outcome, response.status_code, error)
    except BlockedDestination as exc:
        result = AttemptResult("blocked", None, f"SSRF guard: {exc}")
    except httpx.TooManyRedirects as exc:
        result = AttemptResult("retry", None, f"too many redirects: {exc}")
    except httpx.TimeoutException as exc:
        result = AttemptResult("retry", None, f"timeout: {type(exc).__name__}")
    except httpx.TransportError as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, BlockedDestination):
            result = AttemptResult("blocked", None, f"SSRF guard: {cause}")
        else:
            result = AttemptResult("retry", None, f"{type(exc).__name__}: {exc}")
    duration_ms = int((time.monotonic() - clock) * 1000)
    _record(db, workspace_id, delivery_id, endpoint, result, config, started, retry_after)
    with db.transaction(workspace_id) as session:
        session.add(
            WebhookAttempt(
                workspace_id=workspace_id,
                delivery_id=delivery_id,
                attempted_at=started,
                url=endpoint.url,
                status_code=result.status_code,
                outcome=result.outcome,
                error=result.error,
                duration_ms=duration_ms,
                response_excerpt=excerpt,
            )
        )
    return result


def _record(
    db: Database,
    workspace_id: int,
    delivery_id: int,
    endpoint: WebhookEndpoint,
    result: AttemptResult,
    config: DeliveryConfig,
    now: datetime,
    retry_after: float | None,
) -> None:
    WEBHOOK_DELIVERIES.labels(outcome=result.outcome).inc()
    with db.transaction(workspace_id) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        ep = session.get(WebhookEndpoint, endpoint.id)
        if delivery is None or ep is None:
            return
        delivery.attempts += 1
        delivery.last_status_code = result.status_code
        delivery.last_error = result.error
        if result.outcome == "delivered":
            delivery.status = "delivered"
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            ep.consecutive_failures = 0
            ep.failing_since = None
            ep.last_success_at = now
            return
        ep.consecutive_failures += 1
        ep.failing_since = ep.failing_since or now
        if result.outcome == "retry" and delivery.attempts < config.max_attempts:
            delay = config.backoff(delivery.attempts)
            if retry_after is not None:
                delay = min(max(retry_after, 0.0), config.max_retry_after_seconds)
            delivery.next_attempt_at = now + timedelta(seconds=delay)
            result.next_attempt_at = delivery.next_attempt_at
            enqueue(
                session,
                DELIVER_JOB,
                {"delivery_id": delivery.id},
                workspace_id=workspace_id,
                run_at=delivery.next_attempt_at,
                dedupe_key=f"whd:{workspace_id}:{delivery.id}:{delivery.attempts}",
            )
        else:
            delivery.status = "blocked" if result.outcome == "blocked" else "failed"
            delivery.next_attempt_at = None
        if result.status_code == 410:
            ep.enabled = False
            ep.disabled_reason = "receiver answered 410 Gone"
        elif (
            ep.consecutive_failures >= config.disable_after_failures
            and now - ep.failing_since >= timedelta(hours=config.disable_after_hours)
        ):
            ep.enabled = False
            ep.disabled_reason = (
                f"disabled after {ep.consecutive_failures} failed attempts since "
                f"{ep.failing_since.isoformat()}"
            )


def do_retry_delivery(session: Session, delivery_id: int) -> WebhookDelivery:
    """Queue a finished delivery again (manual retry from the delivery log)."""
    delivery = session.execute(
        select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
    ).scalar_one_or_none()
    if delivery is None:
        raise NotFound(f"no delivery {delivery_id}")
    if delivery.status == "delivered":
        raise Invalid("this delivery already succeeded")
    delivery.status = "pending"
    delivery.next_attempt_at = utcnow()
    enqueue(
        session,
        DELIVER_JOB,
        {"delivery_id": delivery.id},
        workspace_id=bound_workspace(session),
        dedupe_key=f"whd:{delivery.workspace_id}:{delivery.id}:{delivery.attempts}:manual",
    )
    return delivery


def list_deliveries(
    session: Session, endpoint_id: int, *, limit: int = 50
) -> list[WebhookDelivery]:
    access_endpoint(session, endpoint_id)
    return list(
        session.execute(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        ).scalars()
    )


def attempts_of(session: Session, delivery_ids: list[int]) -> dict[int, list[WebhookAttempt]]:
    out: dict[int, list[WebhookAttempt]] = {i: [] for i in delivery_ids}
    if not delivery_ids:
        return out
    for row in session.execute(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(delivery_ids))
        .order_by(WebhookAttempt.id)
    ).scalars():
        out[row.delivery_id].append(row)
    return out
