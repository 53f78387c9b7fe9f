"""The demo company's help centre (Nakhl Home & Market) in four languages, seeded through the
domain manifest's `demo` hook, with a few questions asked so its figures are not empty.

The same content is the knowledge base of the evaluation set (bench/kb_eval.json).

Its sentence vectors (the published versions', and the demo questions') are shipped in
`data/help_centre_vectors.npz`, made by `write_vectors()` with the embedder named in the
file: seeding primes the embedder's cache with them instead of computing them again (about
20 s of CPU). Texts not in the file, or another embedder, are computed as before."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from sada.selfservice import config as ss_config
from sada.selfservice import kb, kb_transfer

DATA = Path(__file__).parent / "data" / "help_centre.json"
VECTORS = Path(__file__).parent / "data" / "help_centre_vectors.npz"

DEMO_QUESTIONS = [
    ("fa", "چطوری سفارشمو پس بدم؟"),
    ("fa", "هزینه ارسال چنده؟"),
    ("fa", "ماشین دست دوم هم می‌فروشید؟"),
    ("ar", "ابي ارجع الطلبية شلون؟"),
    ("ar", "متى ترجع فلوسي؟"),
    ("ar", "ابي اكلم موظف خدمة العملاء"),
    ("zh", "我的快递到哪了"),
    ("zh", "明天上海天气怎么样？"),
    ("en", "Is shipping free?"),
    ("en", "Do you sell second-hand cars?"),
]


@lru_cache(maxsize=1)
def content() -> dict[str, Any]:
    return dict(json.loads(DATA.read_text(encoding="utf-8")))


def seed_help_centre(session: Session, data: dict[str, Any] | None = None) -> int:
    """Categories, published articles, synonyms and brand colours; returns article count."""
    data = data or content()
    for position, (key, titles) in enumerate(data["categories"].items()):
        kb.do_set_category(session, key, titles, position)
    articles = [
        {
            **a,
            "status": "published",
            "versions": {lang: {**v, "status": "published"} for lang, v in a["versions"].items()},
        }
        for a in data["articles"]
    ]
    results = kb_transfer.do_import(session, articles, author="demo")
    for lang, groups in data.get("synonyms", {}).items():
        kb.do_set_synonyms(session, lang, groups)
    ss_config.do_update_settings(
        session,
        {
            "brand_color": "#0f766e",
            "accent_color": "#d97706",
            "titles": {"en": "Nakhl help centre", "fa": "راهنمای نخل", "ar": "مركز مساعدة نخل", "zh": "Nakhl 帮助中心"},
        },
    )  # fmt: skip
    return sum(1 for r in results if r["status"] != "rejected")


def _passages(data: dict[str, Any] | None = None) -> list[str]:
    """What `embed_versions` embeds for each published version of the help centre."""
    from sada.selfservice.markdown import plain
    from sada.selfservice.search import embed_text

    data = data or content()
    return [
        embed_text(v.get("title") or "", plain(v.get("body") or ""))
        for a in data["articles"]
        for v in a["versions"].values()
    ]


def write_vectors(path: Path = VECTORS) -> int:
    """Compute the help centre's passage vectors (stored as `embed_versions` stores them,
    float16) and the demo questions' query vectors (float32) with the installed embedder,
    into `path`; returns how many. Run again when the content or the embedder changes."""
    from sada.selfservice.search import embedder
    from sada.text.embeddings import text_hash

    model = embedder()
    if model is None:
        raise RuntimeError("no sentence embedder installed (pip install 'sada-cx[embeddings]')")
    passages = sorted(set(_passages()))
    questions = sorted({q for _lang, q in DEMO_QUESTIONS})
    inner = getattr(model, "inner", model)
    asked = getattr(inner, "embed_queries", None)
    np.savez(
        path,
        model=np.array(str(model.name)),
        passages=np.array([text_hash(t) for t in passages]),
        passage_vectors=np.asarray(model.embed(passages), dtype="<f2"),
        queries=np.array([text_hash(q) for q in questions]),
        query_vectors=np.asarray(
            asked(questions) if asked is not None else model.embed(questions), dtype="<f4"
        ),
    )
    return len(passages) + len(questions)


def prime_vectors(path: Path = VECTORS) -> int:
    """Put the shipped vectors in the embedder's cache when they were made by the same
    embedder; returns how many (0: none installed, another one, or no file)."""
    from sada.selfservice.search import embedder

    model = embedder()
    if model is None or not hasattr(model, "prime_queries") or not path.is_file():
        return 0
    with np.load(path, allow_pickle=False) as data:
        if str(data["model"]) != str(model.name):
            return 0
        model.prime([str(h) for h in data["passages"]], data["passage_vectors"])
        model.prime_queries([str(h) for h in data["queries"]], data["query_vectors"])
        return len(data["passages"]) + len(data["queries"])


def demo_help_centre(ctx: Any) -> None:
    """The manifest's demo hook: the help centre, its vectors, and questions asked of it."""
    from sada.selfservice.assistant import AssistantConfig, ask
    from sada.selfservice.search import embed_versions, search
    from sada.tenants.service import get_workspace

    prime_vectors()
    with ctx.db.transaction(ctx.workspace_id) as session:
        seed_help_centre(session)
    with ctx.db.transaction(ctx.workspace_id) as session:
        embed_versions(session)
    with ctx.db.transaction(ctx.workspace_id) as session:
        name = get_workspace(session, ctx.workspace_id).name
        config = AssistantConfig(workspace_name=name)
        for lang, question in DEMO_QUESTIONS:
            ask(session, question, lang, config=config)
            search(session, question, lang)
