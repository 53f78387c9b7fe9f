"""The learned name tagger (`sada.text.pii_names_learned`) and its place after the rules."""

from __future__ import annotations

import json

import pytest

from sada.text.pii import find_pii
from sada.text.pii_names import find_names
from sada.text.pii_names_features import FAMILIES, lexicon, tokenize
from sada.text.pii_names_learned import (
    META_PATH,
    MODELS_DIR,
    VERSION,
    learned_names,
    models,
)


def test_loaded_artifact_matches_its_declared_version() -> None:
    meta = json.loads(META_PATH.read_text(encoding="utf-8"))
    assert meta["version"] == VERSION
    assert set(meta["threshold"]) == set(FAMILIES)
    assert all(0.0 < float(t) < 1.0 for t in meta["threshold"].values())
    loaded = models()
    assert loaded.meta == meta
    assert models() is loaded  # loaded once per process
    for family in FAMILIES:
        assert set(loaded.taggers[family].info().labels) == {"B", "I", "O"}
    total = sum(p.stat().st_size for p in MODELS_DIR.glob("names_*"))
    assert total <= 8 * 1024 * 1024


def test_tokens_keep_their_offsets() -> None:
    text = "Hi, I'm Siobhan O'Connor. اسمي فاطمة. 我叫王小明。"
    for tok in tokenize(text):
        assert text[tok.start : tok.end] == tok.text
    assert [t.text for t in tokenize("我叫王小明")] == ["我", "叫", "王", "小", "明"]
    assert [t.family for t in tokenize("Ali علي 李")] == ["latin", "arabic", "han"]


# Sentences of our own whose names are not in the gazetteer: the rules alone do not
# know the given name, so only the context can tell.
UNKNOWN_NAMES = [
    ("My neighbour Xolani Ndlovu signed for the parcel.", "Xolani Ndlovu"),
    ("Please tell Okonkwo Udeh that the charger is broken.", "Okonkwo Udeh"),
    ("تحدثت مع الموظف زهران الشمري ولم يحل المشكلة.", "زهران"),
    ("پشتیبان شما، کامبیز نوروزی، خیلی صبور بود.", "کامبیز"),
    ("本人骆晓婷，申请退款。", "骆晓婷"),
]


@pytest.mark.parametrize(("text", "name"), UNKNOWN_NAMES)
def test_tagger_finds_names_absent_from_the_gazetteer(text: str, name: str) -> None:
    lex = lexicon()
    first = tokenize(name)[0]
    assert first.text.casefold() not in lex.given
    assert name[1:] not in "".join(lex.zh_given_chars)
    found = [text[a:b] for a, b in find_names(text)]
    assert any(name in f for f in found), found
    assert any(name in text[a:b] for a, b in learned_names(text))


LOOK_ALIKES = [
    "The Nintendo Switch controller drifts to the left.",
    "Mark the parcel as fragile next time.",
    "Rose gold was sold out so I took silver.",
    "سعيد جدا بالتوصيل السريع.",
    "امید دارم این بار درست بیاد.",
    "مغازه توی خیابان انقلاب بسته بود.",
    "外卖送到的时候汤都洒了。",
    "这家店的客服态度太差了。",
    # words the sentiment and aspect models read: taking them for names hid what the text
    # says from them (aspect `price` lost, a polarity turned)
    "Price is right and the delivery was quick.",
    "服務員很熱情，但是價格太貴",
    "سرعت اینترنتشون بد نبود، ولی این قیمت برای این حجم واقعاً زیاده",
    "با اینکه سفارشم تو سایت دو بار ثبت شد، پشتیبانی زود یکیشو کنسل کرد",
    "قیمت‌ها منطقیه و کادر درمان مهربون، اما نوبت‌دهی اینترنتی‌شون افتضاحه.",
    "والصيدلي اتصل شرحلي كيف آخدو، يعطيكم العافية",
    "می‌خواهم پولم را پس بگیرم",  # a verb opening a sentence, written with its prefix
    "بی‌کیفیت بود و دیر رسید",
]


def test_a_family_name_that_is_a_word_is_still_a_name_after_a_cue() -> None:
    """The guard against lexicon words drops tagger spans only: a cue still names Mr Price."""
    text = "Mr Price from the warehouse called me twice today."
    assert "Price" in [text[a:b] for a, b in find_names(text)]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_no_name_in_look_alike_texts(text: str) -> None:
    assert find_names(text) == [], [text[a:b] for a, b in find_names(text)]
    assert [p for p in find_pii(text) if p.type == "name"] == []


