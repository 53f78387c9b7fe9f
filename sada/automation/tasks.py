"""Job handlers of automation and the inbox (registered through the domain manifest, sada/domains.py)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sada.automation import engine, notify, webhooks
from sada.automation import rules as R
from sada.core.ssrf import HostPolicy
from sada.db.engine import Database
from sada.events import META_KEYS
from sada.jobs.registry import Priority, handler

log = logging.getLogger(__name__)


def _settings() -> Any:
    from sada.settings import get_settings

    return get_settings()


def webhook_policy() -> HostPolicy:
    return HostPolicy.from_setting(_settings().webhook_allowed_hosts)


@handler("automation.ingested", on=("interaction.ingested",), priority=Priority.FOLLOW_UP)
def on_ingested(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Thread new interactions into conversations, then run interaction rules."""
    from sada.automation.defaults import ensure_default_rules
    from sada.cases.threads import attach_interactions

    assert workspace_id is not None
    ids = [int(i) for i in payload.get("interaction_ids", [])]
    with db.transaction(workspace_id) as session:
        ensure_default_rules(session)
        attach_interactions(session, ids)
        engine.ensure_tick(session)
    engine.on_interactions(db, workspace_id, ids, "interaction.ingested")


def _rules_follow(trigger: str) -> Any:
    """A `wanted` predicate: a job only when an enabled rule has `trigger`."""

    def wanted(session: Session, event: str, live: bool) -> bool:
        return R.has_rules(session, trigger)

    return wanted


