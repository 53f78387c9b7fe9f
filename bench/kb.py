"""Self-service benchmark: retrieval quality, handoff decisions and latency.

    OMP_NUM_THREADS=1 python bench/kb.py [--scale 1000] [--lexical-only]

1. Quality on the evaluation set (bench/kb_eval.json) over the demo help centre
   (sada/selfservice/data/help_centre.json): recall@1, recall@5 and MRR per language on the
   answerable questions; handoff precision/recall/F1 (a handoff is right when the question
   has no article or needs a person); per-kind counts.
2. Latency of search and of the assistant (extractive) per query, on the demo help centre
   (the baseline) and on a grown knowledge base of N articles x 4 languages, pinned to one
   core. Grown articles are the demo articles with extra paragraphs of words drawn from the
   same language, so every language index has N documents; their vectors are the vectors of
   the article they grew from (computing 4,000 e5 vectors here takes many minutes; query
   cost depends on the number of vectors, not their values).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from sada.db.engine import open_database  # noqa: E402
from sada.db.migrate import upgrade  # noqa: E402
from sada.selfservice import search as ss_search  # noqa: E402
from sada.selfservice.assistant import AssistantConfig, ask  # noqa: E402
from sada.selfservice.demo import content, seed_help_centre  # noqa: E402
from sada.selfservice.models import KbVersion  # noqa: E402
from sada.tenants.service import do_create_workspace  # noqa: E402

EVAL = Path(__file__).parent / "kb_eval.json"
LANGS = ("en", "fa", "ar", "zh")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def quality(db, ws_id: int, questions: list[dict], use_vectors: bool) -> dict:  # type: ignore[no-untyped-def]
    per_lang: dict[str, dict] = {lang: {"n": 0, "r1": 0, "r5": 0, "mrr": 0.0} for lang in LANGS}
    tp = fp = fn = tn = 0
    kinds: dict[str, list[int]] = {}
    search_ms: list[float] = []
    ask_ms: list[float] = []
    config = AssistantConfig(workspace_name="eval")
    with db.transaction(ws_id) as session:
        index = ss_search.workspace_index(session)
        for q in questions:
            started = time.perf_counter()
            hits = ss_search.rank(index, q["q"], q["lang"], limit=5, use_vectors=use_vectors)
            search_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            out = ask(
                session, q["q"], q["lang"], config=config, log_it=False, use_vectors=use_vectors
            )
            ask_ms.append((time.perf_counter() - started) * 1000)
            keys = [h.key for h in hits]
            should = q["expect"] is None
            if should and out.handoff:
                tp += 1
            elif should:
                fn += 1
            elif out.handoff:
                fp += 1
            else:
                tn += 1
            right = (not should and q["expect"] in keys) or (should and out.handoff)
            kinds.setdefault(f"{q['lang']}/{q['kind']}", [0, 0])
            kinds[f"{q['lang']}/{q['kind']}"][0] += int(right)
            kinds[f"{q['lang']}/{q['kind']}"][1] += 1
            if should:
                continue
            stats = per_lang[q["lang"]]
            stats["n"] += 1
            if keys[:1] == [q["expect"]]:
                stats["r1"] += 1
            if q["expect"] in keys[:5]:
                stats["r5"] += 1
                stats["mrr"] += 1.0 / (keys.index(q["expect"]) + 1)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "per_lang": per_lang,
        "handoff": {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "tn": tn,
        },
        "kinds": kinds,
        "search_ms": search_ms,
        "ask_ms": ask_ms,
    }


def grow(db, ws_id: int, n: int, seed: int = 7) -> int:  # type: ignore[no-untyped-def]
    """Add articles until each language has `n` versions; vectors copied from their template."""
    from sada.selfservice import kb
    from sada.selfservice.markdown import plain
    from sada.selfservice.schemas import ArticleIn

    rng = random.Random(seed)
    data = content()
    words: dict[str, list[str]] = {lang: [] for lang in LANGS}
    for article in data["articles"]:
        for lang, version in article["versions"].items():
            words[lang].extend(plain(version["body"]).split())
    templates = [a for a in data["articles"] if len(a["versions"]) == 4]
    with db.transaction(ws_id) as session:
        vectors = {
            (v.article_id, v.lang): v.embedding
            for v in session.execute(select(KbVersion)).scalars()
        }
        ids = {a.key: a.id for a in kb.list_articles(session, limit=1000)}
    made = 0
    batch: list[tuple[str, str, str]] = []
    for i in range(n - len(templates)):
        template = templates[i % len(templates)]
        versions = {}
        for lang, version in template["versions"].items():
            extra = rng.sample(words[lang], min(60, len(words[lang])))
            joiner = "" if lang == "zh" else " "
            body = version["body"] + "\n\n" + joiner.join(extra)
            versions[lang] = {
                "title": f"{version['title']} ({i})",
                "body": body,
                "status": "published",
            }
        key = f"{template['key']}-{i}"
        batch.append((key, template["key"], json.dumps(versions)))
    with db.transaction(ws_id) as session:
        for key, template_key, versions_json in batch:
            versions = json.loads(versions_json)
            article = kb.do_create_article(
                session,
                ArticleIn(key=key, category="grown", status="published", versions=versions),
            )
            session.flush()
            for version in session.execute(
                select(KbVersion).where(KbVersion.article_id == article.id)
            ).scalars():
                blob = vectors.get((ids[template_key], version.lang))
                if blob is not None:
                    version.embedding = blob
                    version.embedding_model = "copied-from-template"
            made += 1
    return made


def report(label: str, result: dict) -> list[str]:
    lines = [
        f"### {label}",
        "",
        "| language | answerable | recall@1 | recall@5 | MRR |",
        "| --- | --- | --- | --- | --- |",
    ]
    for lang in LANGS:
        s = result["per_lang"][lang]
        n = s["n"] or 1
        lines.append(
            f"| {lang} | {s['n']} | {s['r1'] / n:.2f} | {s['r5'] / n:.2f} | {s['mrr'] / n:.2f} |"
        )
    h = result["handoff"]
    lines += [
        "",
        f"Handoff (should hand off = unanswerable or needs a person): precision {h['precision']:.2f}, "
        f"recall {h['recall']:.2f}, F1 {h['f1']:.2f} (tp {h['tp']}, fp {h['fp']}, fn {h['fn']}, tn {h['tn']})",
        "",
        "Right per language/kind: "
        + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(result["kinds"].items())),
        "",
    ]
    return lines


def latency(
    db, ws_id: int, questions: list[dict], use_vectors: bool, rounds: int
) -> tuple[list[float], list[float], list[float], list[float]]:  # type: ignore[no-untyped-def]
    """Wall and CPU (this thread's) milliseconds per search and per answer."""
    config = AssistantConfig(workspace_name="eval")
    search_ms: list[float] = []
    ask_ms: list[float] = []
    search_cpu: list[float] = []
    ask_cpu: list[float] = []
    with db.transaction(ws_id) as session:
        ss_search.workspace_index(session)  # built once, as in a running server
        for _ in range(rounds):
            for q in questions:
                started, cpu = time.perf_counter(), time.thread_time()
                ss_search.search(
                    session, q["q"], q["lang"], limit=5, log=False, use_vectors=use_vectors
                )
                search_ms.append((time.perf_counter() - started) * 1000)
                search_cpu.append((time.thread_time() - cpu) * 1000)
                started, cpu = time.perf_counter(), time.thread_time()
                ask(
                    session, q["q"], q["lang"], config=config, log_it=False, use_vectors=use_vectors
                )
                ask_ms.append((time.perf_counter() - started) * 1000)
                ask_cpu.append((time.thread_time() - cpu) * 1000)
    return search_ms, ask_ms, search_cpu, ask_cpu


def _row(name: str, label: str, timing: tuple[list[float], ...]) -> str:
    s_ms, a_ms, s_cpu, a_cpu = timing
    return (
        f"| {name} | {label} | {statistics.mean(s_ms):.1f} / {p95(s_ms):.1f} "
        f"| {statistics.mean(a_ms):.1f} / {p95(a_ms):.1f} "
        f"| {statistics.mean(s_cpu):.1f} / {p95(s_cpu):.1f} "
        f"| {statistics.mean(a_cpu):.1f} / {p95(a_cpu):.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=1000, help="articles per language when grown")
    parser.add_argument("--lexical-only", action="store_true", help="skip embeddings")
    parser.add_argument(
        "--rounds", type=int, default=1, help="passes over the questions for latency"
    )
    args = parser.parse_args()
    questions = json.loads(EVAL.read_text(encoding="utf-8"))["questions"]
    tmp = tempfile.mkdtemp()
    db = open_database(f"sqlite:///{tmp}/kb-bench.db")
    upgrade(db)
    with db.transaction() as session:
        ws = do_create_workspace(session, "eval")
    with db.transaction(ws.id) as session:
        seed_help_centre(session)
    vectors = not args.lexical_only and ss_search.embedder() is not None
    if vectors:
        started = time.perf_counter()
        with db.transaction(ws.id) as session:
            count = ss_search.embed_versions(session)
        print(f"embedded {count} versions in {time.perf_counter() - started:.1f} s")
    lines = [
        f"cpu affinity: {sorted(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else 'n/a'}, load average {os.getloadavg()}",
        "",
    ]
    modes = (
        [("hybrid (lexical + e5 vectors)", True), ("lexical only", False)]
        if vectors
        else [("lexical only", False)]
    )
    for label, use in modes:
        result = quality(db, ws.id, questions, use)
        lines += report(f"Quality, {label}", result)
    small = {}
    for label, use in modes:
        small[label] = latency(db, ws.id, questions, use, args.rounds)
    grown = grow(db, ws.id, args.scale)
    ss_search.forget()
    started = time.perf_counter()
    with db.transaction(ws.id) as session:
        index = ss_search.workspace_index(session)
    build = time.perf_counter() - started
    lines.append(
        f"Grown knowledge base: +{grown} articles, {len(index.docs)} published versions; index built in {build:.1f} s."
    )
    lines += [
        "",
        "| knowledge base | mode | search wall mean / p95 ms | assistant wall mean / p95 ms "
        "| search CPU mean / p95 ms | assistant CPU mean / p95 ms |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for label, use in modes:
        lines.append(_row(f"demo ({len(content()['articles'])} articles)", label, small[label]))
        grown_timing = latency(db, ws.id, questions, use, args.rounds)
        lines.append(_row(f"grown ({args.scale} x 4 languages)", label, grown_timing))
    lines.append(f"load average at the end {os.getloadavg()}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
