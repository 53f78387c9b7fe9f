"""Ranking of the hybrid search on SQLite and PostgreSQL with hand-made vectors: the
cross-lingual fallback is not buried under the asker's language (the language-mean
correction), articles with a version in the asker's language are left as they were, and one
hit per article comes back best first."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import select

from sada.selfservice import search as ss
from sada.selfservice.models import KbArticle, KbVersion

DIM = 8
COMMON, LANGS, TOPICS = 0, {"fa": 1, "ar": 2, "zh": 3, "en": 4}, {"returns-window": 5, "delivery-times": 6, "gift-cards": 7}  # fmt: skip


def _vector(lang: str, topic: str) -> np.ndarray:
    """e5-like: a large shared part, a language part a little stronger than the topic part."""
    v = np.zeros(DIM, dtype=np.float32)
    v[COMMON], v[LANGS[lang]], v[TOPICS[topic]] = 2.2, 1.2, 1.0
    return v


def _embed(db: Any, workspace: Any) -> None:
    with db.transaction(workspace.id) as session:
        rows = session.execute(
            select(KbVersion, KbArticle.key).join(KbArticle, KbArticle.id == KbVersion.article_id)
        ).all()
        for version, key in rows:
            version.embedding = _vector(version.lang, key).astype("<f2").tobytes()
            version.embedding_model = "hand-made"
    ss.forget(workspace.id)


def test_cross_lingual_fallback_competes_on_meaning(db: Any, help_centre: Any) -> None:
    _embed(db, help_centre)
    question = _vector("zh", "gift-cards")  # gift cards: an article only in English
    with db.reader(help_centre.id) as session:
        index = ss.workspace_index(session)
        # Without the correction a Chinese article on another topic is closer than the right
        # English one (the language part outweighs the topic part).
        cos = index.vectors @ (question / np.linalg.norm(question))
        zh_best = max(cos[i] for i, d in enumerate(index.docs) if d.lang == "zh")
        gift = next(i for i, d in enumerate(index.docs) if d.key == "gift-cards")
        assert cos[gift] < zh_best
        hits = ss.rank(index, "لا توجد كلمات هنا", "zh", vector=question, limit=3)
        assert (hits[0].key, hits[0].lang, hits[0].cross_lingual) == ("gift-cards", "en", True)
        # Confidence stays on the plain cosine: a cross-lingual hit is trusted no more than before.
        assert hits[0].semantic == float(ss.rescale_cosine(np.array([cos[gift]]))[0])
        assert len({h.key for h in hits}) == len(hits)  # one hit per article
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)

        # An article that has a Chinese version is found in Chinese, as before.
        hits = ss.rank(index, "x", "zh", vector=_vector("zh", "returns-window"), limit=3)
        assert (hits[0].key, hits[0].lang, hits[0].cross_lingual) == ("returns-window", "zh", False)
        # English has every article: nothing is moved for an English question.
        en_q = _vector("en", "gift-cards")
        neutral = ss._language_neutral(index, index.vectors @ en_q, en_q, "en")
        assert np.array_equal(neutral, index.vectors @ en_q)


def test_search_sees_a_new_version_at_once(db: Any, help_centre: Any) -> None:
    """The freshness stamp (one query) notices a publish, a vector and a synonym."""
    from sada.selfservice.models import KbSynonym

    with db.reader(help_centre.id) as session:
        first = ss.workspace_index(session)
    _embed(db, help_centre)
    with db.reader(help_centre.id) as session:
        second = ss.workspace_index(session)
    assert second is not first and second.vectors is not None
    with db.transaction(help_centre.id) as session:
        session.add(KbSynonym(workspace_id=help_centre.id, lang="en", terms=["voucher", "gift"]))
    with db.reader(help_centre.id) as session:
        third = ss.workspace_index(session)
        assert third is not second and "en" in third.synonyms
        assert ss.workspace_index(session) is third  # unchanged: the cached index
