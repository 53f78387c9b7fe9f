"""What protects the public survey pages from floods and robots.

- `limit_rate(request, kind)`: per-IP rate limits (submits; autosaves, which are frequent)
- `make_stamp` / `check_stamp`: a signed, single-use form stamp; a form sent faster than a
  person can fill it in raises `TooFast`, and `form_id(stamp)` is the external id of the one
  response it may create
- `form_secret(request)`: the key the stamps are signed with
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

from fastapi import Request

from sada.core.errors import Invalid
from sada.core.http import client_ip
from sada.core.ratelimit import RateLimiter


def _limiters(request: Request) -> tuple[RateLimiter, RateLimiter]:
    state = request.app.state
    limiters = getattr(state, "survey_limiters", None)
    if limiters is None:
        per_minute = max(1, request.app.state.services.settings.survey_public_per_minute)
        limiters = (
            RateLimiter(per_minute / 60, per_minute),
            RateLimiter(per_minute * 10 / 60, per_minute * 10),  # autosaves are frequent
        )
        state.survey_limiters = limiters
    return limiters


def limit_rate(request: Request, kind: str) -> None:
    submit, save = _limiters(request)
    (save if kind == "save" else submit).hit(f"ip:{client_ip(request) or '?'}")


def form_secret(request: Request) -> str:
    return str(request.app.state.services.settings.secret_key)


def make_stamp(secret: str, key: str, now: float | None = None) -> str:
    """A signed form stamp: when the form was shown, plus a nonce that makes each one unique.

    The stamp is single-use: the response it creates carries `form_id(stamp)` as
    its external id, so a replayed stamp stores nothing (see `do_save_response`).
    """
    ms = str(int((now if now is not None else time.time()) * 1000))
    nonce = secrets.token_hex(8)
    mac = hmac.new(secret.encode(), f"stamp:{key}:{ms}:{nonce}".encode(), hashlib.sha256)
    return f"{ms}.{nonce}.{mac.hexdigest()[:24]}"


def check_stamp(secret: str, key: str, stamp: Any, min_seconds: float) -> str:
    """The form must have been shown by us, at least `min_seconds` ago, within two days.

    Returns the form's id: the key under which its one response is stored.
    """
    if not isinstance(stamp, str) or stamp.count(".") != 2 or len(stamp) > 64:
        raise Invalid("the form is missing its time stamp; reload the page")
    ms, nonce, mac = stamp.split(".")
    expected = hmac.new(
        secret.encode(), f"stamp:{key}:{ms}:{nonce}".encode(), hashlib.sha256
    ).hexdigest()[:24]
    if not ms.isdigit() or not nonce or not hmac.compare_digest(mac.encode(), expected.encode()):
        raise Invalid("the form's time stamp is not valid; reload the page")
    age = time.time() - int(ms) / 1000
    if age < min_seconds:
        raise TooFast("sent too fast")
    if age > 2 * 86400:
        raise Invalid("the form is too old; reload the page")
    return form_id(stamp)


def form_id(stamp: str) -> str:
    """The external id of the one response a form stamp may create."""
    return "form-" + hashlib.sha256(stamp.encode()).hexdigest()[:40]


class TooFast(Invalid):
    code = "too_fast"
