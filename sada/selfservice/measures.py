"""Self-service figures: self-service rate, handoffs and their reasons, article helpfulness,
searches without a good result, and unanswered questions grouped by theme per language.

Themes are lexical: each unanswered question joins the theme of its most shared search term
(the analyser's stemmed, folded term), labelled with the word customers typed most for it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from sada.selfservice import analyzer
from sada.selfservice.models import ChatMessage, ChatSession, KbArticle, KbQuery, KbVote


def file_url(workspace_name: str, attachment_id: int, filename: str) -> str:
    return f"/help/{quote(workspace_name, safe='')}/files/{attachment_id}/{quote(filename)}"


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def sessions_summary(session: Session, since: datetime) -> dict[str, Any]:
    asked = (
        select(ChatMessage.session_id)
        .where(ChatMessage.role == "customer", ChatMessage.at >= since)
        .distinct()
        .subquery()
    )
    rows = session.execute(
        select(ChatSession.answered, ChatSession.conversation_id, ChatSession.handoff_reason)
        .join(asked, asked.c.session_id == ChatSession.id)
        .where(ChatSession.started_at >= since)
    ).all()
    total = len(rows)
    handed = [r for r in rows if r.handoff_reason is not None]
    self_served = [r for r in rows if r.handoff_reason is None and r.answered > 0]
    reasons = Counter(r.handoff_reason for r in handed)
    csat = session.execute(
        select(func.avg(ChatSession.csat), func.count(ChatSession.csat)).where(
            ChatSession.started_at >= since, ChatSession.csat.is_not(None)
        )
    ).one()
    return {
        "sessions": total,
        "self_served": len(self_served),
        "handed_off": len(handed),
        "self_service_rate": _rate(len(self_served), total),
        "handoff_rate": _rate(len(handed), total),
        "handoff_reasons": dict(reasons.most_common()),
        "csat_average": round(float(csat[0]), 2) if csat[0] is not None else None,
        "csat_responses": int(csat[1]),
    }


def assistant_summary(session: Session, since: datetime) -> dict[str, Any]:
    rows = session.execute(
        select(KbQuery.handoff, KbQuery.reason, func.count())
        .where(KbQuery.source == "assistant", KbQuery.at >= since)
        .group_by(KbQuery.handoff, KbQuery.reason)
    ).all()
    total = sum(int(n) for _h, _r, n in rows)
    handed = sum(int(n) for h, _r, n in rows if h)
    reasons = {str(r): int(n) for h, r, n in rows if h}
    return {
        "questions": total,
        "answered": total - handed,
        "handed_off": handed,
        "answer_rate": _rate(total - handed, total),
        "handoff_reasons": dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
    }


def searches_summary(session: Session, since: datetime) -> dict[str, Any]:
    rows = session.execute(
        select(KbQuery.lang, KbQuery.good, func.count())
        .where(KbQuery.source == "search", KbQuery.at >= since)
        .group_by(KbQuery.lang, KbQuery.good)
    ).all()
    total = sum(int(n) for *_x, n in rows)
    missed = sum(int(n) for _lang, good, n in rows if not good)
    by_lang: dict[str, dict[str, int]] = defaultdict(lambda: {"searches": 0, "without_result": 0})
    for lang, good, n in rows:
        by_lang[lang]["searches"] += int(n)
        if not good:
            by_lang[lang]["without_result"] += int(n)
    return {
        "searches": total,
        "without_result": missed,
        "without_result_rate": _rate(missed, total),
        "by_language": dict(by_lang),
    }


def helpfulness(session: Session, since: datetime, limit: int = 20) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            KbArticle.key,
            KbVote.lang,
            func.sum(case((KbVote.helpful.is_(True), 1), else_=0)),
            func.count(),
        )
        .join(KbArticle, KbArticle.id == KbVote.article_id)
        .where(KbVote.at >= since)
        .group_by(KbArticle.key, KbVote.lang)
        .order_by(func.count().desc())
        .limit(limit)
    ).all()
    return [
        {
            "key": key,
            "lang": lang,
            "helpful": int(yes or 0),
            "votes": int(n),
            "share": _rate(int(yes or 0), int(n)),
        }
        for key, lang, yes, n in rows
    ]


def recent_comments(session: Session, since: datetime, limit: int = 10) -> list[dict[str, Any]]:
    rows = session.execute(
        select(KbArticle.key, KbVote.lang, KbVote.helpful, KbVote.comment, KbVote.at)
        .join(KbArticle, KbArticle.id == KbVote.article_id)
        .where(KbVote.at >= since, KbVote.comment != "")
        .order_by(KbVote.at.desc())
        .limit(limit)
    ).all()
    return [
        {"key": k, "lang": lang, "helpful": bool(h), "comment": c, "at": at.isoformat()}
        for k, lang, h, c, at in rows
    ]


def unanswered_themes(
    session: Session, since: datetime, *, per_language: int = 8, scan: int = 2000
) -> dict[str, list[dict[str, Any]]]:
    """Questions without a good answer (searches and assistant), grouped by theme per language."""
    rows = session.execute(
        select(KbQuery.lang, KbQuery.text)
        .where(
            KbQuery.at >= since,
            KbQuery.good.is_(False),
            (KbQuery.reason.is_(None)) | (KbQuery.reason == "low_confidence"),
        )
        .order_by(KbQuery.id.desc())
        .limit(scan)
    ).all()
    by_lang: dict[str, list[str]] = defaultdict(list)
    for lang, text in rows:
        by_lang[lang].append(text)
    out: dict[str, list[dict[str, Any]]] = {}
    for lang, texts in by_lang.items():
        analysed = [(t, analyzer.terms(t, lang)) for t in texts]
        freq = Counter(term for _t, terms in analysed for term in set(terms))
        surface: dict[str, Counter[str]] = defaultdict(Counter)
        groups: dict[str, list[str]] = defaultdict(list)
        for text, terms in analysed:
            if not terms:
                groups["…"].append(text)
                continue
            theme = max(terms, key=lambda term: (freq[term], len(term)))
            groups[theme].append(text)
            for word in analyzer.words(text, lang):
                if analyzer.terms(word, lang) == [theme]:
                    surface[theme][word] += 1
        ranked = sorted(groups.items(), key=lambda kv: -len(kv[1]))[:per_language]
        out[lang] = [
            {
                "theme": (surface[theme].most_common(1)[0][0] if surface[theme] else theme),
                "count": len(questions),
                "examples": list(dict.fromkeys(questions))[:3],
            }
            for theme, questions in ranked
        ]
    return out


def report(session: Session, since: datetime) -> dict[str, Any]:
    return {
        "since": since.isoformat(),
        "chat": sessions_summary(session, since),
        "assistant": assistant_summary(session, since),
        "search": searches_summary(session, since),
        "helpfulness": helpfulness(session, since),
        "comments": recent_comments(session, since),
        "unanswered": unanswered_themes(session, since),
    }


def overview_tile(session: Session, since: datetime) -> dict[str, Any] | None:
    """The few figures the overview shows (None when self-service saw no use)."""
    chat = sessions_summary(session, since)
    assistant = assistant_summary(session, since)
    search = searches_summary(session, since)
    if not (chat["sessions"] or assistant["questions"] or search["searches"]):
        return None
    return {"chat": chat, "assistant": assistant, "search": search}
