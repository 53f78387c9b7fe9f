"""Print the model card's score tables (markdown) from docs/text/sentiment-metrics.json
and the embedding head's metadata. Run after train_sentiment.py and
text_train_embedding_head.py."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("ar", "fa", "zh", "en")


def pcf(r: dict) -> str:
    return ", ".join(f"{k[:3]} {v:.3f}" for k, v in r["per_class_f1"].items())


def main() -> None:
    metrics = json.loads((ROOT / "docs" / "text" / "sentiment-metrics.json").read_text())
    print("### Held-out data sets (never trained on), fast path (TF-IDF model alone)\n")
    print("| language | held-out set | n | accuracy | macro-F1 | per-class F1 |")
    print("| --- | --- | --- | --- | --- | --- |")
    for lang in LANGS:
        for src, r in metrics.get(lang, {}).get("heldout", {}).items():
            print(
                f"| {lang} | {src} | {r['n']} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} | {pcf(r)} |"
            )
    print("\n### In-domain: 15% held out of each training set\n")
    print("| language | training set (15% held out) | n | accuracy | macro-F1 | per-class F1 |")
    print("| --- | --- | --- | --- | --- | --- |")
    for lang in LANGS:
        m = metrics.get(lang)
        if not m:
            continue
        for src, r in m["dev"].items():
            print(
                f"| {lang} | {src} | {r['n']} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} | {pcf(r)} |"
            )
        a = m["dev_all"]
        print(
            f"| {lang} | **all** | {a['n']} | {a['accuracy']:.3f} | {a['macro_f1']:.3f} | "
            f"T={m['temperature']}, neutral band {m.get('neutral_below', 0)}, ECE={m['ece']} |"
        )
    rows = [
        (lang, src, r)
        for lang in LANGS
        for src, r in metrics.get(lang, {}).get("cross_domain", {}).items()
    ]
    if rows:
        print("\n### Leave one training set out\n")
        print("| language | left-out set (model trained on the others) | n | accuracy | macro-F1 |")
        print("| --- | --- | --- | --- | --- |")
        for lang, src, r in rows:
            print(f"| {lang} | {src} | {r['n']} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} |")
    head = ROOT / "sada" / "text" / "models_data" / "sentiment_head.json"
    if head.exists():
        meta = json.loads(head.read_text())
        print("\n### Ensemble with the embedding head (report half of each held-out set)\n")
        print(
            "| language | w | held-out set | n | TF-IDF acc / macro-F1 | ensemble acc / macro-F1 |"
        )
        print("| --- | --- | --- | --- | --- | --- |")
        for lang, r in meta.get("heldout_scores", {}).items():
            for src, s in r["report_half"].items():
                print(
                    f"| {lang} | {r['weight']} | {src} | {s['n']} | "
                    f"{s['tfidf'][0]:.3f} / {s['tfidf'][1]:.3f} | "
                    f"{s['ensemble'][0]:.3f} / {s['ensemble'][1]:.3f} |"
                )


if __name__ == "__main__":
    main()
