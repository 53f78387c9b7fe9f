"""Recall and precision of name and address detection on our own labelled fixture.

    python scripts/text_pii_eval.py [tests/text/fixtures/pii_names_addresses.jsonl]

The fixture holds customer messages we wrote in Arabic, Persian, Chinese and
English, with the names and addresses they contain (and look-alikes that are
not: "Apple Watch", «سعيد جدا», 「王者荣耀」, "Main Street" without a number).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sada.text.evaluate import score_spans  # noqa: E402
from sada.text.pii import find_pii  # noqa: E402

FIXTURE = ROOT / "tests" / "text" / "fixtures" / "pii_names_addresses.jsonl"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURE
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    report = score_spans(items, lambda t: [(p.type, p.start, p.end) for p in find_pii(t)])
    for key, r in report.items():
        print(
            f"{key:<14} gold {r['gold']:>3}  found {r['found']:>3}  "
            f"recall {r['recall']:.3f}  precision {r['precision']:.3f}"
        )


if __name__ == "__main__":
    main()
