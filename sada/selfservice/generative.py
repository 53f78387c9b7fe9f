"""The optional generative backend: an OpenAI-compatible chat-completions endpoint.

Off unless an admin configures it (base URL, model, key) for the workspace; then the
retrieved passages, numbered, go to that endpoint with the question — nothing else, and
through the SSRF guard (`sada.core.ssrf`; a local server needs its address in
`SADA_ASSISTANT_ALLOWED_HOSTS`). An answer must cite at least one of the numbered sources as
[n]; one that cites nothing, cites a number it was not given, or says NO_ANSWER is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

from sada.core.ssrf import BlockedDestination, HostPolicy, guarded_client

LANGUAGE_NAMES = {"ar": "Arabic", "fa": "Persian", "zh": "Chinese", "en": "English"}
_CITE = re.compile(r"\[(\d{1,2})\]")
NO_ANSWER = "NO_ANSWER"


@dataclass(frozen=True)
class Source:
    number: int
    key: str
    lang: str
    title: str
    text: str


@dataclass(frozen=True)
class Generated:
    text: str | None  # None: refused
    cited: list[int]
    refusal: str | None = None


class BackendError(RuntimeError):
    """The endpoint could not be reached or answered nonsense (the caller falls back)."""


def check_config(config: dict[str, Any], policy: HostPolicy) -> str | None:
    """Why a configuration cannot be used, or None."""
    base = str(config.get("base_url") or "").strip()
    if not base:
        return "base URL is missing"
    if not str(config.get("model") or "").strip():
        return "model is missing"
    verdict = policy.check_url(base)
    return None if verdict.allowed else f"base URL refused: {verdict.reason}"


def _prompt(question: str, lang: str, sources: list[Source]) -> list[dict[str, str]]:
    language = LANGUAGE_NAMES.get(lang, "English")
    numbered = "\n\n".join(f"[{s.number}] {s.title}\n{s.text}" for s in sources)
    system = (
        "You answer customers' questions using only the numbered help-centre sources given. "
        f"Answer in {language}, in at most three sentences, and cite the sources you used as "
        f"[1], [2]. If the sources do not answer the question, reply exactly {NO_ANSWER}."
    )
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": f"Sources:\n{numbered}\n\nQuestion: {question}"},
    ]


def generate(
    config: dict[str, Any],
    question: str,
    lang: str,
    sources: list[Source],
    policy: HostPolicy,
    *,
    timeout: float = 20.0,
) -> Generated:
    """Ask the configured endpoint; the answer is checked for citations before use."""
    base = str(config.get("base_url") or "").rstrip("/")
    headers = {"Content-Type": "application/json"}
    if config.get("api_key"):
        headers["Authorization"] = f"Bearer {config['api_key']}"
    body = {
        "model": str(config.get("model") or ""),
        "messages": _prompt(question, lang, sources),
        "temperature": 0,
        "max_tokens": int(config.get("max_tokens") or 300),
    }
    try:
        with guarded_client(policy, timeout=timeout, follow_redirects=False) as client:
            response = client.post(f"{base}/chat/completions", json=body, headers=headers)
    except BlockedDestination as exc:
        raise BackendError(f"refused by the SSRF guard: {exc}") from exc
    except httpx.HTTPError as exc:
        raise BackendError(f"endpoint unreachable: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise BackendError(f"endpoint answered HTTP {response.status_code}")
    try:
        content = str(response.json()["choices"][0]["message"]["content"] or "").strip()
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise BackendError("endpoint's answer is not a chat completion") from exc
    return judge(content, sources)


def judge(content: str, sources: list[Source]) -> Generated:
    """Keep an answer only if it cites given sources (and only those)."""
    if not content or NO_ANSWER in content:
        return Generated(None, [], "the backend found no answer in the sources")
    numbers = [int(n) for n in _CITE.findall(content)]
    valid = {s.number for s in sources}
    if not numbers:
        return Generated(None, [], "the generated answer cites no source")
    if any(n not in valid for n in numbers):
        return Generated(None, [], "the generated answer cites a source it was not given")
    return Generated(content[:2000], list(dict.fromkeys(numbers)))
