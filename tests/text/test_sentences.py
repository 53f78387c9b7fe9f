from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sada.text.sentences import split_clauses, split_sentences


def texts(t: str) -> list[str]:
    return [s.text for s in split_sentences(t)]


def test_split_four_languages() -> None:
    assert texts("The delivery was late. But the food was great!! Thanks") == [
        "The delivery was late.",
        "But the food was great!!",
        "Thanks",
    ]
    assert texts("التوصيل تأخر؟ شكرا") == ["التوصيل تأخر؟", "شكرا"]
    assert texts("غذا سرد بود. ممنون!") == ["غذا سرد بود.", "ممنون!"]
    assert texts("送货很慢。质量很好！谢谢") == ["送货很慢。", "质量很好！", "谢谢"]


def test_no_split_inside_numbers_and_abbreviations() -> None:
    assert texts("I paid 3.5 USD in the U.S. yesterday. Fine") == [
        "I paid 3.5 USD in the U.S. yesterday.",
        "Fine",
    ]


def test_offsets_point_into_the_text() -> None:
    text = "  Hello there.  \n\n Second line! "
    for s in split_sentences(text):
        assert text[s.start : s.end] == s.text


def test_empty_and_punctuation_only() -> None:
    assert split_sentences("") == []
    assert split_sentences("...!!!") == []


def test_long_text_is_capped() -> None:
    spans = split_sentences("a. " * 1000, max_sentences=50)
    assert len(spans) == 50


def test_clauses_split_on_contrast() -> None:
    assert split_clauses("the delivery was late but the food was great", "en") == [
        "the delivery was late",
        "the food was great",
    ]
    assert split_clauses("غذا سرد بود ولی پیک مودب بود", "fa") == ["غذا سرد بود", "پیک مودب بود"]
    assert split_clauses("التوصيل تأخر لكن الأكل ممتاز", "ar") == ["التوصيل تأخر", "الأكل ممتاز"]
    assert split_clauses("送货很慢，但是质量很好", "zh") == ["送货很慢", "质量很好"]
    assert split_clauses("nothing to split", "en") == ["nothing to split"]


@given(st.text(max_size=300))
def test_sentences_never_raise(text: str) -> None:
    for s in split_sentences(text):
        assert s.text and text[s.start : s.end] == s.text
