from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sada.text.normalize import (
    clean,
    fold_for_search,
    model_text,
    normalize,
    to_ascii_digits,
    to_simplified,
    traditional_share,
)


def test_fold_for_search_joins_spellings() -> None:
    # Arabic yeh/kaf vs Persian, diacritics, tatweel, ZWNJ, digits, case
    assert fold_for_search("كتاب") == fold_for_search("کتاب")
    assert fold_for_search("عَلِيّ") == fold_for_search("علی")
    assert fold_for_search("مـــرحبا") == "مرحبا"
    assert fold_for_search("می‌خواهم") == fold_for_search("میخواهم")
    assert fold_for_search("۱۲۳ Hello") == "123 hello"
    assert fold_for_search("مدرسة") == fold_for_search("مدرسه")


def test_normalize_per_language_spelling() -> None:
    assert normalize("كيف حالك يا صديقي", "fa") == "کیف حالک یا صدیقی"
    assert normalize("کیف حالک", "ar") == "كيف حالك"
    # Persian keeps the ZWNJ, collapses doubled ones; digits become ASCII
    assert normalize("می\u200c\u200cخواهم ۱۲", "fa") == "می\u200cخواهم 12"
    assert normalize("  a \t b \n\n c ") == "a b\n\nc"


def test_clean_handles_invalid_unicode_and_controls() -> None:
    assert clean(None) == ""
    assert clean(b"caf\xc3\xa9 \xff") == "café \ufffd"
    assert "\ud800" not in clean("bad \ud800 surrogate")
    assert clean("a\x00b\x07c\u202ed") == "abcd"
    assert clean("ﻻ") == "لا"  # presentation form folded by NFKC
    assert clean("ＡＢＣ") == "ABC"


def test_model_text_placeholders_and_repeats() -> None:
    t = model_text("Soooo gooood!!! https://x.co/a @ali mail a@b.com ۱۲۳")
    assert "soo" in t and "good" in t
    assert "url" in t and "@user" in t and "email" in t
    assert "0" in t and "123" not in t


def test_traditional_to_simplified() -> None:
    assert to_simplified("這個酒店服務很好") == "这个酒店服务很好"
    assert traditional_share("這個酒店服務很好") > 0.3
    assert traditional_share("这个酒店服务很好") == 0.0


def test_ascii_digits() -> None:
    assert to_ascii_digits("٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹") == "0123456789 0123456789"


@given(st.text(max_size=200))
def test_normalizers_never_raise(text: str) -> None:
    for fn in (clean, fold_for_search, model_text, normalize):
        assert isinstance(fn(text), str)
    assert len(to_ascii_digits(text)) == len(text)
