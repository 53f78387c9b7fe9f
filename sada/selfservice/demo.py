"""The demo company's help centre (Nakhl Home & Market) in four languages, seeded through the
domain manifest's `demo` hook, with a few questions asked so its figures are not empty.

The same content is the knowledge base of the evaluation set (bench/kb_eval.json)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from sada.selfservice import config as ss_config
from sada.selfservice import kb

DATA = Path(__file__).parent / "data" / "help_centre.json"

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
    results = kb.do_import(session, articles, author="demo")
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


def demo_help_centre(ctx: Any) -> None:
    """The manifest's demo hook: the help centre, its vectors, and questions asked of it."""
    from sada.selfservice.assistant import AssistantConfig, ask
    from sada.selfservice.search import embed_versions, search
    from sada.tenants.service import get_workspace

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
