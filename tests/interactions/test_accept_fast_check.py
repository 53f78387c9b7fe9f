"""Accept's fast path gives the slow path's answer: `_surely_safe` (one orjson pass instead
of walking the item) only ever says "safe" where `unsafe_json` finds nothing, and takes the
usual item."""

from __future__ import annotations

from typing import Any

import pytest

from sada.core.validation import MAX_JSON_DEPTH, unsafe_json
from sada.interactions.service import _surely_safe


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


CASES: list[Any] = [
    {"text": "plain", "person": {"email": "a@example.com"}},
    {"text": "nul \x00 here"},
    {"attributes": {"k\x00": 1}},
    {"text": "lone \ud800 surrogate"},
    {"attributes": {"\udfff": "x"}},
    {"text": "a literal backslash-u: \\u0000"},
    {"text": "brackets {[{[{[{[{[{[{[{[{[ in text"},
    {"attributes": {1: "non-string key"}},
    {"attributes": {"n": 2**70}},
    {"attributes": {"t": ("tuple", "x\x00")}},
    {"attributes": _nested(MAX_JSON_DEPTH - 2)},
    {"attributes": _nested(MAX_JSON_DEPTH - 1)},
    {"attributes": _nested(MAX_JSON_DEPTH)},
    {"attributes": _nested(MAX_JSON_DEPTH + 5)},
    {"a": [{"b": [{"c": "ok"}] * 20}]},
]


@pytest.mark.parametrize("raw", CASES)
def test_surely_safe_implies_clean(raw: dict[str, Any]) -> None:
    if _surely_safe(raw):
        assert unsafe_json(raw, "items[0]") is None


def test_surely_safe_takes_the_usual_item() -> None:
    assert _surely_safe(CASES[0])
    assert not _surely_safe(CASES[1]) and unsafe_json(CASES[1], "items[0]") is not None
    assert not _surely_safe(CASES[3]) and unsafe_json(CASES[3], "items[0]") is not None
