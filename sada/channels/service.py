"""Channel accounts, inbound webhooks, outbound sends, and the hook other domains call.

Accounts: do_create_account / list_accounts / do_update_account / do_delete_account /
account_by_key (crosses workspaces: the webhook URL's key says which).
Inbound: handle_webhook(db, account, headers, body) -> verified, messages stored as
interactions (origin customer; a replayed message id is stored once), statuses set
`attributes.delivery_status` on the outbound interaction they are about; a reply starting
with a score answers the person's open survey invitation on that channel (answer_invitation);
a reply that is only an opt-out keyword (STOP, لغو, إلغاء, 退订...) withdraws the person's
consent on that channel for every purpose (`sada.people.consent.opt_out`), START gives it back.
Outbound: send_message(db, settings, workspace_id, account_id, to, text=..., template=...,
idempotency_key=...) sends through the SSRF guard and records an outbound interaction with
the provider's id, once per idempotency key (the `channel_sends` ledger, see `_send_once`).

The manifest hook (`message_channels` in `sada.domains`): `reachable(session, person_id)`
lists (channel, address) a person can be reached on by this workspace's accounts, and
`send_to_person(db, settings, workspace_id, person_id, channel, text, parameters)` sends
there (a WhatsApp template outside the 24-hour window).
"""

from __future__ import annotations

import logging
import re
import secrets as pysecrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.cases.models import Conversation, ConversationItem
from sada.channels.models import ChannelAccount, ChannelSend
from sada.channels.providers import (
    PREFERENCE,
    PROVIDERS,
    PermanentSendError,
    Provider,
    WhatsApp,
)
from sada.core.errors import Invalid, NotFound, SadaError, Unauthorized
from sada.core.ssrf import HostPolicy
from sada.db.dialect import insert_ignoring_conflicts
from sada.db.engine import Database
from sada.db.scoping import ALL_WORKSPACES, bound_workspace
from sada.db.types import utcnow
from sada.feedback.models import Invitation, Survey
from sada.feedback.service import definition_of, do_save_response, visible_questions
from sada.interactions.ingest import ingest_batch
from sada.interactions.models import Interaction
from sada.people import consent
from sada.people.models import Identity
from sada.settings import Settings

log = logging.getLogger(__name__)
CHANNELS = PREFERENCE  # the channels `send_to_person` serves (read by the manifest hook's users)
WINDOW = timedelta(hours=24)


# ---------------------------------------------------------------- accounts


