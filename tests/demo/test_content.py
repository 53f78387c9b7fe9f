"""Tests for the demo-workspace content generator (sada.demo.content / sada.demo.names)."""

from __future__ import annotations

import random
import re
import time

import pytest

from sada.demo.content import (
    CHANNELS,
    LANGUAGES,
    REGIONS,
    SENTIMENTS,
    TOPICS,
    Message,
    make_agent_reply,
    make_message,
    make_order_item,
    make_survey_comment,
    region_label,
    to_traditional,
)
from sada.demo.names import make_person_name

ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc]")
HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
PERSIAN_ONLY = "پچژگ"

KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "billing": ("charge", "refund", "invoice", "bill", "payment", "pay", "card", "vat"),
        "delivery": ("deliver", "courier", "driver", "parcel", "arriv", "tracking", "collect"),
        "product_quality": (
            "broken",
            "quality",
            "fresh",
            "stale",
            "rotten",
            "expir",
            "warranty",
            "material",
            "working",
            "works",
            "made",
            "leak",
            "missing",
            "organic",
            "nuts",
            "colour",
            "dimensions",
            "model",
            "dishwasher",
            "plugs",
            "last",
            "product",
            "cracked",
            "stitching",
            "smell",
        ),
        "staff": (
            "staff",
            "agent",
            "support",
            "service",
            "cashier",
            "manager",
            "supervisor",
            "team",
        ),
        "app_website": ("app", "website", "log in", "otp", "password", "checkout", "account"),
        "price": (
            "price",
            "expensive",
            "discount",
            "cheap",
            "promo",
            "sale",
            "value",
            "offer",
            "fee",
            "bargain",
            "pricing",
        ),
    },
    "ar": {
        "billing": (
            "فاتور",
            "خصم",
            "مبلغ",
            "استرداد",
            "الفلوس",
            "المصاري",
            "بطاقة",
            "رسوم",
            "الدفع",
            "تدفع",
            "سحب",
            "ادفع",
            "أدفع",
            "فواتير",
        ),
        "delivery": (
            "توصيل",
            "مندوب",
            "يصل",
            "توصل",
            "تأخر",
            "الشحنة",
            "الدليفري",
            "السائق",
            "السواق",
            "الشوفير",
            "الطلبية",
            "الأوردر",
            "يوصل",
            "الاستلام",
            "وصل",
        ),
        "product_quality": (
            "جودة",
            "الجودة",
            "مكسور",
            "خربان",
            "صلاحية",
            "ضمان",
            "كفالة",
            "طازج",
            "المنتج",
            "بايظ",
            "المادة",
            "مقاسات",
            "بلون",
            "عضوية",
            "غسالة",
            "الفراخ",
            "الخبز",
        ),
        "staff": ("موظف", "خدمة", "الدعم", "للدعم", "المدير", "مشرف"),
        "app_website": (
            "تطبيق",
            "موقع",
            "app",
            "الأبليكيشن",
            "الدخول",
            "login",
            "OTP",
            "كلمة",
            "الباسورد",
        ),
        "price": (
            "سعر",
            "أسعار",
            "الأسعار",
            "خصم",
            "الخصم",
            "غالي",
            "أرخص",
            "عرض",
            "العروض",
            "رسوم",
            "التخفيض",
            "السعر",
            "عروض",
        ),
    },
    "fa": {
        "billing": ("فاکتور", "مبلغ", "پول", "کارت", "کسر", "برداشت", "پرداخت", "حساب", "هزینه"),
        "delivery": ("ارسال", "پیک", "تحویل", "رسید", "برسد", "میرسه", "نرسیده", "میرسد"),
        "product_quality": (
            "کیفیت",
            "شکسته",
            "خراب",
            "گارانتی",
            "تازه",
            "محصول",
            "جنس",
            "تاریخ",
            "ابعاد",
            "رنگ",
            "ارگانیک",
            "ظرفشویی",
            "موجود",
            "کار",
            "بیات",
            "مرغ",
            "میوه",
        ),
        "staff": ("پشتیبانی", "اپراتور", "کارمند", "کارکنان", "کارشناس", "مدیر", "سرپرست"),
        "app_website": ("اپ", "اپلیکیشن", "سایت", "رمز", "وارد", "کد", "login"),
        "price": ("قیمت", "تخفیف", "گران", "گرون", "ارزان", "ارزون", "هزینه", "حراج", "جشنواره"),
    },
    "zh": {
        "billing": ("扣", "退款", "发票", "付款", "账", "费", "钱", "支付", "财务"),
        "delivery": ("送", "快递", "配送", "物流", "包裹", "骑手", "自提", "签收", "收货", "运费"),
        "product_quality": (
            "质量",
            "坏",
            "新鲜",
            "过期",
            "保修",
            "材质",
            "尺寸",
            "颜色",
            "烂",
            "漏",
            "配件",
            "东西",
            "洗碗机",
            "有机",
            "到货",
            "品质",
            "异味",
            "实物",
            "蔫",
            "裂",
            "好用",
        ),
        "staff": ("客服", "店员", "员工", "主管", "店长", "工作人员"),
        "app_website": ("App", "网站", "登录", "验证码", "密码"),
        "price": ("价", "贵", "便宜", "优惠", "折", "运费", "划算", "特价", "包邮"),
    },
}