def test_rules_claim_first() -> None:
    text = "My name is Sarah Johnson and Zanele Khumalo is my sister."
    rules = find_names(text, learned=False)
    both = find_names(text)
    assert set(rules) <= set(both)


# Texts whose Latin or Arabic-script words are all ordinary words or gazetteer given
# names, and texts with one word that is neither: the tagger's model for that family
# is skipped only in the first kind.
ORDINARY_ONLY = [
    ("الخدمة سيئة جدا والتوصيل متأخر", "arabic"),
    ("سفارش دیر رسید و کیفیت بد بود", "arabic"),
    ("Great service, fast delivery", "latin"),
]
HOLDS_OTHER_WORDS = [
    ("الموظف زهران الشمري لم يرد", "arabic"),
    ("پشتیبان شما کامبیز نوروزی بود", "arabic"),
    ("Please tell Okonkwo Udeh", "latin"),
    ("وليد ركب المكيف أمس", "arabic"),  # a given name opening the sentence
]


@pytest.mark.parametrize(("text", "family"), ORDINARY_ONLY + HOLDS_OTHER_WORDS)
def test_a_skipped_family_could_not_have_kept_a_span(text: str, family: str) -> None:
    from sada.text.pii_names_learned import _may_hold_name, _trimmed

    tokens = tokenize(text)
    may = _may_hold_name(text, tokens, family)
    assert may == ((text, family) in HOLDS_OTHER_WORDS)
    if may:
        return
    # every stretch of the family's tokens, whatever the model says, is dropped
    idx = [i for i, t in enumerate(tokens) if t.family == family]
    for a in idx:
        for b in idx:
            if a <= b and all(tokens[k].family == family for k in range(a, b + 1)):
                span = (tokens[a].start, tokens[b].end)
                assert _trimmed(text, span) is None
                assert _trimmed(text, span, subject=True) is None


# Round 11: a name as the plain subject opening a sentence, with no cue word, a given or
# ambiguous name of the gazetteer or none at all; and look-alikes in the same place.
PLAIN_SUBJECTS = [
    ("امید کارت رو فعال کرد.", "امید"),
    ("وليد ركب المكيف أمس.", "وليد"),
    ("خالد ما رد علي.", "خالد"),
    ("Zubair never called back about the refund.", "Zubair"),
]
PLAIN_LOOK_ALIKES = [
    "Hope you can fix it soon.",
    "امید دارم دفعه بعد بهتر باشد.",
    "سعيد جدا بالخدمة، شكرا لكم.",
    "Will you call me back?",
    "Grace period ended yesterday.",
    "Mark the ticket as urgent please.",
    "نور الشاشة ضعيف جدا.",
    "أمل كبير إنكم تحلون المشكلة.",
    "Amazon never called back.",
]


@pytest.mark.parametrize(("text", "name"), PLAIN_SUBJECTS)
def test_a_plain_subject_opening_a_sentence_is_a_name(text: str, name: str) -> None:
    assert [text[a:b] for a, b in find_names(text)] == [name]


@pytest.mark.parametrize("text", PLAIN_LOOK_ALIKES)
def test_no_name_in_plain_subject_look_alikes(text: str) -> None:
    assert find_names(text) == []


def test_without_the_opening_threshold_a_given_name_stays_the_rules_call() -> None:
    meta = models().meta
    saved = meta.get("opening")
    meta["opening"] = {}
    try:
        # the tagger's own call (round 12's `arfa_anywhere` takes «وليد» by the word alone)
        assert learned_names("وليد ركب المكيف أمس.") == []
    finally:
        meta["opening"] = saved


def test_features_are_the_same_from_the_cache_and_dropout_reaches_neighbours() -> None:
    from sada.text.pii_names_features import sequence_features

    tokens = tokenize("Please tell Okonkwo Udeh, 我叫骆晓婷 اسمي فاطمة")
    first = sequence_features(tokens)
    again = sequence_features(tokenize("Please tell Okonkwo Udeh, 我叫骆晓婷 اسمي فاطمة"))
    assert first == again
    hidden = sequence_features(tokens, dropout=frozenset({2}))
    assert "g=?" in hidden[2] and "g=?" not in first[2]
    assert "g-1=?" in hidden[3] and "g1=?" in hidden[1] and "g-2=?" in hidden[4]
    han = next(i for i, t in enumerate(tokens) if t.text == "骆")
    assert "c1=晓" in first[han] and "c-1=叫" in first[han]
