"""One provider protocol for messaging channels, and its WhatsApp, Telegram and SMS adapters.

A provider sends a text or a template (`send` -> the provider's message id), verifies an
inbound webhook by the provider's documented scheme (`verify`), decodes the webhook body
(`decode`: JSON, or a form for SMS) and reads it into messages and delivery statuses
(`parse`). What is specific to a provider stays in its class: how a person's identity maps
to an address (`address_of`, `person_ref`), what the webhook answers (`ack`), which config
it needs (`required_config`, `check_config`). Failures say whether retrying can help, as
connectors do: `PermanentSendError` (the request itself is wrong: bad token, bad number,
outside the 24-hour window) or `RetryableSendError` (network, 5xx, rate limit).

Outbound HTTP goes through the SSRF guard (`sada.core.ssrf.guarded_client`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl

import httpx

from sada.core.errors import Invalid, SadaError
from sada.core.ssrf import BlockedDestination, HostPolicy, guarded_client


class SendError(SadaError):
    """A send failed; `retryable` says whether a retry can help."""

    retryable = False


class PermanentSendError(SendError, Invalid):
    """The provider refused the request itself (4xx): retrying changes nothing."""


class RetryableSendError(SendError):
    """The provider or the network failed (timeout, 5xx, 429): try again later."""

    status_code = 503
    code = "retryable"
    retryable = True


@dataclass
class InboundMessage:
    """A message a person sent us, as the channel reports it."""

    external_id: str
    address: str  # where to answer: WhatsApp number (digits), Telegram chat id
    text: str
    occurred_at: datetime
    person: dict[str, Any]  # a PersonRef for the interactions ingest
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class DeliveryStatus:
    """What the channel reports about a message we sent (sent, delivered, read, failed)."""

    external_id: str
    status: str
    occurred_at: datetime
    error: str | None = None


def _stamp(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return datetime.now(UTC)


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class Provider(ABC):
    """A configured account of one channel kind."""

    kind: str = ""
    #: config keys and secret keys an account of this kind must have
    required_config: tuple[str, ...] = ()
    required_secrets: tuple[str, ...] = ()
    #: what the webhook answers the provider: (media type, body); None: the JSON summary
    ack: tuple[str, str] | None = None

    def __init__(
        self,
        config: Mapping[str, Any],
        secrets: Mapping[str, Any],
        policy: HostPolicy,
        *,
        timeout: float = 10.0,
    ) -> None:
        self.config = dict(config)
        self.secrets = dict(secrets)
        self.policy = policy
        self.timeout = timeout
        #: the public URL of this account's webhook (from settings.base_url), for schemes
        #: that sign the URL; the service sets it
        self.webhook_url = ""

    @classmethod
    def check_config(cls, config: Mapping[str, Any], secrets: Mapping[str, Any]) -> None:
        """Raise Invalid when the account's config is unusable beyond the required keys."""
        del config, secrets  # most providers need nothing more

    @classmethod
    @abstractmethod
    def address_of(cls, kind: str, namespace: str | None, value: str) -> str | None:
        """The address to send to, from one of the person's identities (None: not this one)."""

    @classmethod
    @abstractmethod
    def person_ref(cls, address: str) -> dict[str, Any]:
        """A PersonRef for the interactions ingest, from an address we send to."""

    def decode(self, body: bytes) -> Any:
        """The webhook body as `parse` takes it (JSON by default)."""
        try:
            return json.loads(body)
        except ValueError:
            raise Invalid(f"not a {self.kind} webhook: the body is not JSON") from None

    @abstractmethod
    def send(
        self, to: str, *, text: str | None = None, template: Mapping[str, Any] | None = None
    ) -> str:
        """Send a text or a template message; return the provider's message id."""

    def find_sent(self, to: str, text: str | None, since: datetime) -> str | None:
        """The id of a message already sent to `to` with this text since `since`, when the
        provider lets us look (a retry after a crash between the send and its commit asks
        first). None: not found, or the provider has no such lookup (WhatsApp Cloud API and
        the Telegram Bot API have none: their retries are at least once)."""
        del to, text, since
        return None

    @abstractmethod
    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        """True when the webhook request carries the provider's valid signature."""

    @abstractmethod
    def parse(self, body: Any) -> tuple[list[InboundMessage], list[DeliveryStatus]]:
        """Messages and delivery statuses from a webhook body (already JSON-decoded)."""

    def _post(
        self,
        url: str,
        payload: dict[str, Any],
        headers: dict[str, str],
        *,
        form: bool = False,
        auth: tuple[str, str] | None = None,
    ) -> Any:
        """POST JSON (or a form); classify every failure as permanent or retryable."""
        basic = httpx.BasicAuth(*auth) if auth else httpx.USE_CLIENT_DEFAULT
        try:
            with guarded_client(self.policy, timeout=self.timeout, follow_redirects=False) as c:
                if form:
                    response = c.post(url, data=payload, headers=headers, auth=basic)
                else:
                    response = c.post(url, json=payload, headers=headers, auth=basic)
        except BlockedDestination as exc:
            raise PermanentSendError(f"{self.kind}: destination refused: {exc}") from None
        except httpx.HTTPError as exc:
            raise RetryableSendError(f"{self.kind}: {type(exc).__name__}") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryableSendError(f"{self.kind}: provider answered {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 400:
            raise PermanentSendError(
                f"{self.kind}: provider refused ({response.status_code}): {_reason(data)}"
            )
        return data


_BOT_TOKEN = re.compile(r"/bot[^/\s]+/")


class _NoBotTokens(logging.Filter):
    """httpx logs every request's URL at INFO; a Telegram URL carries the bot token, so it
    is masked before any handler sees it (secrets are never logged)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = _BOT_TOKEN.sub("/bot***/", str(record.msg))
        return True


def _mask_tokens_in_http_logs() -> None:
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _NoBotTokens) for f in logger.filters):
        logger.addFilter(_NoBotTokens())


def _reason(data: Any) -> str:
    error = _d(_d(data).get("error"))
    text = (
        error.get("message")
        or _d(data).get("description")
        or _d(data).get("message")  # Twilio: {"code", "message", "more_info", "status"}
        or "no reason given"
    )
    return str(text)[:300]


class WhatsApp(Provider):
    """WhatsApp Business Cloud API (Meta Graph API).

    config: phone_number_id, base_url (default https://graph.facebook.com), api_version,
    template {"name", "language"} for messages outside the 24-hour window.
    secrets: access_token (bearer), app_secret (X-Hub-Signature-256), verify_token (hub.challenge).
    """

    kind = "whatsapp"
    required_config = ("phone_number_id",)
    required_secrets = ("access_token", "app_secret", "verify_token")

    @classmethod
    def address_of(cls, kind: str, namespace: str | None, value: str) -> str | None:
        return value.lstrip("+") if kind == "phone" else None

    @classmethod
    def person_ref(cls, address: str) -> dict[str, Any]:
        return {"phone": "+" + address.lstrip("+")}

    def _url(self) -> str:
        base = str(self.config.get("base_url") or "https://graph.facebook.com").rstrip("/")
        version = str(self.config.get("api_version") or "v21.0")
        return f"{base}/{version}/{self.config['phone_number_id']}/messages"

    def send(
        self, to: str, *, text: str | None = None, template: Mapping[str, Any] | None = None
    ) -> str:
        payload: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to.lstrip("+"),
        }
        if template is not None:
            params = [{"type": "text", "text": str(p)} for p in template.get("parameters", [])]
            payload["type"] = "template"
            payload["template"] = {
                "name": str(template["name"]),
                "language": {"code": str(template.get("language") or "en")},
                "components": [{"type": "body", "parameters": params}] if params else [],
            }
        elif text:
            payload["type"] = "text"
            payload["text"] = {"preview_url": True, "body": text[:4096]}
        else:
            raise PermanentSendError("whatsapp: nothing to send (no text, no template)")
        data = self._post(
            self._url(),
            payload,
            {"Authorization": f"Bearer {self.secrets['access_token']}"},
        )
        messages = _l(_d(data).get("messages"))
        if not messages or not _d(messages[0]).get("id"):
            raise RetryableSendError("whatsapp: the answer carries no message id")
        return str(messages[0]["id"])

    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        signature = headers.get("x-hub-signature-256", "")
        secret = str(self.secrets.get("app_secret") or "")
        if not secret or not signature.startswith("sha256="):
            return False
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(signature[len("sha256=") :], expected)

    def challenge(self, params: Mapping[str, str]) -> str | None:
        """Meta's subscription check: the hub.challenge when the verify token matches."""
        token = str(self.secrets.get("verify_token") or "")
        given = params.get("hub.verify_token", "")
        if params.get("hub.mode") != "subscribe" or not token:
            return None
        if not hmac.compare_digest(given.encode(), token.encode()):
            return None
        return params.get("hub.challenge", "")

    def parse(self, body: Any) -> tuple[list[InboundMessage], list[DeliveryStatus]]:
        if not isinstance(body, dict) or body.get("object") != "whatsapp_business_account":
            raise Invalid('not a WhatsApp webhook: expected "object": "whatsapp_business_account"')
        messages: list[InboundMessage] = []
        statuses: list[DeliveryStatus] = []
        for entry in _l(body.get("entry")):
            for change in _l(_d(entry).get("changes")):
                value = _d(_d(change).get("value"))
                names = {
                    str(_d(c).get("wa_id")): _d(_d(c).get("profile")).get("name")
                    for c in _l(value.get("contacts"))
                }
                for m in map(_d, _l(value.get("messages"))):
                    if not m.get("id") or not m.get("from"):
                        continue
                    text = _message_text(m)
                    person: dict[str, Any] = {"phone": "+" + str(m["from"]).lstrip("+")}
                    if names.get(str(m["from"])):
                        person["name"] = str(names[str(m["from"])])[:300]
                    messages.append(
                        InboundMessage(
                            external_id=str(m["id"]),
                            address=str(m["from"]),
                            text=text,
                            occurred_at=_stamp(m.get("timestamp")),
                            person=person,
                            attributes={"message_type": m.get("type")},
                        )
                    )
                for s in map(_d, _l(value.get("statuses"))):
                    if not s.get("id") or not s.get("status"):
                        continue
                    errors = [_d(e) for e in _l(s.get("errors"))]
                    statuses.append(
                        DeliveryStatus(
                            external_id=str(s["id"]),
                            status=str(s["status"])[:32],
                            occurred_at=_stamp(s.get("timestamp")),
                            error=(
                                str(errors[0].get("title") or errors[0].get("code"))[:300]
                                if errors
                                else None
                            ),
                        )
                    )
        return messages, statuses


def _message_text(m: dict[str, Any]) -> str:
    kind = m.get("type")
    if kind == "text":
        return str(_d(m.get("text")).get("body") or "")
    if kind == "button":
        return str(_d(m.get("button")).get("text") or "")
    if kind == "interactive":
        inner = _d(m.get("interactive"))
        reply = _d(inner.get("button_reply")) or _d(inner.get("list_reply"))
        return str(reply.get("title") or "")
    caption = _d(m.get(str(kind))).get("caption") if kind else None
    return str(caption or f"[{kind}]")


class Telegram(Provider):
    """Telegram Bot API.

    config: base_url (default https://api.telegram.org).
    secrets: bot_token, secret_token (the webhook's X-Telegram-Bot-Api-Secret-Token).
    """

    kind = "telegram"
    required_secrets = ("bot_token", "secret_token")

    @classmethod
    def address_of(cls, kind: str, namespace: str | None, value: str) -> str | None:
        return value if kind == "external_id" and namespace == "telegram" else None

    @classmethod
    def person_ref(cls, address: str) -> dict[str, Any]:
        return {"external_ids": {"telegram": address}}

    def send(
        self, to: str, *, text: str | None = None, template: Mapping[str, Any] | None = None
    ) -> str:
        if template is not None:  # Telegram has no templates: the parameters become the text
            text = "\n".join(str(p) for p in template.get("parameters", [])) or text
        if not text:
            raise PermanentSendError("telegram: nothing to send")
        base = str(self.config.get("base_url") or "https://api.telegram.org").rstrip("/")
        _mask_tokens_in_http_logs()
        data = self._post(
            f"{base}/bot{self.secrets['bot_token']}/sendMessage",
            {"chat_id": to, "text": text[:4096]},
            {},
        )
        result = _d(_d(data).get("result"))
        if not _d(data).get("ok") or result.get("message_id") is None:
            raise RetryableSendError("telegram: the answer carries no message id")
        return f"{to}:{result['message_id']}"

    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        token = str(self.secrets.get("secret_token") or "")
        given = headers.get("x-telegram-bot-api-secret-token", "")
        return bool(token) and hmac.compare_digest(given.encode(), token.encode())

    def parse(self, body: Any) -> tuple[list[InboundMessage], list[DeliveryStatus]]:
        if not isinstance(body, dict) or "update_id" not in body:
            raise Invalid('not a Telegram update: no "update_id"')
        m = _d(body.get("message"))
        chat = _d(m.get("chat"))
        if not m or chat.get("id") is None or m.get("message_id") is None:
            return [], []
        sender = _d(m.get("from"))
        name = " ".join(str(sender[k]) for k in ("first_name", "last_name") if sender.get(k))
        person: dict[str, Any] = {"external_ids": {"telegram": str(chat["id"])}}
        if name:
            person["name"] = name[:300]
        if sender.get("username"):
            person["handles"] = {"telegram": str(sender["username"])}
        text = m.get("text") or m.get("caption") or "[message]"
        return [
            InboundMessage(
                external_id=f"{chat['id']}:{m['message_id']}",
                address=str(chat["id"]),
                text=str(text),
                occurred_at=_stamp(m.get("date")),
                person=person,
                attributes={"update_id": body.get("update_id")},
            )
        ], []


class Sms(Provider):
    """SMS through a Twilio-style REST API (Twilio's Programmable Messaging documents it).

    config: account_sid, and `from` (an E.164 number) or messaging_service_sid; base_url
    (default https://api.twilio.com).
    secrets: auth_token (HTTP Basic password for sends; the key of X-Twilio-Signature).

    Send: POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded To, From
    or MessagingServiceSid, Body (and StatusCallback: this account's webhook, so delivery
    statuses come back); the answer's `sid` is the message id.
    Webhook: form-encoded; X-Twilio-Signature is base64(HMAC-SHA1(auth_token, URL + the POST
    parameters sorted by name, each name followed by its value)). The URL is the public one
    (settings.base_url), never the request's own, so a proxy in front does not break it.
    A form with MessageStatus is a status callback; one with Body is an incoming message.
    """

    kind = "sms"
    required_config = ("account_sid",)
    required_secrets = ("auth_token",)
    ack = ("application/xml", '<?xml version="1.0" encoding="UTF-8"?><Response></Response>')
    MAX_BODY = 1600  # Twilio refuses longer bodies

    @classmethod
    def check_config(cls, config: Mapping[str, Any], secrets: Mapping[str, Any]) -> None:
        sender, service = config.get("from"), config.get("messaging_service_sid")
        if not (isinstance(sender, str) and sender.strip()) and not (
            isinstance(service, str) and service.strip()
        ):
            raise Invalid("config.from or config.messaging_service_sid is required for sms")

    @classmethod
    def address_of(cls, kind: str, namespace: str | None, value: str) -> str | None:
        return "+" + value.lstrip("+") if kind == "phone" else None

    @classmethod
    def person_ref(cls, address: str) -> dict[str, Any]:
        return {"phone": "+" + address.lstrip("+")}

    def send(
        self, to: str, *, text: str | None = None, template: Mapping[str, Any] | None = None
    ) -> str:
        if template is not None:  # SMS has no templates: the parameters become the text
            text = "\n".join(str(p) for p in template.get("parameters", [])) or text
        if not text:
            raise PermanentSendError("sms: nothing to send")
        base = str(self.config.get("base_url") or "https://api.twilio.com").rstrip("/")
        sid = str(self.config["account_sid"])
        form: dict[str, Any] = {"To": "+" + to.lstrip("+"), "Body": text[: self.MAX_BODY]}
        if self.config.get("messaging_service_sid"):
            form["MessagingServiceSid"] = str(self.config["messaging_service_sid"])
        else:
            form["From"] = str(self.config["from"])
        if self.webhook_url:
            form["StatusCallback"] = self.webhook_url
        data = self._post(
            f"{base}/2010-04-01/Accounts/{sid}/Messages.json",
            form,
            {"Accept": "application/json"},
            form=True,
            auth=(sid, str(self.secrets["auth_token"])),
        )
        if not _d(data).get("sid"):
            raise RetryableSendError("sms: the answer carries no message sid")
        return str(data["sid"])

    def find_sent(self, to: str, text: str | None, since: datetime) -> str | None:
        """Twilio's Message list (GET .../Messages.json?To=&DateSent>=): a message to `to`
        with the same body, created since `since` (a minute of clock skew allowed). A failed
        lookup answers None: the caller then sends again (at least once)."""
        if not text:
            return None
        base = str(self.config.get("base_url") or "https://api.twilio.com").rstrip("/")
        sid = str(self.config["account_sid"])
        params = {
            "To": "+" + to.lstrip("+"),
            "DateSent>": since.astimezone(UTC).date().isoformat(),
            "PageSize": "50",
        }
        try:
            with guarded_client(self.policy, timeout=self.timeout, follow_redirects=False) as c:
                response = c.get(
                    f"{base}/2010-04-01/Accounts/{sid}/Messages.json",
                    params=params,
                    headers={"Accept": "application/json"},
                    auth=httpx.BasicAuth(sid, str(self.secrets["auth_token"])),
                )
            data = response.json() if response.status_code == 200 else None
        except (BlockedDestination, httpx.HTTPError, ValueError):
            return None
        body = text[: self.MAX_BODY]
        for m in _l(_d(data).get("messages")):
            m = _d(m)
            try:
                created = parsedate_to_datetime(str(m.get("date_created") or ""))
            except (TypeError, ValueError):
                continue
            if m.get("body") == body and m.get("sid") and created >= since - timedelta(minutes=1):
                return str(m["sid"])
        return None

    def signature(self, url: str, params: list[tuple[str, str]]) -> str:
        """Twilio's request signature of a form POST to `url`."""
        signed = url + "".join(name + value for name, value in sorted(params))
        token = str(self.secrets.get("auth_token") or "")
        digest = hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()
        return base64.b64encode(digest).decode()

    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        given = headers.get("x-twilio-signature", "")
        if not given or not self.secrets.get("auth_token") or not self.webhook_url:
            return False
        try:
            params = parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            return False
        expected = self.signature(self.webhook_url, params)
        return hmac.compare_digest(given.encode(), expected.encode())

    def decode(self, body: bytes) -> Any:
        try:
            return dict(parse_qsl(body.decode(), keep_blank_values=True))
        except UnicodeDecodeError:
            raise Invalid("not an sms webhook: the form is not UTF-8") from None

    def parse(self, body: Any) -> tuple[list[InboundMessage], list[DeliveryStatus]]:
        if not isinstance(body, dict) or not body.get("MessageSid"):
            raise Invalid("not an sms webhook: no MessageSid")
        sid = str(body["MessageSid"])[:200]
        now = datetime.now(UTC)
        if body.get("MessageStatus"):
            error = body.get("ErrorMessage") or body.get("ErrorCode")
            return [], [
                DeliveryStatus(
                    external_id=sid,
                    status=str(body["MessageStatus"])[:32],
                    occurred_at=now,
                    error=str(error)[:300] if error else None,
                )
            ]
        sender = str(body.get("From") or "")
        if not sender:
            raise Invalid("not an sms webhook: no From")
        media = int(body["NumMedia"]) if str(body.get("NumMedia") or "").isdigit() else 0
        text = str(body.get("Body") or "") or ("[media]" if media else "")
        attributes: dict[str, Any] = {"to": str(body.get("To") or "")[:64]}
        if media:
            attributes["num_media"] = media
        return [
            InboundMessage(
                external_id=sid,
                address=sender,
                text=text,
                occurred_at=now,
                person={"phone": sender},  # E.164 from Twilio; anything else is rejected
                attributes=attributes,
            )
        ], []


PROVIDERS: dict[str, type[Provider]] = {"whatsapp": WhatsApp, "telegram": Telegram, "sms": Sms}
# The order a person is reached in when they have several channels (email comes before all,
# in the feedback domain): WhatsApp first (richer, and free inside the 24-hour window), then
# SMS (every phone has it), then Telegram.
PREFERENCE = ("whatsapp", "sms", "telegram")