@handler(
    "automation.response_received",
    on=("response.received",),
    priority=Priority.FOLLOW_UP,
    wanted=_rules_follow("response.received"),
)
def on_response(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    assert workspace_id is not None
    ids = [int(i) for i in payload.get("interaction_ids", [])]
    engine.on_interactions(db, workspace_id, ids, "response.received")


@handler(
    "automation.text_analyzed",
    on=("text.analyzed",),
    priority=Priority.FOLLOW_UP,
    wanted=_rules_follow("sentiment.computed"),
)
def on_text_analyzed(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Sentiment rules follow text analysis directly (no timer)."""
    assert workspace_id is not None
    ids = [int(i) for i in payload.get("interaction_ids", [])]
    engine.on_interactions(db, workspace_id, ids, "sentiment.computed")


# Which rule trigger follows each event about interactions.
INTERACTION_TRIGGERS = {
    "interaction.ingested": "interaction.ingested",
    "response.received": "response.received",
    "text.analyzed": "sentiment.computed",
}


@handler(
    "automation.history_rules",
    on=tuple(INTERACTION_TRIGGERS),
    history=True,
    live=False,
    priority=Priority.BULK,
    wanted=lambda session, event, live: R.has_rules(
        session, INTERACTION_TRIGGERS[event], history=True
    ),
)
def on_history(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """History reaches only the rules that opted in (include_history); it opens no
    conversation. Live events are the other handlers' (they enqueue no job of this kind;
    one queued before that returns at once)."""
    assert workspace_id is not None
    if payload.get("live", True):
        return
    trigger = INTERACTION_TRIGGERS[str(payload["event"])]
    with db.reader(workspace_id) as session:
        if not R.rules_for(session, trigger, history=True):
            return
    ids = [int(i) for i in payload.get("interaction_ids", [])]
    engine.on_interactions(db, workspace_id, ids, trigger)


def rule_triggers_of(event: str) -> tuple[str, ...]:
    """The rule triggers a case, conversation, SLA, health or segment event reaches (none for
    an agent's reply, which is not a change of the conversation)."""
    kind = event.split(".")[0]
    if event == "conversation.replied":
        return ()
    if kind == "case":
        return ("case.changed", event)
    if kind == "conversation":
        return ("conversation.changed", event)
    return (event,)


@handler(
    "automation.evaluate",
    on=("case.*", "conversation.*", "sla.*", "health.*", "segment.*"),
    priority=Priority.FOLLOW_UP,
    wanted=lambda session, event, live: R.has_rules(session, *rule_triggers_of(event)),
)
def on_event(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Case, conversation, SLA and person-health rules; an agent's reply is not a change of
    the conversation.

    A rule matches the generic trigger (`case.changed`, `conversation.changed`) or the event's
    own name (`conversation.solved`, `sla.breached`).
    """
    assert workspace_id is not None
    event = str(payload.get("event", ""))
    if event == "conversation.replied":
        return
    kind = event.split(".")[0]
    if kind in ("health", "segment"):
        keys = ("band", "previous_band", "score", "risk", "model", "segment", "segment_id")
        engine.on_person_event(
            db,
            workspace_id,
            event=event,
            person_id=int(payload["person_id"]),
            data={k: payload[k] for k in keys if k in payload},
            depth=int(payload.get("depth", 0)),
            chain=[int(i) for i in payload.get("chain", [])],
        )
        return
    if kind == "sla":
        case_id, conversation_id = payload.get("case_id"), payload.get("conversation_id")
        trigger = event
    elif kind == "case":
        case_id, conversation_id, trigger = payload.get("id"), None, "case.changed"
    else:
        case_id, conversation_id, trigger = None, payload.get("id"), "conversation.changed"
    engine.on_case_event(
        db,
        workspace_id,
        trigger=trigger,
        event=event,
        case_id=case_id,
        conversation_id=conversation_id,
        depth=int(payload.get("depth", 0)),
        chain=[int(i) for i in payload.get("chain", [])],
    )


@handler(
    "automation.listening_spike",
    on=("listening.spike",),
    wanted=_rules_follow("listening.spike"),
)
def on_listening_spike(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Rules with the `listening.spike` trigger (notify the brand's owners, open a case)."""
    assert workspace_id is not None
    data = {k: v for k, v in payload.items() if k not in META_KEYS}
    engine.on_topic_event(
        db,
        workspace_id,
        trigger="listening.spike",
        key=f"listening.spike:{data.get('spike_id')}",
        topic=data,
        depth=int(payload.get("depth", 0)),
        chain=[int(i) for i in payload.get("chain", [])],
    )


@handler(
    "webhooks.fanout",
    on=("*",),
    wanted=lambda session, event, live: webhooks.listened(session, event),
)
def on_any_event(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Outbound webhooks subscribe to every live event of the catalogue; a job is recorded
    only when an enabled endpoint listens to the event (`webhooks.listened`)."""
    assert workspace_id is not None
    data = {k: v for k, v in payload.items() if k not in META_KEYS}
    published = payload.get("published_at")
    with db.transaction(workspace_id) as session:
        webhooks.emit_event(
            session,
            str(payload["event"]),
            data,
            event_id=str(payload.get("event_id") or ""),
            published_at=datetime.fromisoformat(published) if published else None,
        )


@handler(engine.TICK_JOB, priority=Priority.FOLLOW_UP)
def on_tick(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Every minute per workspace: schedules, SLA checks, IMAP polling (windows never overlap)."""
    assert workspace_id is not None
    since = datetime.fromisoformat(payload["since"])
    if engine.tick(db, workspace_id, since) is None:
        return  # a late duplicate: the previous tick already covered this window
    from sqlalchemy import select

    from sada.cases.inbound import poll_imap
    from sada.cases.models import Mailbox

    with db.reader(workspace_id) as session:
        boxes = list(
            session.execute(select(Mailbox.id).where(Mailbox.imap_host.is_not(None))).scalars()
        )
    for box in boxes:
        try:
            poll_imap(db, workspace_id, box)
        except Exception as exc:  # noqa: BLE001 - recorded on the mailbox; others still run
            log.warning("IMAP polling of mailbox %s failed: %s", box, exc)


@handler(webhooks.DELIVER_JOB)
def on_deliver(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    assert workspace_id is not None
    webhooks.attempt_delivery(
        db,
        workspace_id,
        int(payload["delivery_id"]),
        policy=webhook_policy(),
        config=webhooks.DeliveryConfig.from_settings(_settings()),
    )


@handler(notify.EMAIL_JOB, priority=Priority.FOLLOW_UP)
def on_email(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    notify.send_mail(_settings(), payload["to"], payload["subject"], payload["body"])


@handler("inbox.send_reply", priority=Priority.INTERACTIVE)
def on_send_reply(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    from sada.cases.replies import send_reply

    assert workspace_id is not None
    with db.transaction(workspace_id) as session:
        send_reply(session, int(payload["item_id"]), _settings())


@handler("inbox.wake_snoozed")
def on_wake_snoozed(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """A snoozed conversation's time came: back to the open queue."""
    from sada.cases.conversations import wake_snoozed

    assert workspace_id is not None
    with db.transaction(workspace_id) as session:
        wake_snoozed(session, int(payload["conversation_id"]), str(payload["until"]))


@handler("inbox.mention", on=("note.mentioned",))
def on_mention(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Colleagues mentioned in a note: an in-app notification each, and an email when
    `SADA_MENTION_EMAILS` is on (idempotent: one notification per note and colleague)."""
    from sqlalchemy import select

    from sada.automation.models import Notification
    from sada.cases.models import InternalNote
    from sada.tenants.models import User

    assert workspace_id is not None
    note_id = int(payload["note_id"])
    conversation_id, case_id = payload.get("conversation_id"), payload.get("case_id")
    page = f"/inbox/{conversation_id}" if conversation_id else f"/cases/{case_id}"
    link = f"{page}#note-{note_id}"
    author = str(payload.get("author_label") or "")
    with db.transaction(workspace_id) as session:
        note = session.get(InternalNote, note_id)
        if note is None:
            return
        done = set(
            session.execute(select(Notification.user_id).where(Notification.link == link)).scalars()
        )
        wanted = [int(u) for u in payload.get("user_ids", []) if int(u) not in done]
        if not wanted:
            return
        notify.notify_in_app(session, wanted, f"@{author}", note.body[:1000], link=link)
        if _settings().mention_emails:
            emails = session.execute(select(User.email).where(User.id.in_(wanted))).scalars()
            notify.queue_email(
                session,
                list(emails),
                f"{author} mentioned you in a note",
                f"{note.body[:2000]}\n\n{_settings().base_url.rstrip('/')}{link}",
                dedupe_key=f"mention:{note_id}",
            )


@handler("automation.notify_customer", priority=Priority.FOLLOW_UP)
def notify_customer(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Send one customer notification a rule queued (or deferred past quiet hours)."""
    from sada.automation.customer import deliver

    if workspace_id is None or payload.get("notification_id") is None:
        return
    deliver(db, _settings(), workspace_id, int(payload["notification_id"]))
