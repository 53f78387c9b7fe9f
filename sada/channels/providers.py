"""One provider protocol for messaging channels, and its WhatsApp and Telegram adapters.

A provider sends a text or a template (`send` -> the provider's message id), verifies an
inbound webhook by the provider's documented scheme (`verify`), and reads the webhook body
into messages and delivery statuses (`parse`). Failures say whether retrying can help, as
connectors do: `PermanentSendError` (the request itself is wrong: bad token, bad number,
outside the 24-hour window) or `RetryableSendError` (network, 5xx, rate limit).

Outbound HTTP goes through the SSRF guard (`sada.core.ssrf.guarded_client`).
"""

from __future__ import annotations

import hashlib
import hmac
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

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

    @abstractmethod
    def send(
        self, to: str, *, text: str | None = None, template: Mapping[str, Any] | None = None
    ) -> str:
        """Send a text or a template message; return the provider's message id."""

    @abstractmethod
    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        """True when the webhook request carries the provider's valid signature."""

    @abstractmethod
    def parse(self, body: Any) -> tuple[list[InboundMessage], list[DeliveryStatus]]:
        """Messages and delivery statuses from a webhook body (already JSON-decoded)."""

    def _post(self, url: str, payload: dict[str, Any], headers: dict[str, str]) -> Any:
        """POST JSON; classify every failure as permanent or retryable."""
        try:
            with guarded_client(self.policy, timeout=self.timeout, follow_redirects=False) as c:
                response = c.post(url, json=payload, headers=headers)
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


def _reason(data: Any) -> str:
    error = _d(_d(data).get("error"))
    text = error.get("message") or _d(data).get("description") or "no reason given"
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

    def send(
        self, to: str, *, text: str | None = None, template: Mapping[str, Any] | None = None
    ) -> str:
        if template is not None:  # Telegram has no templates: the parameters become the text
            text = "\n".join(str(p) for p in template.get("parameters", [])) or text
        if not text:
            raise PermanentSendError("telegram: nothing to send")
        base = str(self.config.get("base_url") or "https://api.telegram.org").rstrip("/")
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


PROVIDERS: dict[str, type[Provider]] = {"whatsapp": WhatsApp, "telegram": Telegram}
# The order a person is reached in when they have several channels.
PREFERENCE = ("whatsapp", "telegram")
