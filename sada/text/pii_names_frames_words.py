"""Word helpers shared by the name frames of each script (`pii_names_frames_*`).

Frame words are compared folded for search (`fold_for_search`); `_folded` also adds
each word with the conjunction «و» before it. `_known` and `_ambiguous` are the
gazetteer's given names and the lexicon's ordinary words, folded once per process.
"""

from __future__ import annotations

from functools import lru_cache

from sada.text.normalize import fold_for_search
from sada.text.pii_gazetteer import gazetteer
from sada.text.pii_names_features import lexicon

# Folding is called for the same few words again and again.
_fold = lru_cache(maxsize=16384)(fold_for_search)


def _words(block: str) -> frozenset[str]:
    """The whitespace-separated words of a block."""
    return frozenset(block.split())


def _folded_words(block: str) -> frozenset[str]:
    """The words of a block folded for search."""
    return frozenset(_fold(w) for w in block.split())


def _folded(*words: str) -> frozenset[str]:
    """The words folded for search, each also with the conjunction «و» before it."""
    folded = {_fold(w) for w in words}
    return frozenset(folded | {"و" + w for w in folded if len(w) > 2})


@lru_cache(maxsize=1)
def _known() -> tuple[frozenset[str], frozenset[str]]:
    """(every given name of the gazetteer folded, the ordinary words of the lexicon)."""
    lex = lexicon()
    given = frozenset(_fold(w) for w in gazetteer()[2])
    return given, lex.common


@lru_cache(maxsize=1)
def _ambiguous() -> frozenset[str]:
    """The ambiguous given names of the gazetteer, folded («امل», «نور», "hope")."""
    return frozenset(_fold(w) for w in gazetteer()[1])
