"""The assistant: answer from the best article with citations, or hand off to a person.

`ask` detects the language (unless given) and the intent; requests for a human,
complaints, cancellations and account changes are handed off whatever the articles say.
Otherwise it searches, and below the workspace's confidence threshold it hands off too.
An answer is extractive by default: the sentences of the best article (in the asker's
language when the article has one) that share the most terms with the question. With a
generative backend configured, the top passages go to it and its answer is used only when
it cites them (`sada.selfservice.generative`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.core.ssrf import HostPolicy
from sada.selfservice import analyzer, generative
from sada.selfservice.intents import detect_intent
from sada.selfservice.markdown import passages
from sada.selfservice.models import KbVersion
from sada.selfservice.schemas import AskOut, Citation
from sada.selfservice.search import Hit, log_query, query_language, rank, workspace_index
from sada.text.sentences import split_sentences

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.4
MAX_ANSWER_CHARS = 420
REASONS = (
    "answered",
    "low_confidence",
    "human_requested",
    "complaint",
    "account_change",
    "cancellation",
    "offline",
)


@dataclass
class AssistantConfig:
    threshold: float = DEFAULT_THRESHOLD
    generative: dict[str, Any] = field(default_factory=dict)
    generative_enabled: bool = False
    policy: HostPolicy = field(default_factory=HostPolicy)
    workspace_name: str = ""


def article_url(workspace_name: str, lang: str, key: str) -> str:
    return f"/help/{quote(workspace_name, safe='')}/{lang}/articles/{quote(key, safe='')}"


def _sentences(body: str) -> list[tuple[int, str]]:
    """(passage number, sentence) in reading order."""
    out: list[tuple[int, str]] = []
    for number, passage in enumerate(passages(body)):
        for span in split_sentences(passage.text, max_sentences=50):
            out.append((number, span.text))
    return out


def extract_answer(body: str, question: str, lang: str, body_lang: str) -> str:
    """The sentences of `body` that answer `question` best (at most ~two sentences)."""
    sentences = _sentences(body)
    if not sentences:
        return ""
    wanted = set(analyzer.query_terms(question, lang)) if body_lang == lang else set()
    best_i, best_score = 0, 0.0
    for i, (_p, sentence) in enumerate(sentences):
        have = set(analyzer.terms(sentence, body_lang))
        score = len(wanted & have) + (0.25 if i == 0 else 0.0)
        if score > best_score:
            best_i, best_score = i, score
    chosen = [sentences[best_i][1]]
    passage_no = sentences[best_i][0]
    if best_i + 1 < len(sentences) and sentences[best_i + 1][0] == passage_no:
        following = sentences[best_i + 1][1]
        if len(chosen[0]) + len(following) < MAX_ANSWER_CHARS:
            chosen.append(following)
    answer = " ".join(chosen)
    return answer if len(answer) <= MAX_ANSWER_CHARS else answer[: MAX_ANSWER_CHARS - 1] + "…"


def _published(session: Session, version_ids: list[int]) -> dict[int, KbVersion]:
    return {
        v.id: v
        for v in session.execute(select(KbVersion).where(KbVersion.id.in_(version_ids))).scalars()
    }


def ask(
    session: Session,
    question: str,
    lang: str | None = None,
    *,
    config: AssistantConfig | None = None,
    log_it: bool = True,
    session_id: int | None = None,
    use_vectors: bool = True,
) -> AskOut:
    config = config or AssistantConfig()
    asked = query_language(question, lang)
    intent = detect_intent(question, asked)
    hits: list[Hit] = []
    if intent is not None:
        out = AskOut(
            answer=None, citations=[], handoff=True, reason=intent, lang=asked, intent=intent
        )
    else:
        hits = rank(workspace_index(session), question, asked, limit=3, use_vectors=use_vectors)
        top = hits[0] if hits else None
        if top is None or top.confidence < config.threshold:
            out = AskOut(
                answer=None,
                citations=[],
                handoff=True,
                reason="low_confidence",
                lang=asked,
                confidence=top.confidence if top else 0.0,
            )
        else:
            out = _answer(session, question, asked, hits, config)
    if log_it:
        log_query(
            session,
            source="assistant",
            lang=asked,
            text=question,
            hits=hits,
            good=not out.handoff,
            handoff=out.handoff,
            reason=out.reason,
            session_id=session_id,
        )
    return out


def _answer(
    session: Session, question: str, lang: str, hits: list[Hit], config: AssistantConfig
) -> AskOut:
    top = hits[0]
    versions = _published(session, [h.version_id for h in hits])
    version = versions[top.version_id]
    body = version.published_body or ""
    citation = Citation(
        key=top.key,
        lang=top.lang,
        title=top.title,
        url=article_url(config.workspace_name, top.lang, top.key),
    )
    if config.generative_enabled and config.generative:
        generated = _generate(question, lang, hits, versions, config)
        if generated is not None:
            return generated
    answer = extract_answer(body, question, lang, top.lang)
    return AskOut(
        answer=answer or top.title,
        citations=[citation],
        handoff=False,
        reason="answered",
        lang=lang,
        confidence=top.confidence,
        cross_lingual=top.cross_lingual,
    )


def _generate(
    question: str,
    lang: str,
    hits: list[Hit],
    versions: dict[int, KbVersion],
    config: AssistantConfig,
) -> AskOut | None:
    sources = [
        generative.Source(
            number=n,
            key=h.key,
            lang=h.lang,
            title=h.title,
            text=" ".join(p.text for p in passages(versions[h.version_id].published_body or ""))[
                :1500
            ],
        )
        for n, h in enumerate(hits, start=1)
        if h.version_id in versions and h.confidence >= config.threshold
    ]
    try:
        result = generative.generate(config.generative, question, lang, sources, config.policy)
    except generative.BackendError as exc:
        log.warning("generative backend failed, answering extractively: %s", exc)
        return None
    if result.text is None:
        log.info("generated answer refused: %s", result.refusal)
        return None
    by_number = {s.number: s for s in sources}
    return AskOut(
        answer=result.text,
        citations=[
            Citation(
                key=by_number[n].key,
                lang=by_number[n].lang,
                title=by_number[n].title,
                url=article_url(config.workspace_name, by_number[n].lang, by_number[n].key),
            )
            for n in result.cited
        ],
        handoff=False,
        reason="answered",
        lang=lang,
        confidence=hits[0].confidence,
        cross_lingual=hits[0].cross_lingual,
        generated=True,
    )
