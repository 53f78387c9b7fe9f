from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sada.text.langid import detect_language, model_language

CASES = [
    ("The delivery was late but the food was great", "en"),
    ("ok thanks", "en"),
    ("هذا المنتج جيد جدا والتوصيل كان سريع", "ar"),
    ("والله الاكل حلو بس التوصيل متأخر", "ar"),
    ("این محصول خیلی خوب بود، ممنون", "fa"),
    ("غذا سرد بود", "fa"),
    ("پیتزا عالی بود", "fa"),
    ("这个酒店的服务很好", "zh"),
    ("這個酒店的服務很好", "zh"),
    ("好", "zh"),
]


@pytest.mark.parametrize(("text", "lang"), CASES)
def test_languages(text: str, lang: str) -> None:
    assert detect_language(text).language == lang


def test_persian_typed_with_arabic_letters() -> None:
    # ي and ك instead of ی and ک, as on an Arabic keyboard
    assert detect_language("اين محصول خيلي خوب بود ولي ارسالش دير بود").language == "fa"
    assert detect_language("مثل هميشه عالي بود ممنون").language == "fa"


def test_scripts_simplified_and_traditional() -> None:
    assert detect_language("这个酒店服务很好").script == "Hans"
    assert detect_language("這個酒店服務很好").script == "Hant"
    assert detect_language("hello").script == "Latn"
    assert detect_language("سلام").script == "Arab"


def test_arabizi_and_finglish() -> None:
    r = detect_language("ana 3ayez a3raf el se3r leh keda")
    assert r.language == "ar" and r.romanized and r.script == "Latn"
    r = detect_language("kheili khoob bood mamnoon")
    assert r.language == "fa" and r.romanized
    # ordinals are not Arabizi
    assert detect_language("my 2nd and 3rd order").language == "en"


def test_mixed_script_uses_the_sentence_language() -> None:
    r = detect_language("گوشی Samsung Galaxy خیلی خوبه و باتریش عالیه")
    assert r.language == "fa" and r.mixed
    r = detect_language("الكوكيز من الفرن أحسن الانواع Triple chocolate")
    assert r.language == "ar"


def test_guard_languages_are_not_forced() -> None:
    assert (
        detect_language("Bonjour, je voudrais annuler ma commande s'il vous plaît").language == "fr"
    )
    assert detect_language("今日はとても良い天気ですね").language == "ja"
    r = detect_language("Bonjour, je voudrais annuler ma commande s'il vous plaît")
    assert model_language(r) == "en"


def test_no_language() -> None:
    for text in ("", "   ", "😀😀👍", "12345 !!!", "https://example.com/x @someone"):
        r = detect_language(text)
        assert r.language == "und" and r.confidence == 0.0


def test_restricted_to_workspace_languages() -> None:
    assert detect_language("سلام خوبی", allowed=["ar"]).language == "ar"
    assert detect_language("سلام خوبی", allowed=["fa", "en"]).language == "fa"


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80))
def test_never_raises(text: str) -> None:
    r = detect_language(text)
    assert isinstance(r.language, str) and 0.0 <= r.confidence <= 1.0
