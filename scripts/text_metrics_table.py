"""Print the model card's score tables (markdown) from docs/text/sentiment-metrics.json
and the embedding head's metadata. Run after train_sentiment.py / text_train_embedding_head.py."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    metrics = json.loads((ROOT / "docs" / "text" / "sentiment-metrics.json").read_text())
    print("| language | source (15% held out) | n | accuracy | macro-F1 | per-class F1 |")
    print("| --- | --- | --- | --- | --- | --- |")
    for lang in ("ar", "fa", "zh", "en"):
        if lang not in metrics:
            continue
        for src, r in metrics[lang]["dev"].items():
            pcf = ", ".join(f"{k[:3]} {v:.3f}" for k, v in r["per_class_f1"].items())
            print(
                f"| {lang} | {src} | {r['n']} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} | {pcf} |"
            )
        a = metrics[lang]["dev_all"]
        print(
            f"| {lang} | **all** | {a['n']} | {a['accuracy']:.3f} | {a['macro_f1']:.3f} | "
            f"T={metrics[lang]['temperature']}, ECE={metrics[lang]['ece']} |"
        )
    print()
    print("| language | held-out source (model trained on the others) | n | accuracy | macro-F1 |")
    print("| --- | --- | --- | --- | --- |")
    for lang in ("ar", "fa", "en"):
        for src, r in metrics.get(lang, {}).get("cross_domain", {}).items():
            print(f"| {lang} | {src} | {r['n']} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} |")
    head = ROOT / "sada" / "text" / "models_data" / "sentiment_head.json"
    if head.exists():
        meta = json.loads(head.read_text())
        print()
        print("| language | ensemble weight w | source | accuracy | macro-F1 |")
        print("| --- | --- | --- | --- | --- |")
        for lang, r in meta.get("dev_scores", {}).items():
            for src, (acc, f1) in r["dev"].items():
                print(f"| {lang} | {r['weight']} | {src} | {acc:.3f} | {f1:.3f} |")


if __name__ == "__main__":
    main()