def _strings(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid(f"{what} must be an object")
    return value


def _check(kind: str, config: dict[str, Any], secrets: dict[str, Any]) -> None:
    cls = PROVIDERS[kind]
    for name in cls.required_config:
        if not isinstance(config.get(name), str) or not config[name].strip():
            raise Invalid(f"config.{name} is required for a {kind} account")
    for name in cls.required_secrets:
        if not isinstance(secrets.get(name), str) or not secrets[name].strip():
            raise Invalid(f"secrets.{name} is required for a {kind} account")
    base = config.get("base_url")
    if base is not None and (
        not isinstance(base, str) or not base.startswith(("http://", "https://"))
    ):
        raise Invalid("config.base_url must be an http(s) URL")
    template = config.get("template")
    if template is not None and not (isinstance(template, dict) and template.get("name")):
        raise Invalid('config.template must be {"name": ..., "language": ...}')
    cls.check_config(config, secrets)


def do_create_account(
    session: Session, kind: str, *, name: str = "", config: Any = None, secrets: Any = None
) -> ChannelAccount:
    if kind not in PROVIDERS:
        raise Invalid(f"kind must be one of {', '.join(PROVIDERS)}")
    conf, secs = _strings(config, "config"), _strings(secrets, "secrets")
    _check(kind, conf, secs)
    account = ChannelAccount(
        workspace_id=bound_workspace(session),
        kind=kind,
        key=pysecrets.token_urlsafe(24),
        name=str(name or kind)[:200],
        config=conf,
        secrets=secs,
        created_at=utcnow(),
    )
    session.add(account)
    session.flush()
    return account


def list_accounts(session: Session) -> list[ChannelAccount]:
    return list(session.execute(select(ChannelAccount).order_by(ChannelAccount.id)).scalars())


def access_account(session: Session, account_id: int) -> ChannelAccount:
    account = session.execute(
        select(ChannelAccount).where(ChannelAccount.id == account_id)
    ).scalar_one_or_none()
    if account is None:
        raise NotFound("no such channel account")
    return account


def do_update_account(
    session: Session, account_id: int, *, name: Any = None, config: Any = None, secrets: Any = None
) -> ChannelAccount:
    account = access_account(session, account_id)
    conf = {**account.config, **_strings(config, "config")}
    secs = {**account.secrets, **_strings(secrets, "secrets")}
    _check(account.kind, conf, secs)
    account.config, account.secrets = conf, secs
    if name is not None:
        account.name = str(name)[:200]
    return account


def do_delete_account(session: Session, account_id: int) -> None:
    session.delete(access_account(session, account_id))


def account_by_key(session: Session, kind: str, key: str) -> ChannelAccount | None:
    if not key or len(key) > 64:
        return None
    return session.execute(
        select(ChannelAccount)
        .where(ChannelAccount.key == key, ChannelAccount.kind == kind)
        .execution_options(**{ALL_WORKSPACES: True})
    ).scalar_one_or_none()


def webhook_url(account: ChannelAccount, settings: Settings) -> str:
    """The public URL of the account's webhook, from the configured base URL (not from the
    request, so a proxy in front does not change what the provider signed)."""
    return f"{settings.base_url.rstrip('/')}/api/v1/channels/{account.kind}/{account.key}"


def provider_for(account: ChannelAccount, settings: Settings) -> Provider:
    policy = HostPolicy.from_setting(settings.webhook_allowed_hosts)
    provider = PROVIDERS[account.kind](account.config, account.secrets, policy)
    provider.webhook_url = webhook_url(account, settings)
    return provider


# ---------------------------------------------------------------- inbound


def handle_webhook(
    db: Database,
    settings: Settings,
    account: ChannelAccount,
    headers: Mapping[str, str],
    body: bytes,
    query: str = "",
) -> dict[str, Any]:
    """Verify, then store messages (once each) and apply delivery statuses.

    `query` is the request's query string: schemes that sign the URL sign it too."""
    provider = provider_for(account, settings)
    if query:
        provider.webhook_url += "?" + query
    if not provider.verify(headers, body):
        raise Unauthorized(f"missing or wrong {account.kind} webhook signature")
    messages, statuses = provider.parse(provider.decode(body))
    stored = duplicates = updated = opted = 0
    with db.transaction(account.workspace_id) as session:
        items = [
            {
                "source": account.kind,
                "external_id": m.external_id,
                "occurred_at": m.occurred_at.isoformat(),
                "channel": account.kind,
                "type": "message",
                "direction": "inbound",
                "origin": "customer",
                "text": m.text or f"[{account.kind} message]",
                "person": m.person,
                "conversation_id": f"{account.kind}:{account.id}:{m.address.lstrip('+')}",
                "attributes": {**m.attributes, "channel_account": account.id},
            }
            for m in messages
        ]
        results = ingest_batch(session, items) if items else []
        rejected: list[dict[str, Any]] = []
        for m, result in zip(messages, results, strict=True):
            if result.status == "rejected":  # reported, not refused: the provider would resend
                reason = "; ".join(f"{e.path}: {e.message}" for e in result.errors)
                rejected.append({"id": m.external_id, "reason": reason[:300]})
            stored += result.status == "stored"
            duplicates += result.status == "duplicate"
        for m, result in zip(messages, results, strict=True):
            if result.status != "stored" or result.person_id is None:
                continue
            keyword = consent.keyword_of(m.text)
            if keyword == "out":  # "STOP", "لغو", "إلغاء", "退订": no more messages here
                consent.opt_out(session, result.person_id, account.kind, f"{account.kind} reply")
                opted += 1
            elif keyword == "in":
                consent.opt_in(session, result.person_id, account.kind, f"{account.kind} reply")
            else:
                answer_invitation(session, result.person_id, account.kind, m.text)
        for s in statuses:
            row = session.execute(
                select(Interaction).where(
                    Interaction.source == account.kind, Interaction.external_id == s.external_id
                )
            ).scalar_one_or_none()
            if row is None:
                continue
            history = list((row.attributes or {}).get("delivery_history") or [])
            history.append({"status": s.status, "at": s.occurred_at.isoformat()})
            attributes = {**(row.attributes or {}), "delivery_status": s.status}
            attributes["delivery_history"] = history[-10:]
            if s.error:
                attributes["delivery_error"] = s.error
            row.attributes = attributes
            updated += 1
    out: dict[str, Any] = {"stored": stored, "duplicates": duplicates, "statuses": updated}
    if rejected:
        out["rejected"] = rejected
    if opted:
        out["opted_out"] = opted
    return out


# ---------------------------------------------------------------- survey answers in the chat

_SCORE = re.compile(r"^\s*(\d{1,2})(?!\d)")  # \d: Arabic-Indic and Persian digits too
_RATED = ("nps", "enps", "csat", "ces", "rating")


def answer_invitation(session: Session, person_id: int, channel: str, text: str) -> int | None:
    """A reply that starts with a score answers the person's open invitation on this channel.

    The newest invitation sent on `channel` and not yet answered, whose first question is
    rated: "9", "٩ great" or "5 - thanks" completes it with that score (and the rest of the
    text as the answer to the next text question display logic shows). Anything else stays
    a plain message.
    Returns the response id.
    """
    match = _SCORE.match(text or "")
    if match is None:
        return None
    invitation = session.execute(
        select(Invitation)
        .where(
            Invitation.person_id == person_id,
            Invitation.channel == channel,
            Invitation.status == "sent",
            Invitation.completed_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .order_by(Invitation.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if invitation is None:
        return None
    survey = session.get(Survey, invitation.survey_id)
    if survey is None:
        return None
    definition = definition_of(session, survey)
    questions = definition.questions
    first = questions[0] if questions else None
    if first is None or first.type not in _RATED:
        return None
    score = int(match.group(1))
    low, high = first.scale_min, first.scale_max
    if low is not None and high is not None and not low <= score <= high:
        return None
    answers: dict[str, object] = {first.key: score}
    rest = text[match.end() :].strip(" -–—:,.،\n\t")
    # the first text question display logic shows after this score (an NPS survey's "what
    # went wrong?" is hidden for a 9: the words then go to the next text question, if any)
    shown = visible_questions(definition, {first.key: score})
    comment = next((q for q in shown[1:] if q.type == "text"), None)
    if rest and comment is not None:
        answers[comment.key] = rest
    try:
        with session.begin_nested():
            response, _ = do_save_response(
                session, survey, answers, complete=True, invitation=invitation
            )
    except SadaError as exc:  # the answers do not fit the survey: keep it as a message
        log.info("reply to invitation %s not taken as an answer: %s", invitation.id, exc.code)
        return None
    return response.id


# ---------------------------------------------------------------- outbound


@dataclass(frozen=True)
class _Claim:
    status: str  # sending | sent | failed
    message_id: str | None
    error: str | None
    previous_start: datetime | None  # an earlier attempt started then (it may have sent)


def _claim(db: Database, workspace_id: int, key: str, channel: str, account_id: int) -> _Claim:
    """Claim `key` in the send ledger (or read what an earlier attempt left there)."""
    now = utcnow()
    with db.transaction(workspace_id) as session:
        session.execute(
            insert_ignoring_conflicts(
                session, ChannelSend.__table__, ["workspace_id", "idempotency_key"]
            ).values(
                workspace_id=workspace_id,
                idempotency_key=key[:200],
                channel=channel,
                account_id=account_id,
                status="sending",
                attempts=0,
                started_at=now,
            )
        )
        row = session.execute(
            select(ChannelSend).where(ChannelSend.idempotency_key == key[:200])
        ).scalar_one()
        if row.status != "sending":
            return _Claim(row.status, row.provider_message_id, row.error, None)
        previous = row.started_at if row.attempts else None
        row.attempts += 1
        row.started_at = now
        return _Claim("sending", None, None, previous)


def _send_once(
    db: Database,
    workspace_id: int,
    provider: Provider,
    account_id: int,
    key: str | None,
    to: str,
    text: str | None,
    template: Mapping[str, Any] | None,
    record: Callable[[Session, str], None],
) -> str:
    """Send through `provider` once per idempotency `key`; `record(session, message_id)`
    commits with the ledger's `sent`, so the message id and its trace land together.

    A retry finds `sent` and sends nothing. A retry after a crash between the send and that
    commit (the ledger still says `sending` from an earlier attempt) asks the provider first
    where it can (`find_sent`: SMS); elsewhere it sends again: at least once, never lost.
    A refusal is recorded `failed` and raised again to any later retry without sending.
    """
    if key is None:
        message_id = provider.send(to, text=text, template=template)
        with db.transaction(workspace_id) as session:
            record(session, message_id)
        return message_id
    claim = _claim(db, workspace_id, key, provider.kind, account_id)
    if claim.status == "sent" and claim.message_id:
        return claim.message_id
    if claim.status == "failed":
        raise PermanentSendError(claim.error or f"{provider.kind}: refused earlier")
    found = None
    if claim.previous_start is not None:
        shown = text or "\n".join(str(p) for p in (template or {}).get("parameters", []))
        found = provider.find_sent(to, shown, claim.previous_start)
    try:
        message_id = found or provider.send(to, text=text, template=template)
    except PermanentSendError as exc:
        with db.transaction(workspace_id) as session:
            row = session.execute(
                select(ChannelSend).where(ChannelSend.idempotency_key == key[:200])
            ).scalar_one()
            row.status, row.error = "failed", str(exc)[:500]
        raise
    with db.transaction(workspace_id) as session:
        record(session, message_id)
        row = session.execute(
            select(ChannelSend).where(ChannelSend.idempotency_key == key[:200])
        ).scalar_one()
        row.status, row.provider_message_id, row.sent_at = "sent", message_id[:200], utcnow()
    return message_id


def send_message(
    db: Database,
    settings: Settings,
    workspace_id: int,
    account_id: int,
    to: str,
    *,
    text: str | None = None,
    template: Mapping[str, Any] | None = None,
    origin: str = "agent",
    attributes: Mapping[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> str:
    """Send now (raises PermanentSendError / RetryableSendError); record the interaction.

    With `idempotency_key`, once per key (see `_send_once`): a retried job returns the
    provider's message id of the first send."""
    with db.reader(workspace_id) as session:
        account = access_account(session, account_id)
        provider = provider_for(account, settings)
        kind = account.kind
    shown = text or " ".join(str(p) for p in (template or {}).get("parameters", []))

    def record(session: Session, message_id: str) -> None:
        ingest_batch(
            session,
            [
                {
                    "source": kind,
                    "external_id": message_id,
                    "occurred_at": utcnow().isoformat(),
                    "channel": kind,
                    "type": "message",
                    "direction": "outbound",
                    "origin": origin,
                    "text": shown or f"[{kind} template]",
                    "person": PROVIDERS[kind].person_ref(to),
                    "conversation_id": f"{kind}:{account_id}:{to.lstrip('+')}",
                    "attributes": {
                        **(attributes or {}),
                        "channel_account": account_id,
                        "delivery_status": "accepted",
                        **({"template": str(template["name"])} if template else {}),
                        **({"idempotency_key": idempotency_key} if idempotency_key else {}),
                    },
                }
            ],
        )

    return _send_once(
        db, workspace_id, provider, account_id, idempotency_key, to, text, template, record
    )


# ---------------------------------------------------------------- the manifest hook


def _accounts_by_kind(session: Session) -> dict[str, ChannelAccount]:
    out: dict[str, ChannelAccount] = {}
    for account in list_accounts(session):
        out.setdefault(account.kind, account)
    return out


def reachable(session: Session, person_id: int) -> list[tuple[str, str]]:
    """(channel, address) this person can be reached on, in order of preference."""
    accounts = _accounts_by_kind(session)
    if not accounts:
        return []
    idents = session.execute(
        select(Identity.kind, Identity.namespace, Identity.value).where(
            Identity.person_id == person_id
        )
    ).all()
    out: list[tuple[str, str]] = []
    for kind in PREFERENCE:
        if kind not in accounts:
            continue
        for ident_kind, namespace, value in idents:
            address = PROVIDERS[kind].address_of(ident_kind, namespace, value)
            if address is not None:
                out.append((kind, address))
                break
    return out


def _within_window(session: Session, person_id: int, channel: str) -> bool:
    found = session.execute(
        select(Interaction.id)
        .where(
            Interaction.person_id == person_id,
            Interaction.channel == channel,
            Interaction.direction == "inbound",
            Interaction.occurred_at >= utcnow() - WINDOW,
        )
        .limit(1)
    ).first()
    return found is not None


def send_to_person(
    db: Database,
    settings: Settings,
    workspace_id: int,
    person_id: int,
    channel: str,
    text: str,
    parameters: list[str],
    *,
    idempotency_key: str | None = None,
    attributes: Mapping[str, Any] | None = None,
    template: Mapping[str, Any] | None = None,
) -> str:
    """Send `text` on `channel`; outside WhatsApp's 24-hour window, `template` ({"name",
    "language"}) or else the account's, with `parameters`. Returns the provider's message
    id; once per `idempotency_key`."""
    chosen_template = template
    with db.reader(workspace_id) as session:
        account = _accounts_by_kind(session).get(channel)
        address = dict(reachable(session, person_id)).get(channel)
        in_window = _within_window(session, person_id, channel)
    if account is None or address is None:
        raise PermanentSendError(f"the person cannot be reached on {channel}")
    sent_template: dict[str, Any] | None = None
    if account.kind == WhatsApp.kind and not in_window:
        configured = chosen_template or account.config.get("template")
        if not isinstance(configured, Mapping):
            raise PermanentSendError(
                "outside WhatsApp's 24-hour window and no template is configured"
            )
        sent_template = {**configured, "parameters": parameters}
    return send_message(
        db,
        settings,
        workspace_id,
        account.id,
        address,
        text=None if sent_template else text,
        template=sent_template,
        origin="system",
        attributes=attributes,
        idempotency_key=idempotency_key,
    )


# ---------------------------------------------------------------- agents' replies from the inbox


def delivers_replies(session: Session, conversation_id: int, channel: str) -> bool:
    """The inbox asks whether an agent's reply reaches the customer: yes on WhatsApp, SMS or
    Telegram when the workspace has an account there and the person has that address."""
    if channel not in PREFERENCE:
        return False
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.person_id is None:
        return False
    return channel in dict(reachable(session, conversation.person_id))


def deliver_reply(
    db: Database, settings: Settings, workspace_id: int, conversation_id: int, interaction_id: int
) -> str | None:
    """Send an agent's reply (already stored by the inbox) on the conversation's channel and
    mark it sent; once per reply (the provider's message id is kept on the interaction).
    Outside WhatsApp's 24-hour window the account's template carries the text."""
    with db.reader(workspace_id) as session:
        conversation = session.get(Conversation, conversation_id)
        reply = session.get(Interaction, interaction_id)
        if conversation is None or reply is None or conversation.person_id is None:
            return None
        if (reply.attributes or {}).get("provider_message_id"):
            return None  # sent already (a retried job)
        channel = conversation.channel
        account = _accounts_by_kind(session).get(channel)
        address = dict(reachable(session, conversation.person_id)).get(channel)
        in_window = _within_window(session, conversation.person_id, channel)
        text = reply.text or ""
    if account is None or address is None:
        raise PermanentSendError(f"the person cannot be reached on {channel}")
    template: dict[str, Any] | None = None
    if account.kind == WhatsApp.kind and not in_window:
        configured = account.config.get("template")
        if not isinstance(configured, dict):
            raise PermanentSendError(
                "outside WhatsApp's 24-hour window and no template is configured"
            )
        template = {**configured, "parameters": [text]}
    provider = provider_for(account, settings)

    def record(session: Session, message_id: str) -> None:
        reply = session.get(Interaction, interaction_id)
        if reply is not None:
            reply.attributes = {
                **(reply.attributes or {}),
                "provider_message_id": message_id,
                "delivery_status": "sent",
            }
        for item in session.execute(
            select(ConversationItem).where(ConversationItem.interaction_id == interaction_id)
        ).scalars():
            item.delivery_status = "sent"

    return _send_once(
        db,
        workspace_id,
        provider,
        account.id,
        f"reply:{interaction_id}",
        address,
        None if template else text,
        template,
        record,
    )
