"""Near-duplicate keys for labelled texts, so that held-out sets are really held out.

Two texts are near-duplicates when, after URLs, @mentions, retweet marks,
punctuation, digits, emoji and case are removed and Arabic/Persian letter
variants folded, they spell the same letters — or when one is a retweet or a
truncated copy of the other (the same first 40 letters, for texts that long).

`near_dup_keys(text)` gives the keys of a text; `Deduper` remembers keys and
answers whether a text was seen. Used by the training scripts across every data
set (training texts that near-duplicate any evaluation text are dropped) and by
`sada text train` on a workspace's labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

from sada.text.normalize import fold_for_search, to_simplified

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w@])@\w+")
_RT = re.compile(r"^\s*rt\b", re.IGNORECASE)
_NON_LETTER = re.compile(r"[\W\d_]+")
PREFIX = 40


class Labelled(Protocol):
    text: str
    label: str


T = TypeVar("T", bound=Labelled)


def letters_key(text: str) -> str:
    """Folded letters only: the full near-duplicate key of a text."""
    text = _MENTION.sub(" ", _URL.sub(" ", text))
    text = _RT.sub(" ", text)
    text = to_simplified(fold_for_search(text))
    return _NON_LETTER.sub("", text)


def near_dup_keys(text: str) -> list[str]:
    """The full key and, for longer texts, the key of the first PREFIX letters."""
    key = letters_key(text)
    if not key:
        return []
    keys = ["=" + key]
    if len(key) >= PREFIX:
        keys.append("^" + key[:PREFIX])
    return keys


class Deduper:
    """Keys seen so far; `seen(text)` is true when any of the text's keys was added."""

    def __init__(self, texts: Iterable[str] = ()) -> None:
        self.keys: set[str] = set()
        for text in texts:
            self.add(text)

    def add(self, text: str) -> None:
        self.keys.update(near_dup_keys(text))

    def seen(self, text: str) -> bool:
        return any(k in self.keys for k in near_dup_keys(text))


def dedupe_examples(examples: Sequence[T]) -> list[T]:
    """First copy of each near-duplicate group (objects with `.text` and `.label`);
    groups whose copies disagree on the label are left out entirely."""
    labels: dict[str, set[str]] = {}
    for e in examples:
        for k in near_dup_keys(e.text):
            labels.setdefault(k, set()).add(e.label)
    seen: set[str] = set()
    out: list[T] = []
    for e in examples:
        keys = near_dup_keys(e.text)
        if any(len(labels[k]) > 1 for k in keys) or (keys and any(k in seen for k in keys)):
            continue
        seen.update(keys)
        out.append(e)
    return out