def _norm(language: str, text: str) -> str:
    if language == "fa":
        return text.replace("ي", "ی").replace("ك", "ک").replace("\u200c", "").replace(" ", "")
    if language == "en":
        return text.lower()
    return text


def _has_keyword(language: str, topic: str, text: str) -> bool:
    norm = _norm(language, text)
    for kw in KEYWORDS[language][topic]:
        kw_norm = _norm(language, kw)
        if kw_norm in norm:
            return True
        if language == "zh" and to_traditional(kw) in text:
            return True
    return False


@pytest.mark.parametrize("language", LANGUAGES)
def test_script_per_language(language: str) -> None:
    rng = random.Random(1)
    texts = [
        make_message(rng, language, TOPICS[i % 6], SENTIMENTS[i % 3], channel=CHANNELS[i % 6]).text
        for i in range(600)
    ]
    for text in texts:
        if language in ("ar", "fa"):
            assert len(ARABIC_LETTER.findall(text)) > len(LATIN.findall(text)), text
        elif language == "zh":
            assert len(HAN.findall(text)) >= 4, text
        else:
            assert LATIN.search(text) and not ARABIC_LETTER.search(text) and not HAN.search(text)
    joined = "".join(texts)
    if language == "fa":
        for letter in PERSIAN_ONLY:
            assert letter in joined, letter
        assert "\u200c" in joined  # zero-width non-joiner, Persian orthography
        assert "ي" in joined or "ك" in joined  # noise: Arabic yeh/kaf in some Persian text
        assert any(d in joined for d in "۰۱۲۳۴۵۶۷۸۹")
    if language == "ar":
        assert not any(letter in joined for letter in PERSIAN_ONLY + "ی")
    if language in ("ar", "fa", "zh"):
        assert re.search(r"\b(?:app|OTP|iPhone|Samsung|Apple Pay|USB-C|Wi-Fi|JBL|App)\b", joined)


def test_chinese_has_traditional_share_and_arabic_has_dialects() -> None:
    rng = random.Random(2)
    zh = [make_message(rng, "zh", "delivery", "negative", channel="chat").text for _ in range(500)]
    trad = sum(1 for t in zh if any(c in t for c in "這們過還訂單貨說請時遲"))
    assert 40 <= trad <= 200
    ar = " ".join(
        make_message(rng, "ar", TOPICS[i % 6], "negative", channel="chat").text for i in range(600)
    )
    for marker in ("مش", "ما ", "حدا"):  # Egyptian / Gulf-Levantine / Levantine forms
        assert marker in ar


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("topic", TOPICS)
def test_topic_keywords_present(language: str, topic: str) -> None:
    rng = random.Random(3)
    for i in range(300):
        msg = make_message(rng, language, topic, SENTIMENTS[i % 3], channel=CHANNELS[i % 6])
        assert _has_keyword(language, topic, msg.text), (language, topic, msg.text)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize("sentiment", SENTIMENTS)
def test_uniqueness(language: str, topic: str, sentiment: str) -> None:
    rng = random.Random(4)
    emails = {make_message(rng, language, topic, sentiment).text for _ in range(2000)}
    assert len(emails) >= 1800
    mixed = {
        make_message(rng, language, topic, sentiment, channel=CHANNELS[i % 6]).text
        for i in range(2000)
    }
    assert len(mixed) >= 1800


def test_determinism() -> None:
    def draw(seed: int) -> list[object]:
        rng = random.Random(seed)
        out: list[object] = []
        for i in range(300):
            lang = LANGUAGES[i % 4]
            out.append(
                make_message(rng, lang, TOPICS[i % 6], SENTIMENTS[i % 3], channel=CHANNELS[i % 6])
            )
            out.append(make_survey_comment(rng, lang, i % 11))
            out.append(make_agent_reply(rng, lang, TOPICS[i % 6]))
            out.append(make_person_name(rng, lang))
            out.append(make_order_item(rng, lang))
        return out

    assert draw(42) == draw(42)
    assert draw(42) != draw(43)


def test_message_shape_by_channel() -> None:
    rng = random.Random(5)
    for language in LANGUAGES:
        for i in range(200):
            topic, sentiment = TOPICS[i % 6], SENTIMENTS[i % 3]
            email = make_message(rng, language, topic, sentiment, channel="email")
            assert isinstance(email, Message)
            assert (email.language, email.topic, email.sentiment) == (language, topic, sentiment)
            assert email.subject and "\n\n" in email.text and "{" not in email.text
            for channel in ("chat", "social", "app_review", "phone", "whatsapp"):
                msg = make_message(rng, language, topic, sentiment, channel=channel)
                assert msg.subject is None and "{" not in msg.text
            chat = make_message(rng, language, topic, sentiment, channel="chat")
            assert len(chat.text) < len(email.text) + 400
    with pytest.raises(ValueError):
        make_message(rng, "en", "weather", "negative")


def test_sentiment_cues() -> None:
    rng = random.Random(6)
    neg = " ".join(make_message(rng, "en", t, "negative").text.lower() for t in TOPICS * 50)
    pos = " ".join(make_message(rng, "en", t, "positive").text.lower() for t in TOPICS * 50)
    neu = [make_message(rng, "en", t, "neutral", channel="chat").text for t in TOPICS * 50]
    assert neg.count("thank you for") < neg.count("disappoint") + neg.count("unacceptable")
    assert pos.count("great") + pos.count("excellent") + pos.count("thank") > 200
    assert sum("?" in t for t in neu) > 0.8 * len(neu)


def test_regions() -> None:
    assert set(REGIONS) == set(LANGUAGES)
    assert "تهران" in REGIONS["fa"] and "الرياض" in REGIONS["ar"]
    assert "上海" in REGIONS["zh"] and "London" in REGIONS["en"]
    assert region_label("en", 0) == "London"
    assert region_label("fa", len(REGIONS["fa"])) == REGIONS["fa"][0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_names_and_items(language: str) -> None:
    rng = random.Random(7)
    names = [make_person_name(rng, language) for _ in range(300)]
    assert len(set(names)) > 150
    for name in names:
        if language in ("ar", "fa"):
            assert ARABIC_LETTER.search(name) and not LATIN.search(name)
            assert " " in name
        elif language == "zh":
            assert HAN.fullmatch(name[0]) and 2 <= len(name) <= 4
            assert all(HAN.fullmatch(c) for c in name)
        else:
            assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][A-Za-z'\-]+", name), name
    if language == "fa":
        assert any(ch in "".join(names) for ch in PERSIAN_ONLY)
    items = {make_order_item(rng, language) for _ in range(500)}
    assert len(items) > 30


@pytest.mark.parametrize("language", LANGUAGES)
def test_survey_comments_and_agent_replies(language: str) -> None:
    rng = random.Random(8)
    for score in range(11):
        comments = [make_survey_comment(rng, language, score) for _ in range(100)]
        empty = sum(c is None for c in comments)
        assert 10 <= empty <= 75
        assert all(c is None or (c and "{" not in c) for c in comments)
    for topic in TOPICS:
        reply = make_agent_reply(rng, language, topic)
        assert reply and "{" not in reply


def test_speed() -> None:
    rng = random.Random(9)
    start = time.perf_counter()
    n = 20_000
    for i in range(n):
        make_message(
            rng, LANGUAGES[i % 4], TOPICS[i % 6], SENTIMENTS[i % 3], channel=CHANNELS[i % 6]
        )
    elapsed = time.perf_counter() - start
    print(f"\ndemo content: {n / elapsed:,.0f} messages/second")
    assert elapsed < 10
